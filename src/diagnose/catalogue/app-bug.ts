/**
 * An application crash-loops for its own reasons: its pods fail wherever they run, with one
 * reason and exit code, while other workloads keep running beside them on those nodes. A finding for its
 * owners, not a cluster incident.
 */
import { changeAtMs } from '../evidence/changes.ts';
import { oneWayOfFailing } from '../evidence/clauses.ts';
import { failingSince } from '../evidence/failing-since.ts';
import { definePattern } from '../pattern.ts';
import { at, names, said } from '../slots.ts';
import { nodeChangeName } from './node-change-names.ts';
import { notNodeBound, workloadCases } from './workload-cases.ts';

/** A node change this long before a workload's failures may be what broke it. */
const nodeChangeBeforeMs = 2 * 60 * 60_000;

export const appBug = definePattern((q) => workloadCases(q))({
  id: 'app-bug',
  family: 'workloads',
  layer: 'workload',
  title: 'An application fails on its own',
  summary:
    'An application fails by itself: its pods fail wherever they run, with one reason and exit code, while other workloads keep running beside them on those nodes. A finding for its owners, not a cluster incident.',
  clusterLevel: false,
  base: 0.55,
  requires: [
    notNodeBound,
    {
      id: 'no-rollout-of-its-own',
      weight: 0,
      reason: 'no rollout of the workload just before its failures',
      reads: ['change'],
      test: (c) => (c.rollout ? undefined : { signals: [c.loop] }),
    },
  ],
  supports: [
    oneWayOfFailing(0.1),
    {
      id: 'no-node-in-trouble-under-it',
      weight: 0.1,
      reason: 'none of the nodes it fails on is in trouble',
      reads: ['crash-loop', 'node-not-ready'],
      test: (c) => (c.onAffected === 0 ? { signals: [c.loop] } : undefined),
    },
  ],
  against: [
    {
      id: 'node-changed-under-it',
      weight: -0.2,
      reason:
        'every node it fails on, {changedNodes}, took a new {nodeChange} before its failures began: the node changed under it, so "on its own" is not shown',
      reads: ['change'],
      test: (c, q) => {
        const nodes = c.loop.facts.nodes;
        const change = q
          .of('change')
          .find(
            (x) =>
              x.facts.what in nodeChangeName &&
              nodes.length > 0 &&
              nodes.every((n) => x.facts.nodes.includes(n)) &&
              changeAtMs(x) <= failingSince(c.loop) &&
              changeAtMs(x) >= failingSince(c.loop) - nodeChangeBeforeMs,
          );
        return change
          ? {
              signals: [change, c.loop],
              slots: {
                changedNodes: names(nodes, c.loop)!,
                nodeChange: said(nodeChangeName[change.facts.what], change)!,
              },
            }
          : undefined;
      },
    },
  ],
  severity: () => 'info',
  onset: (c) => failingSince(c.loop),
  blastRadius: (c) => c.loop.scope,
  evidence: (c) => [c.loop],
  slots: {
    workload: (c) =>
      said(`${c.loop.facts.workloadKind} ${c.loop.facts.namespace}/${c.loop.facts.workloadName}`, c.loop),
    how: (c) => names(c.loop.facts.reasonCodes, c.loop),
    nodeCount: (c) => said(c.loop.facts.nodes.length, c.loop),
    since: (c) => at(failingSince(c.loop), c.loop),
    ns: (c) => said(c.loop.facts.namespace, c.loop),
    name: (c) => said(c.loop.facts.workloadName, c.loop),
  },
  statement:
    '{workload} crash-loops[ ({how})] on {nodeCount} node(s) since {since} while other workloads there run: the application fails on its own.',
  nextSteps: [
    { say: 'Read why it exits', command: 'kubectl logs -n {ns} deploy/{name} --previous --tail=50' },
    { say: 'See its restarts and last state', command: 'kubectl describe pods -n {ns} -l app={name}' },
  ],
  lookAlikes: ['bad-rollout', 'node-network', 'upgrade-regression'],
  public: {
    components: ['Workloads'],
    title: 'Workloads degraded',
    cause: 'an application is failing',
    outage: 'partial',
  },
  prevention: ["Route the workload's crash-loop alerts to its owners"],
});
