/**
 * The workloads whose own trouble may be a finding for their owners rather than a cluster
 * incident: crash loops not caused by pods being cut off from the API server, each with how
 * many of its nodes are in trouble and the workload's own rollout just before, if any. A
 * loop confined to troubled nodes is the node pattern's evidence: the shared requirement
 * `notNodeBound` leaves it out, so that a mutation of it shows in the tables.
 */
import type { SignalOf } from '../../detect/signal.ts';
import { nodeTrouble } from '../evidence/node-trouble.ts';
import type { Clause } from '../pattern.ts';
import type { SignalQuery } from '../query.ts';

const rolloutWindowMs = 30 * 60_000;

export interface WorkloadCase {
  loop: SignalOf<'crash-loop'>;
  onAffected: number;
  elsewhere: number;
  rollout: SignalOf<'change'> | undefined;
}

export function workloadCases(q: SignalQuery): WorkloadCase[] {
  return q.derive('workload-cases', () => {
    const t = nodeTrouble(q);
    const changes = q.of('change');
    const apiStarved = new Set(q.first('in-cluster-api-unreachable')?.facts.pods ?? []);
    const out: WorkloadCase[] = [];
    for (const l of t.loops) {
      const s = l.signal;
      const prefix = `${s.facts.namespace}/${s.facts.workloadName}-`;
      if ([...apiStarved].some((p) => p.startsWith(prefix))) continue;
      const rollout = changes.find(
        (c) =>
          c.facts.what === 'rollout' &&
          c.subject === s.subject &&
          c.sinceMs <= s.sinceMs + 60_000 &&
          c.sinceMs >= s.sinceMs - rolloutWindowMs,
      );
      out.push({ loop: s, onAffected: l.onAffected, elsewhere: l.elsewhere, rollout });
    }
    return out;
  });
}

/** Pods failing only on troubled nodes are the node pattern's evidence, not the workload's. */
export const notNodeBound: Clause<WorkloadCase> = {
  id: 'loops-not-node-bound',
  weight: 0,
  reason: 'a workload crash-looping on nodes that are not in trouble themselves',
  reads: ['crash-loop', 'node-not-ready', 'node-flapping', 'node-heartbeat-lag'],
  test: (c) => (c.onAffected > 0 && c.elsewhere === 0 ? undefined : { signals: [c.loop] }),
};
