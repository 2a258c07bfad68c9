/**
 * The live feed and the replay feed must lead to the same findings. Two simulators from
 * the same scenario and seed reach the same state at the same moment; one is watched in
 * process through the replay feed from the start, the other is served over HTTPS at that
 * moment and read by the live feed (reflectors, probes, metrics and logs through the API,
 * as `kubetriage scan` does). Both diagnoses must name the same causes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLiveSession } from '../../src/cli/live-session.ts';
import { replayScenario } from '../../src/cli/scenario-replay.ts';
import { detectAll } from '../../src/detect/all.ts';
import { type Diagnosis, diagnose } from '../../src/diagnose/diagnose.ts';
import { loadScenario } from '../../src/sim/scenario/loader.ts';
import { scenarioAt } from '../support/scenario-moment.ts';
import type { SimCluster } from '../support/sim-cluster.ts';

let cluster: SimCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function liveDiagnosis(name: string, moment: string, timeout = '20') {
  cluster = await scenarioAt(name, moment);
  const session = await startLiveSession({ kubeconfig: cluster.kubeconfig, timeout }, { components: true });
  try {
    await session.feed.pollNow();
  } finally {
    await session.feed.stop();
  }
  const now = session.clock.now();
  return { now, diagnosis: diagnose(detectAll(session.view, now), now) };
}

/**
 * The diagnosis the replay's pipeline gives at the moment. Detectors and patterns read only
 * the view (the tracker comes after the diagnosis), so one round at the moment gives what
 * the last of a round every tick would, at a third of the replay's time.
 */
async function replayDiagnosis(name: string, moment: string) {
  const scenario = await loadScenario(name);
  const at = Date.parse(moment);
  let diagnosis: Diagnosis | undefined;
  await replayScenario(scenario, {
    forMs: at - Date.parse(scenario.start),
    onTick: (view, now) => {
      if (now === at) diagnosis = diagnose(detectAll(view, now), now);
    },
  });
  return diagnosis!;
}

// What changed before the onset is known to a feed that watched it change: a one-shot read
// sees a node's version now, not that it was different an hour ago, so the hypotheses built
// on changes are left out of the comparison.
const builtOnChanges = new Set(['change-induced-regression', 'upgrade-regression']);
const confident = (hs: { pattern: string; confidence: number }[]) =>
  hs.filter((h) => h.confidence >= 0.5 && !builtOnChanges.has(h.pattern)).map((h) => h.pattern);

describe('live and replay feeds', () => {
  it('give the same diagnosis of the Runway outage at 11:40, findings included', async () => {
    const moment = '2024-11-22T11:40:00Z';
    const replayed = await replayDiagnosis('runway-2024', moment);
    const live = await liveDiagnosis('runway-2024', moment);
    expect(Math.abs(live.now - Date.parse(moment))).toBeLessThan(5_000);
    expect(confident(live.diagnosis.hypotheses)).toEqual(confident(replayed.hypotheses));
    expect(live.diagnosis.hypotheses[0].pattern).toBe('service-routing');
    expect(live.diagnosis.findings.map((f) => f.pattern).sort()).toEqual(
      replayed.findings.map((f) => f.pattern).sort(),
    );
  });

  // A one-shot live read has no history (no flapping, no earlier mornings), so only the
  // top hypothesis is compared: the cause must be the same however the evidence arrived.
  // One exception, by design: a read that starts while the API server is already silent has
  // never seen the cluster, so it says it never reached it (a wrong address looks the same)
  // where the replay, which watched it answer and then go silent, names the outage.
  for (const [name, moment, expected, timeout, liveExpected] of [
    ['airmap-2018', '2018-07-19T16:30:00Z', 'node-network', '20', 'node-network'],
    ['data100-2019', '2019-02-25T19:30:00Z', 'control-plane-unreachable', '3', 'api-never-reached'],
    ['digitalocean-2023', '2023-10-09T07:10:00Z', 'node-scheduled-job', '20', 'node-scheduled-job'],
    [
      'circleci-2023',
      '2023-03-14T20:00:00Z',
      'service-proxy-sync-failure',
      '20',
      'service-proxy-sync-failure',
    ],
  ] as const) {
    it(`name the same cause of ${name} at ${moment.slice(11, 16)}`, async () => {
      const replayed = await replayDiagnosis(name, moment);
      const live = await liveDiagnosis(name, moment, timeout);
      expect(replayed.hypotheses[0]?.pattern).toBe(expected);
      expect(live.diagnosis.hypotheses[0]?.pattern).toBe(liveExpected);
      // A bound that holds on a busy 2-core machine: circleci's replay to 20:00 alone took
      // 111-122 s at load 12, and the simulator now runs the real node agent on each machine.
    }, 900_000);
  }

  for (const [name, moment] of [
    ['healthy-day', '2024-03-06T14:30:00Z'],
    ['upgrade-done-right', '2024-06-11T11:30:00Z'],
  ] as const) {
    it(`find nothing cluster-level in ${name} at ${moment.slice(11, 16)}, in the middle of its maintenance`, async () => {
      const replayed = await replayDiagnosis(name, moment);
      const live = await liveDiagnosis(name, moment);
      expect(confident(replayed.hypotheses)).toEqual([]);
      expect(confident(live.diagnosis.hypotheses)).toEqual([]);
    });
  }
});
