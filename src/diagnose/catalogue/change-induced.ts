/**
 * A change-induced regression with no specific mechanism identified: a fleet-wide change
 * (the control plane's version, a system DaemonSet's image, a node version on most nodes)
 * shortly before a cluster-wide onset. Any specific pattern that explains more of the
 * evidence outranks it; this one says what to diff and how to roll back while the
 * mechanism is still unknown, and never claims to be certain.
 */

import type { Signal } from '../../detect/signal.ts';
import { signalKinds } from '../../detect/signal-kinds.ts';
import { changeAtMs, fleetWide, scopeMatch } from '../evidence/changes.ts';
import { hitOn } from '../evidence/clauses.ts';
import { nodeTrouble } from '../evidence/node-trouble.ts';
import { definePattern } from '../pattern.ts';
import { at, names, said } from '../slots.ts';

const windowMs = 6 * 3_600_000;

export const changeInduced = definePattern((q) => {
  const trouble = nodeTrouble(q);
  const symptoms = q.all.filter(
    (s): s is Signal =>
      signalKinds[s.kind].role === 'symptom' &&
      s.severity === 'critical' &&
      (s.kind !== 'not-ready-spread' || trouble.affected.size >= 2),
  );
  const onset = symptoms.length ? Math.min(...symptoms.map((s) => s.sinceMs)) : q.nowMs;
  const blast = {
    nodes: [...new Set(symptoms.flatMap((s) => s.scope.nodes ?? []))].sort(),
    namespaces: [...new Set(symptoms.flatMap((s) => s.scope.namespaces ?? []))].sort(),
  };
  const changes = q
    .of('change')
    .filter((c) => fleetWide(c) && changeAtMs(c) <= onset + 60_000 && changeAtMs(c) >= onset - windowMs)
    .sort((a, b) => changeAtMs(b) - changeAtMs(a));
  return [{ symptoms, onset, blast, changes }];
})({
  id: 'change-induced-regression',
  family: 'change',
  layer: 'change',
  title: 'Cluster-wide trouble right after a fleet-wide change',
  summary:
    "A change-induced regression with no specific mechanism identified: a fleet-wide change (the control plane's version, a system DaemonSet's image, a node version on most nodes) shortly before a cluster-wide onset. Any specific pattern that explains more of the evidence outranks it; this one says what to diff and how to roll back while the mechanism is still unknown, and never claims to be certain.",
  clusterLevel: true,
  // Clusters change every day: a fleet-wide change hours before, touching nothing in trouble
  // in particular, is below the naming floor; close in time or in scope, it is named.
  base: 0.45,
  requires: [
    {
      id: 'cluster-wide-symptom',
      weight: 0,
      reason: 'a cluster-wide symptom at critical severity',
      reads: [
        'not-ready-spread',
        'api-unreachable',
        'dns-pods-unhealthy',
        'in-cluster-api-unreachable',
        'service-errors',
        'proxy-sync-failing',
      ],
      test: (c) => hitOn(c.symptoms),
    },
    {
      id: 'fleet-wide-change-before',
      weight: 0,
      reason: 'a fleet-wide change in the 6 hours before the onset',
      reads: ['change'],
      test: (c) => hitOn(c.changes),
    },
  ],
  supports: [
    {
      id: 'change-covers-blast-radius',
      weight: 0.1,
      reason: 'the change touched the nodes or namespaces in trouble',
      reads: ['change'],
      test: (c) => hitOn(c.changes.filter((x) => scopeMatch(x, c.blast) >= 0.8)),
    },
    {
      id: 'change-close-to-onset',
      weight: 0.05,
      reason: 'the change came within 30 minutes of the onset',
      reads: ['change'],
      test: (c) => hitOn(c.changes.filter((x) => changeAtMs(x) >= c.onset - 30 * 60_000)),
    },
  ],
  against: [],
  severity: (c) => (c.symptoms.some((s) => s.severity === 'critical') ? 'critical' : 'warning'),
  onset: (c) => c.onset,
  blastRadius: (c) => c.blast,
  evidence: (c) => [...c.changes.slice(0, 3), ...c.symptoms.slice(0, 3)],
  slots: {
    onset: (c) => at(c.onset, c.symptoms),
    symptoms: (c) =>
      names(
        c.symptoms.map((s) => s.summary.split(';')[0]),
        c.symptoms,
        3,
      ),
    change: (c) => said(c.changes[0]?.summary.split(';')[0], c.changes[0]),
    changeAt: (c) => at(c.changes[0] ? changeAtMs(c.changes[0]) : undefined, c.changes[0]),
    from: (c) => said(c.changes[0]?.facts.from, c.changes[0]),
    to: (c) => said(c.changes[0]?.facts.to, c.changes[0]),
    workload: (c) =>
      said(
        c.changes[0]?.facts.workload
          .replace('/DaemonSet/', ' daemonset/')
          .replace('/Deployment/', ' deployment/'),
        c.changes[0],
      ),
  },
  statement:
    'Cluster-wide trouble since {onset} ({symptoms}) came right after a fleet-wide change: {change} at {changeAt}. No specific mechanism is identified yet.',
  nextSteps: [
    { say: 'Diff what changed: {from} against {to}, in the release notes and the rendered manifests' },
    {
      say: 'Roll back the change if the trouble started with it',
      command: 'kubectl rollout undo -n {workload}',
    },
    { say: 'Roll the node pool or control plane back to {from} if the change was a version' },
    { say: 'Watch whether the symptoms follow the changed objects', command: 'kubectl get nodes -o wide' },
  ],
  lookAlikes: ['node-image-regression', 'node-network', 'service-routing', 'service-proxy-sync-failure'],
  public: {
    components: ['Workloads'],
    title: 'Service degraded after a change',
    cause: 'a recent change to the cluster',
    outage: 'partial',
  },
  prevention: ['Roll fleet-wide changes out in stages, with a hold on cluster health between stages'],
});
