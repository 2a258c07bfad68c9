/**
 * A regression that follows a new version which runs fine but behaves differently: the
 * version is the cause, whatever the mechanism inside it (a kubelet that now enforces a
 * probe timeout, a changed default, a removed flag). Two ways in, each with its own
 * comparison that makes the version the cause:
 *
 * - **A rolling node upgrade, node by node.** A workload's pods start failing (liveness
 *   kills, crash loops) on exactly the nodes that took the new node version (kubelet, OS
 *   image, kernel or container runtime), each after the upgrade reached it, while the same
 *   workload runs fine on the nodes not yet upgraded: the nodes left behind are the control
 *   group. On one node alone the story is weaker (a pod that needs something local fails
 *   wherever it lands), so it stands there only when the workload's own spec did not change
 *   before its failures: the node under it changed, the workload did not. A rolling upgrade
 *   drains old nodes onto new ones, so a one-replica workload, or replicas packed onto the
 *   first fresh node, fail on one node before they fail on two.
 * - **An ingress controller's own upgrade.** Within minutes of its image changing, the
 *   controller still answers every request but routes none to a Service, while its new
 *   pods are Ready: the same traffic was routed by the old version an hour before. A new
 *   major version that reads the Ingress class, annotations or paths differently does
 *   this; the pods running is what tells it from a release that fails to start.
 *
 * Told apart from: the node itself broken by its new version (node-image-regression: the
 * nodes go NotReady), the workload broken by its own rollout (bad-rollout: its failures
 * follow its own new revision, its pods not Ready), the pod network (traffic between pods
 * fails too), the path in front of the cluster (edge-traffic-path: requests never arrive,
 * while here the controller answers them), and a regression after a change that every
 * node took at once (change-induced: no node is left to compare with).
 */
import type { SignalOf } from '../../detect/signal.ts';
import { changeAtMs } from '../evidence/changes.ts';
import { failingSince } from '../evidence/failing-since.ts';
import { nodeTrouble } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import type { SignalQuery } from '../query.ts';
import { at, count, names, said } from '../slots.ts';
import { nodeChangeKinds, nodeChangeName } from './node-change-names.ts';

type Failing = SignalOf<'probe-failing'> | SignalOf<'crash-loop'>;
type Change = SignalOf<'change'>;
type Unrouted = SignalOf<'ingress-unrouted'>;

interface NodesCase {
  way: 'nodes';
  change: Change;
  following: Failing[];
  nodes: string[];
  leftBehind: number;
  /** The failing workloads also run, untroubled, on nodes outside `nodes` (a DaemonSet, replicas not failing). */
  runsElsewhere: boolean;
  /** The failing workloads' own rollouts shortly before their failures. */
  ownRollouts: Change[];
  /** The view's history reaches back before the change: "began after it" is seen, not assumed. */
  seenBefore: boolean;
  nodesDown: string[];
  onset: number;
}

interface ControllerCase {
  way: 'controller';
  change: Change;
  unrouted: Unrouted;
  onset: number;
}

type UpgradeCase = NodesCase | ControllerCase;

/** Failures of one workload that keep going: repeated liveness kills or a crash loop. */
function keepsFailing(s: Failing): boolean {
  return s.kind === 'crash-loop' || s.facts.livenessKills >= 2;
}

/** A controller's image change this long before routing stopped can still be its cause. */
const controllerChangeBeforeMs = 30 * 60_000;
/** Detection lags: routing seen stopped up to this before the change was recorded. */
const changeSlackMs = 60_000;
/** Routing that stopped this soon after the change stopped with it. */
const closeMs = 5 * 60_000;
/** A workload's own rollout this long before its failures can be their cause instead. */
const ownRolloutBeforeMs = 30 * 60_000;

const nodeChangeRank = (c: Change) => nodeChangeKinds.indexOf(c.facts.what);

/** The workload's pods run beyond the failing ones: a DaemonSet everywhere, or replicas not failing. */
function runsBeyondItsFailures(s: Failing): boolean {
  return (
    s.facts.workloadKind === 'DaemonSet' || (s.kind === 'crash-loop' && s.facts.workloadPods > s.facts.pods)
  );
}

function nodeCases(q: SignalQuery): NodesCase[] {
  const failing: Failing[] = [...q.of('probe-failing'), ...q.of('crash-loop')].filter(keepsFailing);
  const down = nodeTrouble(q).affected;
  const cases: NodesCase[] = [];
  const changes = q.of('change');
  for (const change of changes) {
    if (nodeChangeRank(change) < 0) continue;
    const upgraded = new Set(change.facts.nodes);
    const sinceChange = changeAtMs(change);
    // The workload's failures all sit on upgraded nodes, and began after the upgrade did.
    const following = failing.filter(
      (s) =>
        s.facts.nodes.length > 0 &&
        s.facts.nodes.every((n) => upgraded.has(n)) &&
        s.sinceMs >= sinceChange &&
        // A crash loop the view saw before the change, on the pods it drained away too, did not follow it.
        (s.kind !== 'crash-loop' || s.facts.firstRestartMs >= sinceChange),
    );
    const nodes = [...new Set(following.flatMap((s) => s.facts.nodes))].sort();
    const ownRollouts = changes.filter(
      (c) =>
        (c.facts.what === 'rollout' || c.facts.what === 'daemonset-image') &&
        following.some(
          (s) =>
            c.subject === s.subject &&
            changeAtMs(c) <= s.sinceMs &&
            changeAtMs(c) >= s.sinceMs - ownRolloutBeforeMs,
        ),
    );
    cases.push({
      way: 'nodes',
      change,
      following,
      nodes,
      seenBefore: following.every((s) => s.kind !== 'crash-loop' || s.facts.historySinceMs <= sinceChange),
      // Nodes still on the old version: the comparison that makes the version the cause.
      leftBehind: change.facts.clusterNodes - change.facts.count,
      runsElsewhere: following.some(runsBeyondItsFailures),
      ownRollouts,
      nodesDown: nodes.filter((n) => down.has(n)),
      onset: Math.min(...following.map(failingSince), q.nowMs),
    });
  }
  return cases;
}

/** The controller's own image change (its workload's rollout to the images it runs now) shortly before routing stopped. */
function controllerCases(q: SignalQuery): ControllerCase[] {
  const cases: ControllerCase[] = [];
  for (const unrouted of q.of('ingress-unrouted')) {
    const change = q
      .of('change')
      .filter(
        (c) =>
          (c.facts.what === 'rollout' || c.facts.what === 'daemonset-image') &&
          c.facts.namespace === unrouted.facts.namespace &&
          // The rollout is to what the controller runs now (or only its revision is known).
          (c.facts.to.startsWith('revision') || unrouted.facts.images.some((i) => c.facts.to.includes(i))) &&
          changeAtMs(c) <= unrouted.sinceMs + changeSlackMs &&
          changeAtMs(c) >= unrouted.sinceMs - controllerChangeBeforeMs,
      )
      .sort((a, b) => changeAtMs(b) - changeAtMs(a))[0];
    if (change) cases.push({ way: 'controller', change, unrouted, onset: unrouted.sinceMs });
  }
  return cases;
}

export const upgradeRegression = definePattern((q): UpgradeCase[] => {
  // One story: the node-version change the most failing nodes followed (several at once
  // are one rollout seen in parts), else a controller that stopped routing after its upgrade.
  const nodes = nodeCases(q).sort(
    (a, b) => b.nodes.length - a.nodes.length || nodeChangeRank(a.change) - nodeChangeRank(b.change),
  )[0];
  const controller = controllerCases(q)[0];
  if (controller && (!nodes || nodes.nodes.length < 2)) return [controller];
  return nodes ? [nodes] : [];
})({
  id: 'upgrade-regression',
  family: 'change',
  layer: 'change',
  title: 'A new version runs but breaks what it serves',
  summary:
    "A regression that follows a new version which runs fine but behaves differently. A rolling node upgrade: a workload's pods fail (liveness kills, crash loops) on exactly the nodes that took the new node version, while the same workload runs on the nodes not yet upgraded. An ingress controller's upgrade: minutes after its image changed, it answers every request but routes none to a Service, its new pods Ready. Told apart from nodes broken by their new version (they go NotReady), a workload's own rollout that fails to run, the pod network (traffic between pods fails too), the path in front of the cluster (requests never arrive) and a change every node took at once (nothing to compare with).",
  clusterLevel: true,
  base: 0.55,
  requires: [
    {
      id: 'regression-follows-new-version',
      weight: 0,
      reason:
        'liveness kills or a crash loop only on nodes that took a node version, after it (on one node: seen healthy before it, no rollout of its own); or an ingress controller routing nothing within 30 min of its image change',
      reads: ['change', 'probe-failing', 'crash-loop', 'ingress-unrouted'],
      // On one node, a rollout of the workload's own explains its failures as well.
      test: (c) =>
        c.way === 'controller'
          ? { signals: [c.change, c.unrouted] }
          : c.nodes.length >= 2 || (c.nodes.length === 1 && c.ownRollouts.length === 0 && c.seenBefore)
            ? { signals: [c.change, ...c.following] }
            : undefined,
    },
  ],
  supports: [
    {
      id: 'nodes-left-behind-fine',
      weight: 0.15,
      reason: '{leftBehind} node(s) still on {oldVersion} run the same workload without these failures',
      reads: ['change', 'probe-failing', 'crash-loop'],
      // On one node, only a workload seen running beyond it makes the others a control group.
      test: (c) =>
        c.way === 'nodes' && c.leftBehind > 0 && (c.nodes.length >= 2 || c.runsElsewhere)
          ? {
              signals: [c.change],
              slots: {
                leftBehind: count(c.leftBehind, c.change)!,
                oldVersion: said(c.change.facts.from, c.change)!,
              },
            }
          : undefined,
    },
    {
      id: 'new-version-runs',
      weight: 0.1,
      reason: 'all {pods} controller pods on the new version are Ready: it runs, it routes nothing',
      reads: ['ingress-unrouted'],
      test: (c) =>
        c.way === 'controller' &&
        c.unrouted.facts.pods > 0 &&
        c.unrouted.facts.podsReady === c.unrouted.facts.pods
          ? { signals: [c.unrouted], slots: { pods: count(c.unrouted.facts.pods, c.unrouted)! } }
          : undefined,
    },
    {
      id: 'stopped-with-the-change',
      weight: 0.1,
      reason: 'routing stopped within 5 min of the image change at {changeAt}',
      reads: ['change', 'ingress-unrouted'],
      test: (c) =>
        c.way === 'controller' && c.unrouted.sinceMs - changeAtMs(c.change) <= closeMs
          ? { signals: [c.change, c.unrouted], slots: { changeAt: at(changeAtMs(c.change), c.change)! } }
          : undefined,
    },
  ],
  against: [
    {
      id: 'one-node-only',
      // Small: on one node the requirement already asks that the workload itself did not change.
      weight: -0.05,
      reason:
        'its failures sit on one upgraded node, {oneNode}: nothing to compare across nodes, and a pod that needs something local fails wherever it lands',
      reads: ['probe-failing', 'crash-loop'],
      test: (c) =>
        c.way === 'nodes' && c.nodes.length === 1
          ? { signals: c.following, slots: { oneNode: said(c.nodes[0], c.following)! } }
          : undefined,
    },
    {
      id: 'upgraded-nodes-down',
      weight: -0.3,
      reason:
        'the upgraded nodes {downNodes} are themselves NotReady or silent: the node broke, not the workload on it',
      reads: ['node-not-ready', 'node-heartbeat-lag'],
      test: (c) =>
        c.way === 'nodes' && c.nodesDown.length
          ? { signals: c.following, slots: { downNodes: names(c.nodesDown, c.following)! } }
          : undefined,
    },
    {
      id: 'users-do-not-reach-it',
      weight: -0.3,
      reason:
        '{url} fails from outside before any HTTP answer ({kinds}): what users meet is in front of the controller',
      reads: ['edge-probe-failing'],
      test: (c, q) => {
        if (c.way !== 'controller') return undefined;
        // An unrouted request still gets the controller's HTTP answer; no answer at all is the path to it.
        const p = q
          .of('edge-probe-failing')
          .find(
            (e) => e.facts.errorKinds.length > 0 && e.facts.errorKinds.every((k) => !k.startsWith('http')),
          );
        return p
          ? { signals: [p], slots: { url: said(p.facts.url, p)!, kinds: names(p.facts.errorKinds, p)! } }
          : undefined;
      },
    },
  ],
  severity: () => 'critical',
  onset: (c) => c.onset,
  blastRadius: (c) =>
    c.way === 'nodes'
      ? { nodes: c.nodes, namespaces: [...new Set(c.following.map((s) => s.facts.namespace))].sort() }
      : { namespaces: c.unrouted.scope.namespaces ?? [], services: c.unrouted.scope.services ?? [] },
  evidence: (c) => (c.way === 'nodes' ? [c.change, ...c.following.slice(0, 4)] : [c.change, c.unrouted]),
  slots: {
    since: (c) => at(c.onset, c.way === 'nodes' ? c.following : c.unrouted),
    changeAt: (c) => at(changeAtMs(c.change), c.change),
    // A rolling node upgrade.
    workloads: (c) =>
      c.way === 'nodes'
        ? names(
            [
              ...new Set(
                c.following.map(
                  (s) => `${s.facts.workloadKind} ${s.facts.namespace}/${s.facts.workloadName}`,
                ),
              ),
            ],
            c.following,
          )
        : undefined,
    nodes: (c) => (c.way === 'nodes' ? names(c.nodes, c.following) : undefined),
    nodeChange: (c) => (c.way === 'nodes' ? said(nodeChangeName[c.change.facts.what], c.change) : undefined),
    nodeFrom: (c) => (c.way === 'nodes' ? said(c.change.facts.from, c.change) : undefined),
    nodeTo: (c) => (c.way === 'nodes' ? said(c.change.facts.to, c.change) : undefined),
    leftBehindCount: (c) =>
      c.way === 'nodes' && c.leftBehind > 0 && (c.nodes.length >= 2 || c.runsElsewhere)
        ? count(c.leftBehind, c.change)
        : undefined,
    oneNode: (c) => (c.way === 'nodes' ? said(c.nodes[0], c.following) : undefined),
    // An ingress controller's upgrade.
    controller: (c) => (c.way === 'controller' ? said(c.change.facts.workload, c.change) : undefined),
    workloadRef: (c) => {
      if (c.way !== 'controller') return undefined;
      const [, kind, name] = c.change.facts.workload.split('/');
      return kind && name ? said(`${kind.toLowerCase()}/${name}`, c.change) : undefined;
    },
    namespace: (c) => (c.way === 'controller' ? said(c.unrouted.facts.namespace, c.unrouted) : undefined),
    onePod: (c) =>
      c.way === 'controller' ? said(c.unrouted.facts.controllers[0]?.split('/')[1], c.unrouted) : undefined,
    from: (c) => (c.way === 'controller' ? said(c.change.facts.from, c.change) : undefined),
    to: (c) => (c.way === 'controller' ? said(c.change.facts.to, c.change) : undefined),
    answered: (c) =>
      c.way === 'controller'
        ? said(
            `${c.unrouted.facts.answered} requests in ${Math.max(1, Math.round(c.unrouted.facts.windowSeconds / 60))} min`,
            c.unrouted,
          )
        : undefined,
    routedBefore: (c) =>
      c.way === 'controller' ? said(c.unrouted.facts.routedPerSecondBefore, c.unrouted) : undefined,
    hostsBefore: (c) =>
      c.way === 'controller' ? names(c.unrouted.facts.hostsBefore, c.unrouted, 4) : undefined,
  },
  statement:
    '[{workloads} fails since {since} on the nodes that took {nodeChange} {nodeTo} ({nodes}), each after its upgrade from {nodeFrom} began at {changeAt}][; {leftBehindCount} node(s) still on {nodeFrom} run it fine][{controller} has routed no request since {since}, answering {answered}, after its image changed to {to} at {changeAt}][; before, it routed {routedBefore}/s for {hostsBefore}].',
  nextSteps: [
    {
      say: 'Read what the kubelet says of the failing pods on an upgraded node, such as {oneNode}: probe messages and kill reasons',
      command: 'kubectl get events -A --field-selector involvedObject.kind=Pod,reason=Unhealthy',
    },
    {
      say: 'Pause the rollout of {nodeTo} while nodes on {nodeFrom} still serve, and read its release notes for changed defaults (probe timeouts, flags, removed features)',
    },
    {
      say: 'Fix the workload for the new version (its probe timeout, flags) or roll the upgraded nodes back to {nodeFrom}',
    },
    {
      say: 'Read what {controller} logged as it loaded the Ingress objects after the change: which it took as its own and which it skipped, and why',
      command: 'kubectl -n {namespace} logs {onePod} --since=1h',
    },
    {
      say: 'Compare the Ingresses routed before ([{hostsBefore}]) with what the new version requires of them (class, annotations, path types), from its release notes',
      command: 'kubectl get ingress,ingressclass -A',
    },
    {
      say: 'Roll {controller} back to {from} until the Ingresses fit the new version, or start it with the setting that keeps the old behaviour',
      command: 'kubectl -n {namespace} rollout undo {workloadRef}',
    },
  ],
  lookAlikes: ['node-image-regression', 'pod-network-broken', 'edge-traffic-path', 'bad-rollout'],
  public: {
    components: ['Workloads', 'Ingress'],
    title: 'Service degraded after an upgrade',
    cause: 'a new version of part of our platform behaves differently and breaks some services',
    outage: 'partial',
  },
  prevention: [
    'Upgrade one node first and watch the workloads on it against the nodes left behind before rolling on',
    'Run a new ingress controller version beside the old one and compare the requests each routes before moving the traffic',
  ],
});
