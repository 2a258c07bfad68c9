/**
 * One replay in a worker thread, for `replay --all --jobs N`: replays are independent and
 * CPU-bound, so on N cores N of them run at once. Receives scenario names one at a time and
 * answers each with its report (or why it could not be replayed), with progress in between.
 */
import { parentPort } from 'node:worker_threads';
import { ScenarioError } from '../sim/scenario/loader.ts';
import { replayAndScore } from './commands/replay.ts';
import type { ReplayFromWorker, ReplayToWorker } from './replay-pool.ts';

const port = parentPort;
if (!port) throw new Error('replay-worker.ts runs only as a worker thread');

port.on('message', async (m: ReplayToWorker) => {
  const post = (msg: ReplayFromWorker) => port.postMessage(msg);
  try {
    const report = await replayAndScore(m.name, {
      forMs: m.forMs,
      onProgress: (p) => post({ kind: 'progress', name: m.name, ...p }),
    });
    post({ kind: 'done', name: m.name, report });
  } catch (err) {
    post({
      kind: 'failed',
      name: m.name,
      message: (err as Error).message,
      scenarioError: err instanceof ScenarioError,
    });
  }
});
