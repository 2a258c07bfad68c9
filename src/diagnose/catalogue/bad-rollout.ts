/**
 * A rollout broke its workload: the failures began right after the workload's own change,
 * and follow the new version rather than any node.
 */
import { oneWayOfFailing } from '../evidence/clauses.ts';
import { definePattern } from '../pattern.ts';
import { at, names, said } from '../slots.ts';
import { notNodeBound, workloadCases } from './workload-cases.ts';

export const badRollout = definePattern((q) => workloadCases(q))({
  id: 'bad-rollout',
  family: 'workloads',
  layer: 'workload',
  title: 'A rollout broke its workload',
  summary:
    "A rollout broke its workload: the failures began right after the workload's own change, and follow the new version rather than any node.",
  clusterLevel: false,
  base: 0.6,
  requires: [
    notNodeBound,
    {
      id: 'failing-after-own-rollout',
      weight: 0,
      reason: 'a workload failing right after its own rollout',
      reads: ['crash-loop', 'change'],
      test: (c) => (c.rollout ? { signals: [c.rollout, c.loop] } : undefined),
    },
  ],
  supports: [oneWayOfFailing(0.1)],
  against: [],
  severity: () => 'warning',
  onset: (c) => c.loop.sinceMs,
  blastRadius: (c) => c.loop.scope,
  evidence: (c) => [c.rollout, c.loop].filter((x) => x !== undefined),
  slots: {
    workload: (c) =>
      said(`${c.loop.facts.workloadKind} ${c.loop.facts.namespace}/${c.loop.facts.workloadName}`, c.loop),
    how: (c) => names(c.loop.facts.reasonCodes, c.loop),
    rolloutAt: (c) => at(c.rollout?.sinceMs, c.rollout),
    ns: (c) => said(c.loop.facts.namespace, c.loop),
    name: (c) => said(c.loop.facts.workloadName, c.loop),
  },
  statement: '{workload} started failing[ ({how})] right after its rollout at {rolloutAt}.',
  nextSteps: [
    {
      say: 'Read the new pods’ last words',
      command: 'kubectl logs -n {ns} deploy/{name} --previous --tail=50',
    },
    { say: 'Roll back', command: 'kubectl rollout undo -n {ns} deployment/{name}' },
  ],
  lookAlikes: ['app-bug', 'node-network'],
  public: {
    components: ['Workloads'],
    title: 'Workloads degraded',
    cause: 'a new version of an application is failing',
    outage: 'partial',
  },
  prevention: ['Gate rollouts on readiness and error rate (progressive delivery)'],
});
