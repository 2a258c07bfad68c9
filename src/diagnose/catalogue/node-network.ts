/**
 * A network fault on the nodes themselves, spreading from node to node: kubelets lose the
 * API server now and then (nodes flip between Ready and NotReady, leases lapse), and every
 * workload on those nodes fails while the same workloads run elsewhere. Rebooting or
 * replacing the nodes clears it; nothing in the workloads does.
 *
 * Told apart from: the control plane being down (kubetriage loses it too), a scheduled node
 * job (onsets at the same time of day), a node image or kernel regression (the affected
 * nodes share a version that changed just before), one sick node (only one), and a
 * container runtime answering late (the kubelets keep renewing their leases and post
 * NotReady themselves naming PLEG or the runtime; a lost link leaves them Unknown).
 */
import {
  apiSilentForUsToo,
  hitOn,
  kubeletBlamesRuntime,
  nodesShortOfResources,
  nodeVersionChangesOn,
  quietSource,
  runtimeCauses,
  sameTimeOfDay,
  severalNodesInTrouble,
  webhookOutlastsHeartbeats,
} from '../evidence/clauses.ts';
import { earliest, nodeName, nodeTrouble } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import { at, count, names, said } from '../slots.ts';

const rolloutWindowMs = 30 * 60_000;
const versionWindowMs = 24 * 3_600_000;

export const nodeNetwork = definePattern((q) => {
  const t = nodeTrouble(q);
  const nodes = [...t.affected].sort();
  const onNodes = t.loops.filter((l) => l.onAffected > 0);
  const appLoops = onNodes.filter((l) => l.signal.facts.namespace !== 'kube-system');
  const onset = earliest([...t.notReady, ...t.flapping, ...t.silent, t.spread], q.nowMs);
  return [{ t, nodes, appLoops, onset }];
})({
  id: 'node-network',
  family: 'nodes',
  layer: 'node',
  title: 'Network fault on the nodes, spreading from node to node',
  summary:
    'A network fault on the nodes themselves, spreading from node to node: kubelets lose the API server now and then (nodes flip between Ready and NotReady, leases lapse), and every workload on those nodes fails while the same workloads run elsewhere. Rebooting or replacing the nodes clears it; nothing in the workloads does. Told apart from: the control plane being down (kubetriage loses it too), a scheduled node job (onsets at the same time of day), a node image or kernel regression (the affected nodes share a version that changed just before), and one sick node (only one).',
  clusterLevel: true,
  base: 0.35,
  requires: [severalNodesInTrouble()],
  supports: [
    {
      id: 'nodes-flap',
      weight: 0.15,
      reason: '{flapCount} node(s) flip between Ready and NotReady, as a link that comes and goes does',
      reads: ['node-flapping'],
      test: (c) =>
        c.t.flapping.length
          ? { signals: c.t.flapping, slots: { flapCount: count(c.t.flapping.length, c.t.flapping)! } }
          : undefined,
    },
    {
      id: 'unrelated-workloads-fail-there',
      weight: 0.15,
      reason: '{loopCount} workloads of different apps crash-loop on the affected nodes',
      reads: ['crash-loop'],
      test: (c) => {
        if (c.appLoops.length < 2) return undefined;
        const s = c.appLoops.map((l) => l.signal);
        return { signals: s, slots: { loopCount: count(s.length, s)! } };
      },
    },
    {
      id: 'loops-only-on-affected-nodes',
      weight: 0.05,
      reason: 'their restarting pods sit only on the affected nodes',
      reads: ['crash-loop'],
      test: (c) => hitOn(c.appLoops.filter((l) => l.elsewhere === 0).map((l) => l.signal)),
    },
    {
      id: 'onsets-spread-over-time',
      weight: 0.1,
      reason: 'nodes went NotReady one after another over {spanMinutes} min',
      reads: ['not-ready-spread'],
      test: (c) => {
        const s = c.t.spread;
        if (!s) return undefined;
        const spread = s.facts.onsetSpanMinutes >= 10 || s.facts.wentNotReady60m > s.facts.notReadyNow;
        return spread
          ? { signals: [s], slots: { spanMinutes: said(Math.max(s.facts.onsetSpanMinutes, 1), s)! } }
          : undefined;
      },
    },
    {
      id: 'lookups-fail-on-affected-nodes',
      weight: 0.1,
      reason: 'the node agent sees name lookups failing on {dnsNodeCount} of the affected nodes',
      reads: ['agent-condition'],
      test: (c, q) => {
        const a = [q.agent('ClusterDNSUnhealthy'), q.agent('NodeResolverUnhealthy')].filter(
          (x) => x !== undefined,
        );
        const nodes = new Set(a.flatMap((s) => s!.facts.nodes).filter((n) => c.t.affected.has(n)));
        return nodes.size
          ? { signals: a as never, slots: { dnsNodeCount: count(nodes.size, a)! } }
          : undefined;
      },
    },
    {
      id: 'no-rollout-before',
      weight: 0.05,
      reason: 'no rollout in the 30 min before the first onset',
      reads: ['change'],
      test: (c, q) =>
        quietSource(
          q,
          'reflector/deployments',
          !q
            .of('change')
            .some(
              (x) =>
                x.facts.what === 'rollout' && x.sinceMs <= c.onset && x.sinceMs > c.onset - rolloutWindowMs,
            ),
        ),
    },
  ],
  against: [
    apiSilentForUsToo(-0.4),
    nodesShortOfResources(-0.25),
    kubeletBlamesRuntime(-0.2),
    {
      id: 'flaps-posted-by-kubelets',
      weight: -0.3,
      reason:
        'the kubelets on {postedCount} of the {flapCount} flapping nodes posted every NotReady themselves, naming the container runtime, and kept renewing their leases: they reach the API server, their runtime answers late',
      reads: ['node-flapping', 'node-heartbeat-lag'],
      test: (c) => {
        // A lost link leaves the node Unknown (the lifecycle controller's words) and its lease
        // lapsing; a kubelet that says why in each spell was reachable through them all.
        const silent = new Set(c.t.silent.map((s) => s.subject));
        const posted = c.t.flapping.filter((f) => {
          const causes = f.facts.causes ?? [];
          return (
            causes.some((k) => runtimeCauses.has(k)) &&
            !causes.includes('kubelet-stopped-posting') &&
            !silent.has(f.subject)
          );
        });
        return posted.length * 2 > c.t.flapping.length
          ? {
              signals: posted,
              slots: {
                postedCount: count(posted.length, posted)!,
                flapCount: count(c.t.flapping.length, c.t.flapping)!,
              },
            }
          : undefined;
      },
    },
    sameTimeOfDay(-0.3),
    webhookOutlastsHeartbeats(-0.3),
    {
      id: 'agents-still-reach-the-api',
      weight: -0.3,
      reason:
        'the node agents on {heardCount} of the silent nodes wrote to the API server after the kubelets fell silent, and those kubelets never got through again: the nodes still reach it',
      reads: ['node-heartbeat-lag'],
      test: (c) => {
        // A lossy link lets the kubelet through now and then (it flaps); only nodes whose
        // kubelet stays silent while their agent writes say the network is not the cause.
        const flapping = new Set(c.t.flapping.map((f) => f.subject));
        const heard = c.t.silent.filter((s) => s.facts.agentHeardSince && !flapping.has(s.subject));
        return heard.length && heard.length * 2 > c.t.silent.length
          ? { signals: heard, slots: { heardCount: count(heard.length, heard)! } }
          : undefined;
      },
    },
    {
      id: 'every-node-at-once',
      weight: -0.2,
      reason: 'all {totalNodes} nodes went NotReady together, which points above the nodes',
      reads: ['not-ready-spread'],
      test: (c) => {
        const s = c.t.spread;
        return s && s.facts.totalNodes > 0 && s.facts.notReadyNow >= s.facts.totalNodes
          ? { signals: [s], slots: { totalNodes: said(s.facts.totalNodes, s)! } }
          : undefined;
      },
    },
    {
      id: 'affected-nodes-share-new-version',
      weight: -0.25,
      reason: 'the affected nodes changed {what} shortly before the onset',
      reads: ['change'],
      test: (c, q) => {
        const changes = nodeVersionChangesOn(q, c.t.affected, c.onset, versionWindowMs).filter(
          (x) =>
            c.nodes.length > 0 &&
            c.nodes.filter((n) => x.facts.nodes.includes(n)).length * 2 > c.nodes.length,
        );
        return changes.length
          ? {
              signals: changes,
              slots: {
                what: said(
                  changes
                    .map((x) => `${x.facts.what.replace('node-', '')} ${x.facts.from} → ${x.facts.to}`)
                    .join(', '),
                  changes,
                )!,
              },
            }
          : undefined;
      },
    },
  ],
  severity: (c) => (c.nodes.length >= 2 ? 'critical' : 'warning'),
  onset: (c) => c.onset,
  blastRadius: (c) => ({
    nodes: c.nodes,
    namespaces: [...new Set(c.appLoops.map((l) => l.signal.facts.namespace))].sort(),
    pools: c.t.spread?.facts.pools ?? [],
  }),
  evidence: (c) => [
    ...(c.t.spread ? [c.t.spread] : []),
    ...c.t.flapping.slice(0, 3),
    ...c.t.notReady.slice(0, 3),
  ],
  slots: {
    nodeCount: (c) => count(c.nodes.length, [...c.t.notReady, ...c.t.flapping, ...c.t.silent]),
    nodes: (c) => names(c.nodes, [...c.t.notReady, ...c.t.flapping, ...c.t.silent]),
    nodeCsv: (c) => said(c.nodes.join(','), [...c.t.notReady, ...c.t.flapping, ...c.t.silent]),
    firstNode: (c) => said(c.nodes[0], [...c.t.notReady, ...c.t.flapping, ...c.t.silent]),
    onset: (c) => at(c.onset, [...c.t.notReady, ...c.t.flapping, ...c.t.silent, c.t.spread]),
    flapping: (c) =>
      c.t.flapping.length
        ? said(`${c.t.flapping.length} flip between Ready and NotReady`, c.t.flapping)
        : undefined,
    appLoops: (c) =>
      c.appLoops.length
        ? said(
            `${c.appLoops.length} workloads crash-loop on them`,
            c.appLoops.map((l) => l.signal),
          )
        : undefined,
    silentNodes: (c) =>
      c.t.silent.length
        ? names(
            c.t.silent.map((s) => nodeName(s.subject)),
            c.t.silent,
          )
        : undefined,
  },
  statement: '{nodeCount} node(s) ({nodes}) lose their network since {onset}[: {flapping}][; {appLoops}].',
  nextSteps: [
    { say: 'See which nodes flap and since when', command: 'kubectl get nodes -o wide' },
    { say: 'Read the conditions and events of {firstNode}', command: 'kubectl describe node {firstNode}' },
    {
      say: 'Restart the affected nodes in sequence: cordon, drain through PDBs, reboot, wait Ready, uncordon',
      command: 'kubetriage remediate restart-nodes --nodes {nodeCsv} --max-unavailable 1 --dry-run',
    },
    { say: 'Check each restarted node stays Ready before moving on', command: 'kubectl get nodes -w' },
  ],
  runbooks: { 'restart-nodes': (c) => (c.nodes.length ? { nodes: c.nodes } : undefined) },
  lookAlikes: [
    'control-plane-unreachable',
    'node-scheduled-job',
    'node-image-regression',
    'kubelet-failure',
    'app-bug',
  ],
  public: {
    components: ['Nodes'],
    title: 'Nodes unavailable',
    cause: 'a network problem on some nodes',
    outage: 'partial',
  },
  prevention: [
    'Alert on nodes flapping Ready/NotReady, not only on NotReady lasting 15 minutes',
    'Track the node networking bug upstream and roll a fixed node image',
  ],
});
