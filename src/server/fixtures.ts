/** For the server's tests: an incident opened the way the pipeline opens one. */
import { hypothesis, t0 } from '../incident/fixtures.ts';
import type { Incident } from '../incident/incident.ts';
import type { IncidentTracker } from '../incident/tracker.ts';
import type { ManualClock } from '../time/manual-clock.ts';
import type { IncidentDesk } from './desk.ts';

/** Two rounds with the same hypothesis open an incident, as in the pipeline. */
export function openIncident(o: {
  desk: IncidentDesk;
  tracker: IncidentTracker;
  clock: ManualClock;
}): Incident {
  const h = hypothesis({ sinceMs: t0 });
  for (const at of [t0 + 10_000, t0 + 20_000]) {
    o.clock.advance(at - o.clock.now());
    o.desk.afterRound(at, o.tracker.update({ hypotheses: [h], findings: [] }, at), []);
  }
  return o.tracker.incidents()[0];
}
