/** node-image-regression: fires on nodes in trouble after a node version change on them; loses to its look-alikes. */
import type { PatternTable } from '../cases.ts';
import {
  agent,
  apiUnreachable,
  change,
  crashLoop,
  flapping,
  hour,
  min,
  notReady,
  periodic,
  spread,
  t0,
  webhookSlow,
} from '../fixtures.ts';

const three = ['n1', 'n2', 'n3'];
const all = Array.from({ length: 12 }, (_, i) => `n${i + 1}`);
const nodes = [notReady('n1'), flapping('n2'), flapping('n3')];
/** The spread as the node detector sees it: only nodes on the new kernel are in trouble. */
const onlyNewKernel = spread(three, {
  onsetSpanMinutes: 25,
  notReadyNow: 1,
  wentNotReady60m: 3,
  distinguishingAttributes: ['kernelVersion=5.15.0-1064-azure'],
  distinguishingAttributeNames: ['kernelVersion'],
});
const plainSpread = spread(three, { onsetSpanMinutes: 25, notReadyNow: 1, wentNotReady60m: 3 });
const appsOnThem = [crashLoop('api', 'pilot', ['n1', 'n2']), crashLoop('api', 'tiles', ['n2', 'n3'])];
const kernel = (nodes: string[], sinceMs: number) =>
  change(
    'node-kernel',
    { nodes, count: nodes.length, from: '5.15.0-1061-azure', to: '5.15.0-1064-azure' },
    { sinceMs },
  );
/** An hour before the first onset (20 min ago): within the 2 h of "close". */
const kernelHourBefore = kernel(three, t0 - 80 * min);
/** Only nodes on the newer OS release are in trouble. */
const onlyNewOs = spread(three, {
  onsetSpanMinutes: 25,
  notReadyNow: 3,
  wentNotReady60m: 3,
  distinguishingAttributes: ['osImage=Ubuntu 22.04.1 LTS'],
  distinguishingAttributeNames: ['osImage'],
});
/** What an unattended upgrade installed, as the node agent reports it: no old version. */
const systemdUpgrade = change(
  'node-os',
  { nodes: [...three, 'n4'], count: 4, from: '', to: 'systemd@249.11-0ubuntu3.7,udev@249.11-0ubuntu3.7' },
  { sinceMs: t0 - 40 * min },
);
const upgradeTimer = agent('AutomaticUpgradeScheduled', all, { timers: ['apt-daily-upgrade.timer'] });
const upgrading = agent('PackageUpgradeInProgress', three, { units: ['apt-daily-upgrade.service'] });
/** The same run on the older-OS nodes, installing that OS's versions of the packages. */
const focalUpgrade = change(
  'node-os',
  { nodes: ['n5', 'n6'], count: 2, from: '', to: 'systemd@245.4-4ubuntu3.20' },
  { sinceMs: t0 - 35 * min },
);
const down = [notReady('n1'), notReady('n2'), notReady('n3')];

export const nodeImageRegressionCases: PatternTable = {
  pattern: 'node-image-regression',
  cases: [
    // 0.35 + 0.25 only that version + 0.1 whole group + 0.15 close + 0.1 apps alike
    {
      name: 'nodes flap an hour after a kernel roll, only new-kernel nodes affected, apps fail there alike',
      signals: [...nodes, onlyNewKernel, ...appsOnThem, kernelHourBefore],
      expect: { fires: true, identified: true },
    },
    {
      name: "nodes flap after a kernel roll, while a webhook's calls take over 10 s: lease renewals through it time out",
      signals: [...nodes, onlyNewKernel, ...appsOnThem, kernelHourBefore, webhookSlow()],
      expect: { losesTo: 'admission-webhook-failure' },
    },
    // 0.35 + 0.25 + 0.1 = 0.7
    {
      name: 'nodes flap; they took a new kernel last night, and only new-kernel nodes are affected',
      signals: [...nodes, onlyNewKernel, kernel(three, t0 - 10 * hour)],
      expect: { fires: true, identified: true },
    },
    // 0.35 + 0.1 + 0.15 + 0.1 = 0.7
    {
      name: 'nodes flap an hour after a kernel roll and several apps fail there',
      signals: [...nodes, plainSpread, ...appsOnThem, kernelHourBefore],
      expect: { fires: true, identified: true },
    },
    // 0.35 + 0.1 + 0.15 = 0.6
    {
      name: 'nodes go NotReady an hour after a kernel roll, no app fails there',
      signals: [...nodes, plainSpread, kernelHourBefore],
      expect: { fires: true, identified: false },
    },
    {
      name: 'the kernel rolled yesterday and every node is fine',
      signals: [kernel(all, t0 - 20 * hour)],
      expect: { quiet: true },
    },
    // 0.35: a kubelet upgrade on every node hours before a few nodes restart
    // sets none of them apart, and five hours on it is no longer close to the onset: only the
    // generic change-induced story holds, and it is never sure.
    {
      name: 'a few nodes NotReady hours after a version change that reached every node',
      signals: [...nodes, plainSpread, kernel(all, t0 - 5 * hour)],
      expect: { losesTo: 'change-induced-regression' },
    },
    {
      name: 'the new kernel came with the daily upgrade job: nodes break at the same time each day, the timer is enabled',
      signals: [
        ...nodes,
        onlyNewKernel,
        ...appsOnThem,
        kernelHourBefore,
        periodic(three),
        agent('AutomaticUpgradeScheduled', all, { timers: ['apt-daily-upgrade.timer'] }),
      ],
      expect: { losesTo: 'node-scheduled-job' },
    },
    {
      name: 'the API server went silent while the nodes that took the new kernel flapped',
      signals: [...nodes, onlyNewKernel, ...appsOnThem, kernelHourBefore, apiUnreachable()],
      expect: { losesTo: 'control-plane-unreachable' },
    },
    {
      name: 'one node NotReady after the kernel rolled to every node',
      signals: [notReady('n4'), kernel(all, t0 - 80 * min)],
      expect: { losesTo: 'kubelet-failure' },
    },
    // 0.35 + 0.25 only that OS + 0.1 whole group + 0.15 close = 0.85 (the job alone: 0.6)
    {
      name: 'nodes go NotReady after an unattended upgrade installed systemd on them; nodes on the older OS are fine',
      signals: [...down, onlyNewOs, systemdUpgrade, upgradeTimer],
      expect: { fires: true, identified: true },
    },
    // 0.85 - 0.35: they went down mid-run, as a run that breaks its node does (the job alone: 0.6)
    {
      name: 'nodes drop off with an unattended upgrade of systemd still running on them',
      signals: [...down, onlyNewOs, systemdUpgrade, upgradeTimer, upgrading],
      expect: { losesTo: 'node-scheduled-job' },
    },
    // 0.85 - 0.35 + 0.25: the same run installing other versions left the older-OS nodes fine
    {
      name: 'nodes drop off mid-upgrade, while nodes that installed older versions of those packages are fine',
      signals: [...down, onlyNewOs, systemdUpgrade, upgradeTimer, upgrading, focalUpgrade],
      expect: { fires: true, identified: true },
    },
    // 0.85 - 0.3: the run was killed at its timeout on them; the job broke them
    {
      name: 'nodes go NotReady after an unattended upgrade that was killed at its timeout on them',
      signals: [
        ...down,
        onlyNewOs,
        systemdUpgrade,
        upgradeTimer,
        agent('PackageUpgradeFailed', three, { results: ['timeout'] }),
      ],
      expect: { losesTo: 'node-scheduled-job' },
    },
    {
      name: 'nodes flap with no version change on them',
      signals: [...nodes, plainSpread, ...appsOnThem],
      expect: { losesTo: 'node-network' },
    },
  ],
};
