/** node-scheduled-job: fires on node onsets at one time of day or nodes broken mid-upgrade; loses to its look-alikes. */
import type { PatternTable } from '../cases.ts';
import {
  agent,
  change,
  crashLoop,
  flapping,
  hour,
  min,
  notReady,
  periodic,
  spread,
  t0,
} from '../fixtures.ts';

const three = ['n1', 'n2', 'n3'];
const all = Array.from({ length: 12 }, (_, i) => `n${i + 1}`);
const timer = agent('AutomaticUpgradeScheduled', all, {
  timers: ['apt-daily-upgrade.timer'],
  schedules: ['*-*-* 6:00'],
});
const upgrading = agent('PackageUpgradeInProgress', ['n1', 'n2'], { units: ['apt-daily-upgrade.service'] });
const ubuntuOnly = {
  distinguishingAttributes: ['osImage=Ubuntu 22.04.4 LTS'],
  distinguishingAttributeNames: ['osImage'],
};
const wave = [
  notReady('n1'),
  flapping('n2'),
  flapping('n3'),
  spread(three, { onsetSpanMinutes: 25, notReadyNow: 1, wentNotReady60m: 3 }),
];
const appsOnThem = [crashLoop('api', 'pilot', ['n1', 'n2']), crashLoop('api', 'tiles', ['n2', 'n3'])];

export const scheduledJobCases: PatternTable = {
  pattern: 'node-scheduled-job',
  cases: [
    // 0.35 + 0.3 + 0.15 + 0.1 + 0.05 + 0.05
    {
      name: 'nodes break at 06:00 each day; today two are NotReady mid-upgrade, the timer is on, a new kernel waits, only Ubuntu nodes',
      signals: [
        notReady('n1'),
        notReady('n2'),
        periodic(three, ubuntuOnly),
        upgrading,
        timer,
        agent('RebootRequired', three),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.35 + 0.3 + 0.1 = 0.75
    {
      name: 'nodes went NotReady at the same time on two mornings; the upgrade timer is enabled',
      signals: [periodic(three), timer],
      expect: { fires: true, identified: true },
    },
    // 0.35 + 0.3 = 0.65
    {
      name: 'nodes went NotReady at the same time on two mornings; no node agent',
      signals: [periodic(three)],
      expect: { fires: true, identified: false },
    },
    // 0.65 + 0.05 = 0.7
    {
      name: 'nodes went NotReady at the same time on two mornings and came back on a new kernel',
      signals: [
        periodic(three),
        change(
          'node-kernel',
          { nodes: three, count: 3, from: '5.15.0-1061-azure', to: '5.15.0-1064-azure' },
          { sinceMs: t0 - 6 * hour },
        ),
      ],
      expect: { fires: true, identified: true },
    },
    {
      name: 'nodes went NotReady at the same time on two mornings, only nodes of one OS image',
      signals: [periodic(three, ubuntuOnly)],
      expect: { fires: true, identified: true },
    },
    // 0.35 + 0.15 + 0.1 = 0.6, over the honest unknown
    {
      name: 'the first morning: two nodes NotReady while the package upgrade runs on them, the timer is on',
      signals: [
        notReady('n1'),
        notReady('n2'),
        spread(['n1', 'n2'], {}, { sinceMs: t0 - 5 * min }),
        upgrading,
        timer,
      ],
      expect: { fires: true, identified: false },
    },
    {
      name: 'the upgrade timer is enabled on every node and nothing is broken',
      signals: [timer],
      expect: { quiet: true },
    },
    {
      name: 'nodes flap one after another, no daily rhythm, the usual timer on every node',
      signals: [...wave, ...appsOnThem, timer],
      expect: { losesTo: 'node-network' },
    },
    {
      name: 'nodes flap an hour after a kernel roll, the usual timer on every node',
      signals: [
        ...wave,
        ...appsOnThem,
        timer,
        change('node-kernel', { nodes: three, count: 3 }, { sinceMs: t0 - 80 * min }),
      ],
      expect: { losesTo: 'node-image-regression' },
    },
    {
      name: 'one node NotReady, no upgrade running on it, the usual timer on every node',
      signals: [notReady('n4'), timer],
      expect: { losesTo: 'kubelet-failure' },
    },
  ],
};
