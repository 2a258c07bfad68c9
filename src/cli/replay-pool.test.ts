import { describe, expect, it } from 'vitest';
import { replayAndScore } from './commands/replay.ts';
import { ReplayFailed, replayInWorkers } from './replay-pool.ts';
import type { ReplayReport } from './replay-score.ts';

const forMs = 20 * 60_000;
const names = ['runway-2024', 'data100-2019', 'airmap-2018'];
const sameBut = (r: ReplayReport) => ({ ...r, wallSeconds: 0 });

describe('replay in worker threads', () => {
  it('gives each scenario the report a replay in this thread gives, in the order asked', async () => {
    const progress = new Set<string>();
    const done: string[] = [];
    const parallel = await replayInWorkers(names, 2, {
      forMs,
      onProgress: (n) => progress.add(n),
      onDone: (r) => done.push(r.scenario),
    });
    expect(parallel.map((r) => r.scenario)).toEqual(names);
    expect(done.toSorted()).toEqual(names.toSorted());
    for (const [i, n] of names.entries())
      expect(sameBut(parallel[i])).toEqual(sameBut(await replayAndScore(n, { forMs })));
    expect(progress.size).toBeGreaterThan(0);
  }, 600_000);

  it('names the scenario a worker could not replay', async () => {
    const err = await replayInWorkers(['no-such-scenario'], 1, { forMs }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplayFailed);
    expect(err).toMatchObject({ scenario: 'no-such-scenario', scenarioError: true });
  }, 120_000);
});
