/**
 * For serve's runtime tests: rounds in which the API server refuses every probe (a wrong
 * address), until kubetriage opens an incident for it, as a live cluster would show it.
 */
import type { Incident } from '../incident/incident.ts';
import { ClusterView } from '../observe/cluster-view.ts';
import type { ManualClock } from '../time/manual-clock.ts';
import type { ServeRuntime } from './serve-runtime.ts';

const refused = 'https://10.0.0.1:6443/livez: connect ECONNREFUSED 10.0.0.1:6443';

/** Rounds 10 s apart until an incident opens (at most 30); returns it, or undefined. */
export function roundsUntilIncident(rt: ServeRuntime, clock: ManualClock): Incident | undefined {
  const view = new ClusterView();
  for (let k = 0; k < 30 && rt.desk.tracker.incidents().length === 0; k++) {
    for (const check of ['livez', 'readyz', 'version'] as const)
      view.apply({ type: 'probe', check, ok: false, latencyMs: 1, error: refused, atMs: clock.now() });
    rt.round(view, clock.now());
    clock.advance(10_000);
  }
  return rt.desk.tracker.incidents()[0];
}
