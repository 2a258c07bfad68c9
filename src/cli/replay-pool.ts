/**
 * `replay --all` on several cores: scenarios are handed to `jobs` worker threads one at a
 * time (the longest take minutes; a fixed split would leave a core idle), and the reports
 * come back in the order the scenarios were given, whatever order they finish in.
 */
import { Worker } from 'node:worker_threads';
import type { ReplayReport } from './replay-score.ts';

export interface ReplayProgress {
  /** Virtual time reached since the scenario's start, in seconds. */
  virtualSeconds: number;
  /** Incidents opened so far. */
  incidents: number;
}

/** A scenario to replay; `forMs` cuts it short (tests). */
export type ReplayToWorker = { name: string; forMs?: number };
export type ReplayFromWorker =
  | ({ kind: 'progress'; name: string } & ReplayProgress)
  | { kind: 'done'; name: string; report: ReplayReport }
  | { kind: 'failed'; name: string; message: string; scenarioError: boolean };

/** A scenario a worker could not replay: its name, and whether its file was at fault. */
export class ReplayFailed extends Error {
  readonly scenario: string;
  readonly scenarioError: boolean;
  constructor(scenario: string, message: string, scenarioError: boolean) {
    super(message);
    this.scenario = scenario;
    this.scenarioError = scenarioError;
  }
}

export interface PoolEvents {
  onStart?: (name: string) => void;
  onProgress?: (name: string, p: ReplayProgress) => void;
  onDone?: (report: ReplayReport, finished: number) => void;
}

export async function replayInWorkers(
  names: readonly string[],
  jobs: number,
  events: PoolEvents & { forMs?: number } = {},
): Promise<ReplayReport[]> {
  const reports = new Array<ReplayReport | undefined>(names.length);
  let next = 0;
  let finished = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let running = 0;
      const feed = (w: Worker) => {
        if (next >= names.length) {
          if (running === 0) resolve();
          return;
        }
        const i = next++;
        running++;
        events.onStart?.(names[i]);
        const onMessage = (m: ReplayFromWorker) => {
          if (m.kind === 'progress') return events.onProgress?.(m.name, m);
          w.off('message', onMessage);
          running--;
          if (m.kind === 'failed') return reject(new ReplayFailed(m.name, m.message, m.scenarioError));
          reports[i] = m.report;
          events.onDone?.(m.report, ++finished);
          feed(w);
        };
        w.on('message', onMessage);
        w.postMessage({ name: names[i], forMs: events.forMs } satisfies ReplayToWorker);
      };
      for (let k = 0; k < Math.min(jobs, names.length); k++) {
        const w = new Worker(new URL('./replay-worker.ts', import.meta.url));
        w.on('error', reject);
        w.on('exit', (code) => {
          if (code !== 0) reject(new Error(`a replay worker exited with code ${code}`));
        });
        workers.push(w);
        feed(w);
      }
      if (names.length === 0) resolve();
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return reports as ReplayReport[];
}
