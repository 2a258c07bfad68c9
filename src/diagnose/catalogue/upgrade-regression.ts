/**
 * A regression that follows a rolling node upgrade node by node: a workload's pods start
 * failing (liveness kills, crash loops) on exactly the nodes that took the new node version,
 * each after the upgrade reached it, while the same workload runs fine on the nodes not yet
 * upgraded. The nodes left behind are the control group a canary comparison needs: what
 * differs between them is the version, so the version is the cause, whatever the mechanism
 * inside it (a kubelet that now enforces a probe timeout, a changed default, a removed flag).
 *
 * Told apart from: the node itself broken by its new version (node-image-regression: the
 * nodes go NotReady), the workload broken by its own rollout (bad-rollout: its failures
 * follow its own new revision, on any node), the pod network (traffic between pods fails
 * too), and a regression after a change that every node took at once (change-induced: no
 * node is left to compare with).
 */
import type { SignalOf } from '../../detect/signal.ts';
import { changeAtMs } from '../evidence/changes.ts';
import { nodeTrouble } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import { at, count, names, said } from '../slots.ts';

type Failing = SignalOf<'probe-failing'> | SignalOf<'crash-loop'>;

/** Failures of one workload that keep going: repeated liveness kills or a crash loop. */
function keepsFailing(s: Failing): boolean {
  return s.kind === 'crash-loop' || s.facts.livenessKills >= 2;
}

export const upgradeRegression = definePattern((q) => {
  const failing: Failing[] = [...q.of('probe-failing'), ...q.of('crash-loop')].filter(keepsFailing);
  const down = nodeTrouble(q).affected;
  const cases = [];
  for (const change of q.of('change')) {
    if (change.facts.what !== 'node-version') continue;
    const upgraded = new Set(change.facts.nodes);
    const sinceChange = changeAtMs(change);
    // The workload's failures all sit on upgraded nodes, and began after the upgrade did.
    const following = failing.filter(
      (s) =>
        s.facts.nodes.length > 0 && s.facts.nodes.every((n) => upgraded.has(n)) && s.sinceMs >= sinceChange,
    );
    const nodes = [...new Set(following.flatMap((s) => s.facts.nodes))].sort();
    cases.push({
      change,
      following,
      nodes,
      // Nodes still on the old version: the comparison that makes the version the cause.
      leftBehind: change.facts.clusterNodes - change.facts.count,
      nodesDown: nodes.filter((n) => down.has(n)),
      onset: Math.min(...following.map((s) => s.sinceMs), q.nowMs),
    });
  }
  // One story: the change the most failing nodes followed (several node-version changes at
  // once are one rollout seen in parts).
  const best = cases.sort((a, b) => b.nodes.length - a.nodes.length)[0];
  return best ? [best] : [];
})({
  id: 'upgrade-regression',
  family: 'change',
  layer: 'change',
  title: 'Pods fail on the nodes a rolling upgrade reached',
  summary:
    "A regression that follows a rolling node upgrade node by node: a workload's pods start failing (liveness kills, crash loops) on exactly the nodes that took the new node version, after it reached each, while the same workload runs on the nodes not yet upgraded. Told apart from nodes broken by their new version (they go NotReady), a workload's own rollout (failures follow its revision on any node), the pod network (traffic between pods fails too) and a change every node took at once (nothing to compare with).",
  clusterLevel: true,
  base: 0.55,
  requires: [
    {
      id: 'failures-on-upgraded-nodes',
      weight: 0,
      reason:
        "a workload's repeated liveness kills or crash loop on two or more nodes that took a new node version, and only there, beginning after it",
      reads: ['change', 'probe-failing', 'crash-loop'],
      // One node is no pattern: a pod that needs something local fails wherever it lands.
      test: (c) => (c.nodes.length >= 2 ? { signals: [c.change, ...c.following] } : undefined),
    },
  ],
  supports: [
    {
      id: 'nodes-left-behind-fine',
      weight: 0.15,
      reason: '{leftBehind} node(s) still on {oldVersion} run the same workload without these failures',
      reads: ['change'],
      test: (c) =>
        c.leftBehind > 0
          ? {
              signals: [c.change],
              slots: {
                leftBehind: count(c.leftBehind, c.change)!,
                oldVersion: said(c.change.facts.from, c.change)!,
              },
            }
          : undefined,
    },
  ],
  against: [
    {
      id: 'upgraded-nodes-down',
      weight: -0.3,
      reason:
        'the upgraded nodes {downNodes} are themselves NotReady or silent: the node broke, not the workload on it',
      reads: ['node-not-ready', 'node-heartbeat-lag'],
      test: (c) =>
        c.nodesDown.length
          ? { signals: c.following, slots: { downNodes: names(c.nodesDown, c.following)! } }
          : undefined,
    },
  ],
  severity: () => 'critical',
  onset: (c) => c.onset,
  blastRadius: (c) => ({
    nodes: c.nodes,
    namespaces: [...new Set(c.following.map((s) => s.facts.namespace))].sort(),
  }),
  evidence: (c) => [c.change, ...c.following.slice(0, 4)],
  slots: {
    since: (c) => at(c.onset, c.following),
    workloads: (c) =>
      names(
        [
          ...new Set(
            c.following.map((s) => `${s.facts.workloadKind} ${s.facts.namespace}/${s.facts.workloadName}`),
          ),
        ],
        c.following,
      ),
    nodes: (c) => names(c.nodes, c.following),
    from: (c) => said(c.change.facts.from, c.change),
    to: (c) => said(c.change.facts.to, c.change),
    changeAt: (c) => at(changeAtMs(c.change), c.change),
    leftBehindCount: (c) => (c.leftBehind > 0 ? count(c.leftBehind, c.change) : undefined),
    oneNode: (c) => said(c.nodes[0], c.following),
  },
  statement:
    '{workloads} fails since {since} on the nodes that took node version {to} ({nodes}), each after its upgrade from {from} began at {changeAt}[; {leftBehindCount} node(s) still on {from} run it fine].',
  nextSteps: [
    {
      say: 'Read what the kubelet says of the failing pods on an upgraded node, such as {oneNode}: probe messages and kill reasons',
      command: 'kubectl get events -A --field-selector involvedObject.kind=Pod,reason=Unhealthy',
    },
    {
      say: 'Pause the rollout of {to} while nodes on {from} still serve, and read its release notes for changed defaults (probe timeouts, flags, removed features)',
    },
    {
      say: 'Fix the workload for the new version (its probe timeout, flags) or roll the upgraded nodes back to {from}',
    },
  ],
  lookAlikes: ['node-image-regression', 'pod-network-broken'],
  public: {
    components: ['Workloads'],
    title: 'Service degraded during an upgrade',
    cause: 'a node upgrade in progress breaks some workloads on the upgraded servers',
    outage: 'partial',
  },
  prevention: [
    'Upgrade one node first and watch the workloads on it against the nodes left behind before rolling on',
  ],
});
