/**
 * The pipeline end to end on reference outages (and a corpus one) in virtual time, scored against the
 * scenarios' expected diagnoses (which it never sees), with the issue's bars: first
 * incident and correct top hypothesis within the real-incident-beating times, and no
 * false incident. Long scenarios are cut after their onset to keep the suite quick; the
 * full runs are `kubetriage replay --all`.
 */
import { describe, expect, it } from 'vitest';
import { replayAndScore } from '../../src/cli/commands/replay.ts';

const hour = 3_600_000;
/**
 * Hours of virtual time through the simulator (every machine's node agent included) and the
 * whole pipeline: a bound for a busy 2-core machine (issue 21 item 7), not a speed target.
 */
const replayBoundMs = 900_000;

describe('replay scores', () => {
  for (const [name, forMs, firstBy, correctBy] of [
    ['data100-2019', 1.5 * hour, 30, 60],
    ['runway-2024', 3 * hour, 120, 180],
    ['airmap-2018', 4 * hour, 120, 300],
    // A corpus outage: nothing but the ingress controller's own counters shows it.
    ['ingress-nginx-v1-classless-404-2021', 1.5 * hour, 120, 300],
    // Held out: written after upgrade-regression and not used to build it; its bar is its detectBy.
    ['airflow-scheduler-exec-probe-120-2021', 2.5 * hour, 1197, 1197],
  ] as const) {
    it(
      `${name}: incident within ${firstBy}s, correct top hypothesis within ${correctBy}s, nothing false`,
      async () => {
        const r = await replayAndScore(name, { forMs });
        const [e] = r.expectations;
        expect(e.firstIncidentAfterSeconds).not.toBeNull();
        expect(e.firstIncidentAfterSeconds!).toBeLessThanOrEqual(firstBy);
        expect(e.afterSeconds).not.toBeNull();
        expect(e.afterSeconds!).toBeLessThanOrEqual(correctBy);
        expect(r.falseIncidents).toEqual([]);
        expect(r.passed).toBe(true);
      },
      replayBoundMs,
    );
  }

  it(
    'upgrade-done-right: a careful upgrade opens no incident',
    async () => {
      const r = await replayAndScore('upgrade-done-right');
      expect(r.incidents).toEqual([]);
      expect(r.passed).toBe(true);
    },
    replayBoundMs,
  );
});
