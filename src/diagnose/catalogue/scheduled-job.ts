/**
 * A node-local scheduled job breaks nodes: nodes turn NotReady at a fixed hour on
 * several days, only nodes that share an image or OS, and the node agent shows an enabled
 * upgrade timer, an upgrade running or killed at the onset, and a new kernel waiting.
 *
 * It is an outage (critical) while nodes are broken or the timer is still enabled, history
 * (info) once neither holds.
 *
 * Told apart from: node network trouble (no daily rhythm, no upgrade on the nodes) and a
 * node image or kernel regression (follows a version, not the clock).
 */
import { hitOn } from '../evidence/clauses.ts';
import { earliest, nodeTrouble } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import { attributes, count, names, said } from '../slots.ts';

export const scheduledJob = definePattern((q) => {
  const periodic = q.first('periodic-onset');
  const running = q.agent('PackageUpgradeInProgress');
  const failed = q.agent('PackageUpgradeFailed');
  const timer = q.agent('AutomaticUpgradeScheduled');
  const reboot = q.agent('RebootRequired');
  const t = nodeTrouble(q);
  const upgradeNodes = new Set([...(running?.facts.nodes ?? []), ...(failed?.facts.nodes ?? [])]);
  const brokenDuringUpgrade = [...t.affected].filter((n) => upgradeNodes.has(n));
  const kernelChange = q.of('change').filter((c) => c.facts.what === 'node-kernel');
  // The current episode's start: a recurring failure's first day is history by the third.
  const episode = [running, failed, ...t.notReady].filter((x) => x !== undefined);
  const since = earliest(episode.length ? episode : [periodic], q.nowMs);
  const nodes = [...new Set([...(periodic?.facts.nodes ?? []), ...brokenDuringUpgrade])].sort();
  const brokenNow = [...t.affected].sort();
  return [
    {
      periodic,
      running,
      failed,
      timer,
      reboot,
      t,
      brokenDuringUpgrade,
      kernelChange,
      since,
      nodes,
      brokenNow,
    },
  ];
})({
  id: 'node-scheduled-job',
  family: 'nodes',
  layer: 'node',
  title: 'A node-local scheduled job breaks nodes',
  summary:
    'A node-local scheduled job breaks nodes: nodes turn NotReady at a fixed hour on several days, only nodes that share an image or OS, and the node agent shows an enabled upgrade timer, an upgrade running or killed at the onset, and a new kernel waiting. It is an outage (critical) while nodes are broken or the timer is still enabled, history (info) once neither holds. Told apart from: node network trouble (no daily rhythm, no upgrade on the nodes) and a node image or kernel regression (follows a version, not the clock).',
  clusterLevel: true,
  base: 0.35,
  requires: [
    {
      id: 'daily-onsets-or-broken-while-upgrading',
      weight: 0,
      reason:
        'node onsets recurring in the same hour across days, or nodes broken while a package upgrade ran on them',
      reads: ['periodic-onset', 'agent-condition'],
      test: (c) =>
        c.periodic || c.brokenDuringUpgrade.length ? hitOn([c.periodic, c.running, c.failed]) : undefined,
    },
  ],
  supports: [
    {
      id: 'same-time-each-day',
      weight: 0.3,
      reason: 'node trouble began {window} on {days}',
      reads: ['periodic-onset'],
      test: (c) =>
        c.periodic
          ? {
              signals: [c.periodic],
              slots: {
                window: said(
                  `${c.periodic.facts.windowStart}–${c.periodic.facts.windowEnd} UTC`,
                  c.periodic,
                )!,
                days: names(c.periodic.facts.days, c.periodic)!,
              },
            }
          : undefined,
    },
    {
      id: 'broken-while-upgrading',
      weight: 0.15,
      reason: '{count} node(s) in trouble were upgrading packages',
      reads: ['agent-condition'],
      test: (c) =>
        c.brokenDuringUpgrade.length
          ? {
              signals: [c.running, c.failed].filter((x) => x !== undefined),
              slots: { count: count(c.brokenDuringUpgrade.length, [c.running, c.failed])! },
            }
          : undefined,
    },
    {
      id: 'upgrade-timer-enabled',
      weight: 0.1,
      reason: 'the node agent finds an enabled package-upgrade timer ({timers})',
      reads: ['agent-condition'],
      test: (c) =>
        c.timer
          ? { signals: [c.timer], slots: { timers: names(c.timer.facts.timers ?? [], c.timer)! } }
          : undefined,
    },
    {
      id: 'kernel-changed',
      weight: 0.05,
      reason: 'the nodes installed a new kernel',
      reads: ['agent-condition', 'change'],
      test: (c) => hitOn([c.reboot, ...c.kernelChange]),
    },
    {
      id: 'only-one-kind-of-node',
      weight: 0.05,
      reason: 'only nodes with {attrs} are affected',
      reads: ['periodic-onset'],
      test: (c) =>
        c.periodic?.facts.distinguishingAttributes.length
          ? {
              signals: [c.periodic],
              slots: { attrs: attributes(c.periodic.facts.distinguishingAttributes, c.periodic)! },
            }
          : undefined,
    },
  ],
  against: [],
  // Onsets in past days alone are history: with no node broken now and no upgrade timer
  // left enabled, nothing is down and nothing is scheduled to break it again.
  severity: (c) => (c.t.affected.size > 0 || c.timer ? 'critical' : 'info'),
  onset: (c) => c.since,
  blastRadius: (c) => ({ nodes: c.nodes, pools: c.periodic?.scope.pools ?? [] }),
  evidence: (c) =>
    [c.periodic, c.running, c.failed, c.timer, c.reboot, ...c.kernelChange.slice(0, 2)].filter(
      (x) => x !== undefined,
    ),
  slots: {
    timers: (c) => (c.timer?.facts.timers?.length ? names(c.timer.facts.timers, c.timer) : undefined),
    schedules: (c) =>
      c.timer?.facts.schedules?.length ? names(c.timer.facts.schedules, c.timer) : undefined,
    recurrence: (c) =>
      c.periodic
        ? said(
            `onsets recur ${c.periodic.facts.windowStart}–${c.periodic.facts.windowEnd} UTC on ${c.periodic.facts.days.join(', ')}`,
            c.periodic,
          )
        : said(`${c.brokenDuringUpgrade.length} node(s) in trouble were upgrading packages`, [
            c.running,
            c.failed,
          ]),
    attrs: (c) =>
      c.periodic?.facts.distinguishingAttributes.length
        ? attributes(c.periodic.facts.distinguishingAttributes, c.periodic)
        : undefined,
    firstNode: (c) => said(c.nodes[0], [c.periodic, c.running, c.failed]),
    timer: (c) => said(c.timer?.facts.timers?.[0], c.timer),
    brokenCsv: (c) => said(c.brokenNow.join(','), c.t.notReady),
  },
  statement:
    'Nodes break during a node-local scheduled job[ ({timers}[, {schedules}])]: {recurrence}[, only on nodes with {attrs}].',
  nextSteps: [
    {
      say: 'See the timer and the last upgrade on {firstNode}',
      command:
        "kubectl describe node {firstNode} | grep -A2 -E 'AutomaticUpgradeScheduled|PackageUpgrade|RebootRequired'",
    },
    {
      say: 'Turn the timer off fleet-wide through a generated DaemonSet (applied on approval)',
      command: 'kubetriage remediate node-fix disable-timer {timer} --dry-run',
    },
    {
      say: 'Reboot or replace the nodes left broken',
      command: 'kubetriage remediate restart-nodes --nodes {brokenCsv} --dry-run',
    },
    { say: 'Ship node images with unattended upgrades turned off' },
  ],
  runbooks: {
    'node-fix': (c) => (c.timer?.facts.timers?.[0] ? { timer: c.timer.facts.timers[0] } : undefined),
    'restart-nodes': (c) => (c.brokenNow.length ? { nodes: c.brokenNow } : undefined),
  },
  lookAlikes: ['node-network', 'node-image-regression', 'kubelet-failure'],
  public: {
    components: ['Nodes'],
    title: 'Nodes unavailable',
    cause: "a scheduled job in the nodes' operating system leaves some nodes broken",
    outage: 'partial',
  },
  prevention: [
    'Disable unattended package upgrades on node images; upgrade nodes by replacing them',
    'Alert when nodes turn NotReady at a fixed hour twice',
  ],
});
