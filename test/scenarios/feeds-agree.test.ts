/**
 * The live feed and the replay feed must lead to the same findings. Two simulators from
 * the same scenario and seed reach the same state at the same moment; one is watched in
 * process through the replay feed from the start, the other is served over HTTPS at that
 * moment and read by the live feed (reflectors, probes, metrics and logs through the API,
 * as `kubetriage scan` does). Both diagnoses must name the same causes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLiveSession } from '../../src/cli/live-session.ts';
import { Pipeline } from '../../src/cli/pipeline.ts';
import { replayScenario } from '../../src/cli/scenario-replay.ts';
import { detectAll } from '../../src/detect/all.ts';
import { diagnose } from '../../src/diagnose/diagnose.ts';
import { loadScenario } from '../../src/sim/scenario/loader.ts';
import { scenarioAt } from '../support/scenario-moment.ts';
import type { SimCluster } from '../support/sim-cluster.ts';

let cluster: SimCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('live and replay feeds', () => {
  it('give the same diagnosis of the Runway outage at 11:40', async () => {
    const name = 'runway-2024';
    const moment = Date.parse('2024-11-22T11:40:00Z');
    const scenario = await loadScenario(name);
    const pipeline = new Pipeline();
    let replayed: ReturnType<Pipeline['round']> | undefined;
    await replayScenario(scenario, {
      forMs: moment - Date.parse(scenario.start),
      onTick: (view, now) => {
        replayed = pipeline.round(view, now);
      },
    });

    cluster = await scenarioAt(name, '2024-11-22T11:40:00Z');
    const session = await startLiveSession(
      { kubeconfig: cluster.kubeconfig, timeout: '20' },
      { components: true },
    );
    try {
      await session.feed.pollNow();
    } finally {
      await session.feed.stop();
    }
    const now = session.clock.now();
    expect(Math.abs(now - moment)).toBeLessThan(5_000);
    const live = diagnose(detectAll(session.view, now), now);

    const patterns = (hs: { pattern: string; confidence: number }[]) =>
      hs.filter((h) => h.confidence >= 0.5).map((h) => h.pattern);
    expect(patterns(live.hypotheses)).toEqual(patterns(replayed!.diagnosis.hypotheses));
    expect(live.hypotheses[0].pattern).toBe('service-routing');
    expect(live.findings.map((f) => f.pattern).sort()).toEqual(
      replayed!.diagnosis.findings.map((f) => f.pattern).sort(),
    );
  });
});
