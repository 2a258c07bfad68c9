/**
 * Nodes run out of process IDs: something forks without bound (a runaway workload, a thread
 * leak), the kubelet reports PIDPressure and evicts pods, new processes and threads fail
 * ("fork: Resource temporarily unavailable"), and the kubelet and the runtime themselves can
 * no longer start what they need, so PLEG stalls and the node goes NotReady.
 *
 * Told apart from: memory exhaustion (MemoryPressure, OOM kills), a container runtime that is
 * down for its own reasons (no pressure).
 */
import { apiSilentForUsToo } from '../evidence/clauses.ts';
import { definePattern } from '../pattern.ts';
import {
  evictingFor,
  pressureBlast,
  pressureCases,
  pressureSlots,
  shortOn,
  starvedNodesDown,
  troubleWithoutShortage,
} from './resource-exhaustion.ts';

export const nodePids = definePattern(pressureCases('pid'))({
  id: 'node-pid-exhaustion',
  family: 'node-resources',
  layer: 'node',
  title: 'Nodes run out of process IDs',
  summary:
    'Nodes run out of process IDs: something forks without bound, the kubelet reports PIDPressure and evicts pods, new processes and threads fail ("fork: Resource temporarily unavailable"), and the kubelet and the runtime can no longer start what they need, so PLEG stalls and the node goes NotReady. Told apart from memory exhaustion (MemoryPressure, OOM kills) and a container runtime down for its own reasons (no pressure).',
  clusterLevel: true,
  base: 0.45,
  requires: [shortOn('pid')],
  supports: [evictingFor('pid', 0.1, ['pids', 'pid']), starvedNodesDown(0.2)],
  against: [apiSilentForUsToo(-0.4), troubleWithoutShortage(-0.2)],
  severity: (c) => (c.down.length || c.nodes.length >= 2 ? 'critical' : 'warning'),
  onset: (c) => c.onset,
  blastRadius: pressureBlast,
  evidence: (c) => [...c.signals.slice(0, 4), ...c.downSignals.slice(0, 2)],
  slots: pressureSlots,
  statement: '{nodeCount} node(s) ({nodes}) ran short of process IDs since {onset}[; {evictions}][; {down}].',
  nextSteps: [
    {
      say: 'Read the PIDPressure condition and evictions on {firstNode}',
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
  prevention: ['Set podPidsLimit on every node pool', 'Alert on PIDPressure before nodes go NotReady'],
});
