/**
 * A system component killed at its limits: every replica of a CNI agent, ingress controller,
 * kube-proxy, metrics server or another cluster add-on OOMKilled within minutes, because its
 * memory limit no longer fits the load (more nodes, more routes, more connections). Whatever
 * depends on it fails with it.
 *
 * Told apart from: the component's own dependency failing (its pods end in Error, not
 * OOMKilled), nodes short of memory (the kernel picks victims on starved nodes).
 */
import { apiSilentForUsToo } from '../evidence/clauses.ts';
import { definePattern } from '../pattern.ts';
import {
  allReplicasOomKilled,
  componentCases,
  componentSlots,
  keepsRestarting,
  nodesShortOfMemory,
  serviceDown,
} from './component-at-limits.ts';

export const systemComponentLimits = definePattern((q) => componentCases(q))({
  id: 'system-component-at-limits',
  family: 'system-components',
  layer: 'workload',
  title: 'A system component is killed at its memory limit',
  summary:
    "A system component killed at its limits: every replica of a CNI agent, ingress controller, kube-proxy, metrics server or another add-on is OOMKilled within minutes because its memory limit no longer fits the load (more nodes, routes or connections), and whatever depends on it fails with it. Told apart from the component's own dependency failing (its pods end in Error, not OOMKilled) and nodes short of memory (the kernel picks victims on starved nodes).",
  clusterLevel: true,
  base: 0.5,
  requires: [allReplicasOomKilled(false)],
  supports: [keepsRestarting, serviceDown],
  against: [apiSilentForUsToo(-0.4), nodesShortOfMemory],
  severity: (c) => (c.oom.facts.together ? 'critical' : 'warning'),
  onset: (c) => c.oom.sinceMs,
  blastRadius: (c) => ({
    namespaces: [c.oom.facts.namespace],
    nodes: c.oom.facts.nodes,
    workloads: [`${c.oom.facts.namespace}/${c.oom.facts.workloadKind}/${c.oom.facts.workloadName}`],
  }),
  evidence: (c) => [c.oom, ...(c.short ? [c.short] : [])],
  slots: componentSlots,
  statement: '{component} is killed at its memory limit: {replicas} replicas OOMKilled since {since}.',
  nextSteps: [
    { say: 'See its restarts and last state', command: 'kubectl -n {ns} describe {kind} {name}' },
    { say: 'Compare its memory use with its limit', command: 'kubectl -n {ns} top pods' },
    {
      say: 'Raise its memory limit (or give it a vertical autoscaler), then find what grew: nodes, routes, connections',
    },
  ],
  lookAlikes: ['node-memory-exhaustion', 'dns-overload'],
  public: {
    components: ['Workloads'],
    title: 'Platform component degraded',
    cause: 'a platform component ran out of memory',
    outage: 'partial',
  },
  prevention: [
    'Size system components for the cluster they serve, and alert when they use 80 % of their limit',
  ],
});
