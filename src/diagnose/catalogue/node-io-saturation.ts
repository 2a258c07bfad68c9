/**
 * A node's disk cannot keep up: every runnable task waits on I/O much of the time (PSI io
 * `full`), the kernel names tasks blocked in uninterruptible sleep, and the container runtime,
 * which reads and writes the same disk, answers the kubelet too late. PLEG's relist outlasts
 * its 3 min threshold, so the node goes NotReady with the runtime named, flaps back while a
 * relist gets through, and its pods wait in ContainerCreating or Terminating.
 *
 * Told apart from: a container runtime failing on its own (no I/O stall on its nodes), a
 * single kubelet gone silent (it names no runtime), resource exhaustion (pressure conditions).
 */
import { kubeletBlamesRuntime } from '../evidence/clauses.ts';
import { earliest, type NodeTrouble, nodeName, nodeTrouble } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import { at, count, names, said } from '../slots.ts';

export const nodeIoSaturation = definePattern((q) => {
  const io = q.agent('NodeIOPressure');
  const all = nodeTrouble(q);
  const sandboxes = q.of('sandbox-create-failing').filter((s) => s.facts.cause === 'runtime');
  const stuck = q.of('pod-status-lag').filter((s) => s.facts.stuckTerminating > 0);
  const troubled = [
    ...new Set([...all.affected, ...sandboxes.map((s) => s.facts.node), ...stuck.map((s) => s.facts.node)]),
  ].sort();
  const stalled = new Set(io?.facts.nodes ?? []);
  const nodes = troubled.filter((n) => stalled.has(n));
  const on = new Set(nodes);
  // The node-level picture narrowed to the stalled nodes, for the shared runtime clause.
  const t: NodeTrouble = {
    ...all,
    affected: on,
    notReady: all.notReady.filter((s) => on.has(nodeName(s.subject))),
    flapping: all.flapping.filter((s) => on.has(nodeName(s.subject))),
    silent: all.silent.filter((s) => on.has(nodeName(s.subject))),
  };
  const onset = earliest([io, ...t.notReady, ...t.flapping], q.nowMs);
  return [{ io, t, troubled, nodes, sandboxes, stuck, onset }];
})({
  id: 'node-io-saturation',
  family: 'nodes',
  layer: 'node',
  title: 'Disk I/O stalls the container runtime on some nodes',
  summary:
    "A node's disk cannot keep up: every runnable task waits on I/O much of the time, the kernel names tasks blocked in uninterruptible sleep, and the container runtime, which uses the same disk, answers the kubelet too late. PLEG falls behind, the node goes NotReady naming the runtime and flaps back when a relist gets through, and pods wait to start or stop there. Told apart from a runtime failing on its own (no I/O stall on its nodes), a kubelet gone silent, and memory, disk-space or PID exhaustion.",
  clusterLevel: true,
  base: 0.45,
  requires: [
    {
      id: 'io-stalled-on-troubled-nodes',
      weight: 0,
      reason: 'the node agent sees tasks stalled on I/O on {ioNodes} node(s) in trouble',
      reads: [
        'agent-condition',
        'node-not-ready',
        'node-flapping',
        'sandbox-create-failing',
        'pod-status-lag',
      ],
      test: (c) =>
        c.io && c.nodes.length
          ? { signals: [c.io], slots: { ioNodes: count(c.nodes.length, c.io)! } }
          : undefined,
    },
  ],
  supports: [
    kubeletBlamesRuntime(0.2),
    {
      id: 'stalled-node-flaps',
      weight: 0.1,
      reason:
        '{flapCount} of them flip between Ready and NotReady as the runtime catches up and falls behind',
      reads: ['node-flapping'],
      test: (c) =>
        c.t.flapping.length
          ? { signals: c.t.flapping, slots: { flapCount: count(c.t.flapping.length, c.t.flapping)! } }
          : undefined,
    },
  ],
  against: [
    {
      id: 'most-troubled-nodes-flow',
      weight: -0.25,
      reason: 'only {ioNodes} of {troubledCount} nodes in trouble show tasks stalled on I/O',
      reads: ['agent-condition', 'node-not-ready', 'node-flapping'],
      test: (c) =>
        c.io && c.nodes.length * 2 < c.troubled.length
          ? {
              signals: [c.io],
              slots: {
                ioNodes: count(c.nodes.length, c.io)!,
                troubledCount: count(c.troubled.length, c.io)!,
              },
            }
          : undefined,
    },
  ],
  severity: (c) => (c.nodes.length >= 2 || c.t.notReady.length ? 'critical' : 'warning'),
  onset: (c) => c.onset,
  blastRadius: (c) => ({ nodes: c.nodes }),
  evidence: (c) =>
    [c.io, ...c.t.notReady.slice(0, 3), ...c.t.flapping.slice(0, 2)].filter((s) => s !== undefined),
  slots: {
    nodeCount: (c) => count(c.nodes.length, c.io),
    nodes: (c) => names(c.nodes, c.io),
    firstNode: (c) => said(c.nodes[0], c.io),
    nodeCsv: (c) => said(c.nodes.join(','), c.io),
    onset: (c) => at(c.onset, c.io),
    fullAvg60: (c) => (c.io?.facts.fullAvg60 ? said(`${c.io.facts.fullAvg60}%`, c.io) : undefined),
    blockedTasks: (c) => (c.io?.facts.tasks?.length ? names(c.io.facts.tasks, c.io) : undefined),
  },
  statement:
    'Tasks on {nodeCount} node(s) ({nodes}) are stalled on disk I/O since {onset}[ (all tasks stalled {fullAvg60} of the last minute)][; the kernel names {blockedTasks} blocked], and the container runtime there answers the kubelet too late.',
  nextSteps: [
    {
      say: "Read the node's conditions: NodeIOPressure with its PSI figures, and the kubelet's Ready message",
      command: 'kubectl describe node {firstNode}',
    },
    {
      say: "Find what reads or writes the disk: on the node, cat /proc/pressure/io, iostat -x 5, iotop, and the cloud disk's throughput and IOPS limits",
    },
    {
      say: 'Move the heaviest writers off the node, or give the runtime and kubelet their own disk or a faster volume type',
      command: 'kubectl get pods -A -o wide --field-selector spec.nodeName={firstNode}',
    },
    {
      say: 'Drain and restart the node if it keeps flapping, so its pods run elsewhere while the I/O subsides',
      command: 'kubetriage remediate restart-nodes --nodes {nodeCsv} --dry-run',
    },
  ],
  runbooks: { 'restart-nodes': (c) => (c.nodes.length ? { nodes: c.nodes } : undefined) },
  lookAlikes: ['container-runtime-failure', 'kubelet-failure'],
  public: {
    components: ['Nodes'],
    title: 'Nodes degraded',
    cause: 'some servers cannot keep up with their disk traffic',
    outage: 'partial',
  },
  prevention: [
    'Alert on PSI io full avg60 per node, well before the container runtime times out',
    'Size node disks for throughput and IOPS, not only space; keep images and logs off the busiest volume',
  ],
});
