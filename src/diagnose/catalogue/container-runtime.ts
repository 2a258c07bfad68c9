/**
 * The container runtime or the kubelet's view of it fails on some nodes: the Ready condition
 * says so in the kubelet's own words ("PLEG is not healthy", "container runtime is down"),
 * pods stay Terminating or ContainerCreating, sandboxes fail for runtime reasons, and
 * containers end Unknown when the runtime comes back. Restarting the runtime or the node
 * clears it, until the cause returns. A runtime that answers late makes the node flap: the
 * kubelet posts NotReady with the PLEG's error, and Ready again once a relist gets through;
 * the words of its NotReady spells still name the runtime while it is briefly Ready.
 *
 * Told apart from: resource exhaustion (pressure conditions, OOM kills, the node agent's PID
 * count on the same nodes), a node image or kernel regression (the nodes took a new version
 * just before), node network trouble (the kubelet keeps posting, and gives its own reason for
 * NotReady), a saturated disk under the runtime (the node agent sees tasks stalled on I/O there).
 */
import { apiSilentForUsToo, hitOn, nodeVersionChangesOn } from '../evidence/clauses.ts';
import { earliest, nodeName } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import { at, count, names, said } from '../slots.ts';

const runtimeCauses = new Set([
  'pleg-unhealthy',
  'runtime-down',
  'runtime-not-ready',
  'runtime-status-unknown',
]);

export const containerRuntime = definePattern((q) => {
  const notReady = q
    .of('node-not-ready')
    .filter((s) => (s.facts.causes ?? []).some((c) => runtimeCauses.has(c)));
  // Nodes flapping whose NotReady spells named the runtime, whatever they say this minute.
  const flaps = q.of('node-flapping').filter((s) => (s.facts.causes ?? []).some((c) => runtimeCauses.has(c)));
  const named = [...notReady, ...flaps.filter((f) => !notReady.some((s) => s.subject === f.subject))];
  const sandboxes = q.of('sandbox-create-failing').filter((s) => s.facts.cause === 'runtime');
  const stuck = q
    .of('pod-status-lag')
    .filter((s) => s.facts.stuckTerminating > 0 && s.facts.sandboxFailures === 0);
  const nodes = [
    ...new Set([
      ...named.map((s) => nodeName(s.subject)),
      ...sandboxes.map((s) => s.facts.node),
      ...stuck.map((s) => s.facts.node),
    ]),
  ].sort();
  const set = new Set(nodes);
  const pressure = q.of('node-pressure').filter((s) => set.has(nodeName(s.subject)));
  const pids = q.agent('NodePIDsExhausted');
  const outOfPids = (pids?.facts.nodes ?? []).filter((n) => set.has(n));
  const onset = earliest([...named, ...sandboxes, ...stuck], q.nowMs);
  return [{ notReady, named, sandboxes, stuck, nodes, set, pressure, pids, outOfPids, onset }];
})({
  id: 'container-runtime-failure',
  family: 'nodes',
  layer: 'runtime',
  title: 'The container runtime fails on some nodes',
  summary:
    'The container runtime, or the kubelet\'s view of it, fails on some nodes: the Ready condition says so in the kubelet\'s own words ("PLEG is not healthy", "container runtime is down"), pods stay Terminating or ContainerCreating, sandboxes fail for runtime reasons, and containers end Unknown when the runtime returns. Told apart from resource exhaustion (pressure and OOM kills on the same nodes), a node image or kernel regression (the nodes took a new version just before) and node network trouble (here the kubelet keeps posting and gives its own reason for NotReady).',
  clusterLevel: true,
  base: 0.4,
  requires: [
    {
      id: 'runtime-trouble-on-nodes',
      weight: 0,
      reason:
        'the kubelet reporting its runtime unhealthy (now, or in the NotReady spells of a flapping node), sandboxes failing for runtime reasons, or pods stuck Terminating on Ready nodes',
      reads: ['node-not-ready', 'node-flapping', 'sandbox-create-failing', 'pod-status-lag'],
      test: (c) => hitOn([...c.named, ...c.sandboxes, ...c.stuck]),
    },
  ],
  supports: [
    {
      id: 'kubelet-names-runtime',
      weight: 0.2,
      reason:
        "the kubelet's Ready message on {count} node(s) names the runtime (PLEG or runtime down), now or each time the node fell",
      reads: ['node-not-ready', 'node-flapping'],
      test: (c) =>
        c.named.length ? { signals: c.named, slots: { count: count(c.named.length, c.named)! } } : undefined,
    },
    {
      id: 'pods-stuck',
      weight: 0.1,
      reason: 'pods are stuck Terminating or ContainerCreating on those nodes',
      reads: ['pod-status-lag', 'sandbox-create-failing'],
      test: (c) => hitOn([...c.stuck, ...c.sandboxes]),
    },
  ],
  against: [
    apiSilentForUsToo(-0.4),
    {
      id: 'resource-pressure-there',
      weight: -0.25,
      reason: 'the same nodes are short of memory, disk or PIDs',
      reads: ['node-pressure'],
      test: (c) => hitOn(c.pressure),
    },
    {
      // PSI io and hung tasks on most of its nodes: the runtime waits on a saturated disk.
      id: 'disk-stalls-runtime-there',
      weight: -0.3,
      reason:
        'the node agent sees tasks stalled on I/O on {ioNodes} of those nodes: the runtime is waiting on the disk',
      reads: ['agent-condition'],
      test: (c, q) => {
        const io = q.agent('NodeIOPressure');
        const on = c.nodes.filter((n) => io?.facts.nodes.includes(n));
        return io && on.length && on.length * 2 >= c.nodes.length
          ? { signals: [io], slots: { ioNodes: count(on.length, io)! } }
          : undefined;
      },
    },
    {
      id: 'pids-exhausted-there',
      weight: -0.25,
      reason:
        'the node agent counts the PID limit nearly used on {pidNodes} of those nodes: the runtime cannot fork, it is not broken',
      reads: ['agent-condition'],
      test: (c) =>
        c.pids && c.outOfPids.length
          ? { signals: [c.pids], slots: { pidNodes: count(c.outOfPids.length, c.pids)! } }
          : undefined,
    },
    {
      id: 'new-version-there',
      weight: -0.15,
      reason: 'the nodes took a new node version just before',
      reads: ['change'],
      test: (c, q) => hitOn(nodeVersionChangesOn(q, c.set, c.onset, 24 * 3_600_000)),
    },
  ],
  severity: (c) => (c.nodes.length >= 2 ? 'critical' : 'warning'),
  onset: (c) => c.onset,
  blastRadius: (c) => ({ nodes: c.nodes }),
  evidence: (c) => [...c.named.slice(0, 3), ...c.sandboxes.slice(0, 2), ...c.stuck.slice(0, 2)],
  slots: {
    nodeCount: (c) => count(c.nodes.length, [...c.named, ...c.sandboxes, ...c.stuck]),
    nodes: (c) => names(c.nodes, [...c.named, ...c.sandboxes, ...c.stuck]),
    firstNode: (c) => said(c.nodes[0], [...c.named, ...c.sandboxes, ...c.stuck]),
    onset: (c) => at(c.onset, [...c.named, ...c.sandboxes, ...c.stuck]),
    message: (c) => said(c.notReady[0]?.facts.message, c.notReady[0]),
    nodeCsv: (c) => said(c.nodes.join(','), [...c.named, ...c.sandboxes, ...c.stuck]),
  },
  statement: 'The container runtime fails on {nodeCount} node(s) ({nodes}) since {onset}[: "{message}"].',
  nextSteps: [
    {
      say: "Read the kubelet's conditions and events on {firstNode}",
      command: 'kubectl describe node {firstNode}',
    },
    {
      say: 'On the node, check the runtime and the kubelet (systemctl status containerd kubelet; crictl ps) and their logs',
    },
    {
      say: 'Drain and reboot the affected nodes in sequence',
      command: 'kubetriage remediate restart-nodes --nodes {nodeCsv} --dry-run',
    },
  ],
  runbooks: { 'restart-nodes': (c) => (c.nodes.length ? { nodes: c.nodes } : undefined) },
  lookAlikes: [
    'node-memory-exhaustion',
    'node-pid-exhaustion',
    'node-image-regression',
    'node-network',
    'node-io-saturation',
  ],
  public: {
    components: ['Nodes'],
    title: 'Nodes degraded',
    cause: 'the software that runs containers is failing on some servers',
    outage: 'partial',
  },
  prevention: [
    'Alert on PLEG and runtime errors in the Ready condition, per node',
    'Pin and canary container runtime upgrades per node pool',
  ],
});
