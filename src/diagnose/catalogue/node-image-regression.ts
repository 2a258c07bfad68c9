/**
 * A node image or kernel regression: nodes that took a new kernel, OS image, OS packages,
 * kubelet or container runtime shortly before the onset go NotReady or flap, across every
 * workload on them, while nodes still on the old version are fine. Replacing a node does
 * not help while the pool's template carries the version; rolling the image back does. An
 * unattended OS update (systemd, libc) changes nodes without touching nodeInfo: the node
 * agent's record of what the upgrade installed is the version they share.
 *
 * Told apart from: node network trouble (no version in common), a scheduled node job
 * (onsets at the same time of day; the upgrade run itself killed or left half-installed),
 * memory or disk exhaustion (pressure conditions).
 */

import { changeAtMs } from '../evidence/changes.ts';
import {
  apiSilentForUsToo,
  hitOn,
  nodesShortOfResources,
  nodeVersionChangesOn,
  sameTimeOfDay,
  severalNodesInTrouble,
  webhookOutlastsHeartbeats,
} from '../evidence/clauses.ts';
import { earliest, nodeTrouble } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import { at, count, names, said } from '../slots.ts';

/** Kernels and images roll out over hours; a change the day before still counts. */
const versionWindowMs = 24 * 3_600_000;
const versionAttributes = [
  'kernelVersion',
  'osImage',
  'nodeImage',
  'containerRuntimeVersion',
  'kubeletVersion',
];

/** Two `name@version,…` lists name a package in common. */
function samePackages(a: string, b: string): boolean {
  const names = (x: string) => x.split(',').map((p) => p.split('@')[0]);
  const theirs = new Set(names(b));
  return names(a).some((n) => n !== '' && theirs.has(n));
}

export const nodeImageRegression = definePattern((q) => {
  const t = nodeTrouble(q);
  const nodes = [...t.affected].sort();
  const onset = earliest([...t.notReady, ...t.flapping, ...t.silent, t.spread], q.nowMs);
  // Changes that touched most of the affected nodes: the version they share.
  const changes = nodeVersionChangesOn(q, t.affected, onset, versionWindowMs).filter(
    (c) => nodes.filter((n) => c.facts.nodes.includes(n)).length * 2 > nodes.length,
  );
  const versionOnly = (t.spread?.facts.distinguishingAttributes ?? []).filter((a) =>
    versionAttributes.some((v) => a.startsWith(`${v}=`)),
  );
  // An upgrade run killed at its timeout or leaving packages half-installed on the nodes in
  // trouble: the job broke them, whatever it was installing.
  const failed = q.agent('PackageUpgradeFailed');
  const upgradeFailed = failed?.facts.nodes.some((n) => t.affected.has(n)) ? failed : undefined;
  // Nodes in trouble that went down with their upgrade still running: the run itself is as
  // likely the cause as what it installs...
  const running = q.agent('PackageUpgradeInProgress');
  const midUpgrade = running?.facts.nodes.some((n) => t.affected.has(n)) ? running : undefined;
  // ...unless nodes that installed other versions of the same packages are all fine: then
  // the version, not the run, sets the broken nodes apart.
  const installed = changes.filter((c) => c.facts.what === 'node-os' && !c.facts.from);
  const otherVersionsSpared = q
    .of('change')
    .filter(
      (c) =>
        c.facts.what === 'node-os' &&
        !c.facts.from &&
        c.facts.nodes.length > 0 &&
        c.facts.nodes.every((n) => !t.affected.has(n)) &&
        installed.some((m) => m.facts.to !== c.facts.to && samePackages(m.facts.to, c.facts.to)),
    );
  return [{ t, nodes, onset, changes, versionOnly, upgradeFailed, midUpgrade, otherVersionsSpared }];
})({
  id: 'node-image-regression',
  family: 'nodes',
  layer: 'node',
  title: 'Node image or kernel regression after a node version change',
  summary:
    "A node image or kernel regression: nodes that took a new kernel, OS image, OS packages, kubelet or container runtime shortly before the onset go NotReady or flap, across every workload on them, while nodes still on the old version are fine. Replacing a node does not help while the pool's template carries the version; rolling the image back does. An unattended OS update (systemd, libc) changes nodes without touching nodeInfo: the node agent's record of what the upgrade installed is the version they share. Told apart from: node network trouble (no version in common), a scheduled node job (onsets at the same time of day; the upgrade run itself killed or left half-installed), memory or disk exhaustion (pressure conditions).",
  clusterLevel: true,
  base: 0.35,
  requires: [
    severalNodesInTrouble(),
    {
      id: 'version-changed-on-them',
      weight: 0,
      reason:
        'the nodes in trouble taking a new kernel, OS image, kubelet or runtime within a day before the onset',
      reads: ['change'],
      test: (c) => hitOn(c.changes),
    },
  ],
  supports: [
    {
      id: 'only-that-version-affected',
      weight: 0.25,
      reason: 'only nodes with {attrs} are in trouble',
      reads: ['not-ready-spread'],
      test: (c) =>
        c.versionOnly.length && c.t.spread
          ? { signals: [c.t.spread], slots: { attrs: names(c.versionOnly, c.t.spread)! } }
          : undefined,
    },
    {
      id: 'whole-changed-group',
      weight: 0.1,
      reason: 'every node in trouble took the change, which left other nodes on the old version',
      reads: ['change'],
      test: (c) => {
        // A change that reached the whole fleet sets nothing apart: any node in trouble took it.
        const partial = c.changes.filter((x) => x.facts.count < x.facts.clusterNodes);
        const touched = new Set(partial.flatMap((x) => x.facts.nodes));
        return partial.length && c.nodes.every((n) => touched.has(n)) ? { signals: partial } : undefined;
      },
    },
    {
      id: 'change-close-to-onset',
      weight: 0.15,
      reason: 'the change came within 2 hours before the first node went down',
      reads: ['change'],
      test: (c) => hitOn(c.changes.filter((x) => changeAtMs(x) >= c.onset - 2 * 3_600_000)),
    },
    {
      id: 'other-versions-spared',
      weight: 0.25,
      reason: 'nodes that installed other versions of the same packages are all fine',
      reads: ['change'],
      test: (c) => hitOn(c.otherVersionsSpared),
    },
    {
      id: 'workloads-fail-alike',
      weight: 0.1,
      reason: '{loopCount} different workloads fail on those nodes alike',
      reads: ['crash-loop'],
      test: (c) => {
        const loops = c.t.loops.filter((l) => l.onAffected > 0).map((l) => l.signal);
        return loops.length >= 2
          ? { signals: loops, slots: { loopCount: count(loops.length, loops)! } }
          : undefined;
      },
    },
  ],
  against: [
    apiSilentForUsToo(-0.4),
    sameTimeOfDay(-0.3),
    {
      id: 'down-mid-upgrade',
      weight: -0.35,
      reason: 'nodes in trouble went down with their package upgrade still running',
      reads: ['agent-condition'],
      test: (c) => hitOn([c.midUpgrade]),
    },
    {
      id: 'upgrade-run-failed-on-them',
      weight: -0.3,
      reason: 'the package upgrade on nodes in trouble was killed or left packages half-installed',
      reads: ['agent-condition'],
      test: (c) => hitOn([c.upgradeFailed]),
    },
    nodesShortOfResources(-0.2),
    webhookOutlastsHeartbeats(-0.3),
  ],
  severity: () => 'critical',
  onset: (c) => c.onset,
  blastRadius: (c) => ({ nodes: c.nodes, pools: c.t.spread?.facts.pools ?? [] }),
  evidence: (c) => [...c.changes, ...(c.t.spread ? [c.t.spread] : [])],
  slots: {
    nodeCount: (c) => count(c.nodes.length, [...c.t.notReady, ...c.t.flapping, ...c.t.silent]),
    onset: (c) => at(c.onset, [...c.t.notReady, ...c.t.flapping, ...c.t.silent, c.t.spread]),
    change: (c) =>
      c.changes.length
        ? said(
            c.changes
              .map((x) =>
                x.facts.from
                  ? `${x.facts.what.replace('node-', '')} ${x.facts.from} → ${x.facts.to} on ${x.facts.count} node(s) at ${x.facts.at}`
                  : `OS packages ${x.facts.to} installed on ${x.facts.count} node(s) from ${x.facts.at}`,
              )
              .join('; '),
            c.changes,
          )
        : undefined,
    from: (c) => said(c.changes[0]?.facts.from, c.changes),
    to: (c) => said(c.changes[0]?.facts.to, c.changes),
    // Packages an upgrade installed (no version to roll the image back from).
    packages: (c) => {
      const x = c.changes.find((y) => y.facts.what === 'node-os' && !y.facts.from);
      return said(x?.facts.to, x);
    },
    firstNode: (c) => said(c.nodes[0], c.t.notReady),
    nodeCsv: (c) => said(c.nodes.join(','), [...c.t.notReady, ...c.t.flapping]),
  },
  statement: '{nodeCount} node(s) in trouble since {onset} after a node version change ({change}).',
  nextSteps: [
    {
      say: 'Compare versions across nodes: the ones in trouble against the rest',
      command:
        'kubectl get nodes -o custom-columns=NAME:.metadata.name,READY:.status.conditions[-1].status,KERNEL:.status.nodeInfo.kernelVersion,OS:.status.nodeInfo.osImage,RUNTIME:.status.nodeInfo.containerRuntimeVersion',
    },
    {
      say: "Read the kubelet's and the kernel's words on {firstNode}",
      command: 'kubectl describe node {firstNode}',
    },
    {
      say: 'Roll the node pool back from {to} to {from} (its image or kernel), then replace the affected nodes',
    },
    {
      say: 'Stop the upgrade that installed {packages} from reaching more nodes (hold the packages or disable the upgrade timer), then reboot the affected nodes in small batches',
      command: "kubectl describe node {firstNode} | grep -A2 -E 'PackageUpgrade|AutomaticUpgradeScheduled'",
    },
    { say: 'Do not only reboot or replace nodes: new nodes from the same template carry {to}' },
  ],
  runbooks: { 'restart-nodes': (c) => (c.nodes.length ? { nodes: c.nodes } : undefined) },
  lookAlikes: ['node-network', 'node-scheduled-job', 'kubelet-failure'],
  public: {
    components: ['Nodes'],
    title: 'Nodes unavailable',
    cause: 'a faulty node software update on some nodes',
    outage: 'partial',
  },
  prevention: [
    'Roll node images and kernels to a canary pool first and hold the rollout on NotReady or flapping nodes',
    'Pin node images per pool so a rollback is one change',
  ],
});
