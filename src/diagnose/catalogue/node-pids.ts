/**
 * Nodes run out of process IDs: something forks without bound (a runaway workload, a thread
 * leak), new processes and threads fail ("fork: Resource temporarily unavailable"), and the
 * kubelet and the runtime themselves can no longer start what they need, so PLEG stalls and
 * the node goes NotReady. The kubelet reports PIDPressure and evicts pods only with a
 * pid.available eviction threshold, which it has none of by default; the node agent's
 * NodePIDsExhausted counts the tasks against the kernel's limits either way.
 *
 * Told apart from: memory exhaustion (MemoryPressure, OOM kills), a container runtime that is
 * down for its own reasons (no shortage on its nodes).
 */
import type { SignalOf } from '../../detect/signal.ts';
import { apiSilentForUsToo, hitOn, runtimeCauses } from '../evidence/clauses.ts';
import { earliest, nodeName, nodeTrouble } from '../evidence/node-trouble.ts';
import { type PressureCase, pressureOn } from '../evidence/pressure.ts';
import { definePattern } from '../pattern.ts';
import type { AgentSignal, SignalQuery } from '../query.ts';
import { at, count, names, said } from '../slots.ts';
import {
  evictingFor,
  pressureBlast,
  pressureSlots,
  starvedNodesDown,
  troubleWithoutShortage,
} from './resource-exhaustion.ts';

interface PidCase extends PressureCase {
  /** The node agent's NodePIDsExhausted, True on some node. */
  agent: AgentSignal<'NodePIDsExhausted'> | undefined;
  /** Short nodes whose kubelet's Ready message names PLEG or the runtime. */
  runtimeDown: SignalOf<'node-not-ready'>[];
}

/** The nodes short of PIDs by the kubelet's pressure or evictions, or by the agent's count. */
function pidCases(q: SignalQuery): PidCase[] {
  const base = pressureOn(q, 'pid');
  const agent = q.agent('NodePIDsExhausted');
  const short = new Set([...base.nodes, ...(agent?.facts.nodes ?? [])]);
  const t = nodeTrouble(q);
  const downSignals = [...t.notReady, ...t.flapping, ...t.silent].filter((s) =>
    short.has(nodeName(s.subject)),
  );
  const runtimeDown = t.notReady.filter(
    (s) => short.has(nodeName(s.subject)) && (s.facts.causes ?? []).some((c) => runtimeCauses.has(c)),
  );
  return [
    {
      ...base,
      nodes: [...short].sort(),
      down: [...new Set(downSignals.map((s) => nodeName(s.subject)))].sort(),
      downSignals,
      troubleElsewhere: [...t.affected].filter((n) => !short.has(n)).sort(),
      agent,
      runtimeDown,
      onset: earliest([...base.signals, agent, ...downSignals], q.nowMs),
    },
  ];
}

const shortSignals = (c: PidCase) => [...c.signals, ...(c.agent ? [c.agent] : [])];

export const nodePids = definePattern(pidCases)({
  id: 'node-pid-exhaustion',
  family: 'node-resources',
  layer: 'node',
  title: 'Nodes run out of process IDs',
  summary:
    'Nodes run out of process IDs: something forks without bound, new processes and threads fail ("fork: Resource temporarily unavailable"), and the kubelet and the runtime can no longer start what they need, so PLEG stalls and the node goes NotReady. The kubelet reports PIDPressure and evicts pods only when a pid.available threshold is set; the node agent counts tasks against pid_max and threads-max regardless. Told apart from memory exhaustion (MemoryPressure, OOM kills) and a container runtime down for its own reasons (no shortage on its nodes).',
  clusterLevel: true,
  base: 0.45,
  requires: [
    {
      id: 'pid-short-on-nodes',
      weight: 0,
      reason:
        "nodes short of process IDs (PIDPressure, evictions for pids, or the node agent counting 90% of the kernel's PID limit in use)",
      reads: ['node-pressure', 'agent-condition'],
      test: (c) => hitOn(shortSignals(c)),
    },
  ],
  supports: [
    evictingFor('pid', 0.1, ['pids', 'pid']),
    starvedNodesDown(0.2),
    {
      id: 'runtime-cannot-fork',
      weight: 0.1,
      reason:
        "the kubelet's Ready message on {forkCount} of the short nodes names PLEG or the runtime, which need new processes to list and start containers",
      reads: ['node-not-ready'],
      test: (c) =>
        c.runtimeDown.length
          ? { signals: c.runtimeDown, slots: { forkCount: count(c.runtimeDown.length, c.runtimeDown)! } }
          : undefined,
    },
  ],
  against: [apiSilentForUsToo(-0.4), troubleWithoutShortage(-0.2)],
  severity: (c) => (c.down.length || c.nodes.length >= 2 ? 'critical' : 'warning'),
  onset: (c) => c.onset,
  blastRadius: pressureBlast,
  evidence: (c) => [...shortSignals(c).slice(0, 4), ...c.downSignals.slice(0, 2)],
  slots: {
    ...pressureSlots,
    nodeCount: (c) => count(c.nodes.length, shortSignals(c)),
    nodes: (c) => names(c.nodes, shortSignals(c)),
    firstNode: (c) => said(c.nodes[0], shortSignals(c)),
    onset: (c) => at(c.onset, [...shortSignals(c), ...c.downSignals]),
    measured: (c) =>
      c.agent?.facts.pidsPercent
        ? said(`up to ${c.agent.facts.pidsPercent}% of the kernel's PID limit in use`, c.agent)
        : undefined,
  },
  statement:
    '{nodeCount} node(s) ({nodes}) ran short of process IDs since {onset}[; {measured}][; {evictions}][; {down}].',
  nextSteps: [
    {
      say: 'Read the PID conditions (PIDPressure, NodePIDsExhausted) and any evictions on {firstNode}',
      command: 'kubectl describe node {firstNode}',
    },
    {
      say: 'Find the pods with the most processes or threads on it',
      command: 'kubectl get pods -A -o wide --field-selector spec.nodeName={firstNode}',
    },
    { say: "Cap processes per pod (the kubelet's podPidsLimit) so one workload cannot take the node's PIDs" },
    {
      say: 'Reboot the nodes whose kubelet stopped reporting',
      command: 'kubetriage remediate restart-nodes --nodes {downCsv} --dry-run',
    },
  ],
  runbooks: { 'restart-nodes': (c) => (c.down.length ? { nodes: c.down } : undefined) },
  lookAlikes: ['node-memory-exhaustion', 'container-runtime-failure', 'kubelet-failure'],
  public: {
    components: ['Nodes'],
    title: 'Nodes degraded',
    cause: 'some servers ran out of process capacity',
    outage: 'partial',
  },
  prevention: [
    'Set podPidsLimit on every node pool',
    "Give the kubelet evictionHard pid.available, and alert on PIDPressure or the agent's PID count before nodes go NotReady",
  ],
});
