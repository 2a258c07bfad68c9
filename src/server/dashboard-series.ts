/**
 * The dashboard's chart data: per pipeline round, how many of each symptom the cluster
 * shows (NotReady nodes, crash-looping pods, nodes whose kube-proxy sync fails, failed
 * probes, 5xx answers). Kept bounded whatever the run's length: when the buffer fills, each
 * pair of neighbouring points is merged into one (the worse of the two, so a spike is
 * never averaged away) and every later point covers twice the time. A three-day replay and
 * a month of live watching cost the same memory.
 */

export const seriesNames = [
  'notReadyNodes',
  'crashLoopPods',
  'proxySyncFailingNodes',
  'probeFailures',
  'http5xx',
] as const;
export type SeriesName = (typeof seriesNames)[number];
export type SignalSample = Record<SeriesName, number>;

export interface SeriesJson {
  /** Point times (ms since the epoch), oldest first. */
  atMs: number[];
  /** One array per series, aligned with `atMs`. */
  series: Record<SeriesName, number[]>;
  /** How many rounds each point now stands for. */
  roundsPerPoint: number;
}

export class SignalSeries {
  private readonly limit: number;
  private atMs: number[] = [];
  private values: SignalSample[] = [];
  /** Rounds folded into the newest point so far, and how many each point takes. */
  private pending = 0;
  private stride = 1;

  /** `limit` points at most (an even number; the buffer halves when full). */
  constructor(limit = 1_000) {
    this.limit = Math.max(2, limit - (limit % 2));
  }

  record(atMs: number, sample: SignalSample): void {
    const last = this.values.length - 1;
    if (this.pending > 0 && this.pending < this.stride) {
      this.atMs[last] = atMs;
      this.values[last] = worst(this.values[last], sample);
      this.pending++;
      return;
    }
    if (this.values.length === this.limit) this.halve();
    this.atMs.push(atMs);
    this.values.push({ ...sample });
    this.pending = 1;
  }

  private halve(): void {
    const atMs: number[] = [];
    const values: SignalSample[] = [];
    for (let i = 0; i < this.values.length; i += 2) {
      atMs.push(this.atMs[i + 1]);
      values.push(worst(this.values[i], this.values[i + 1]));
    }
    this.atMs = atMs;
    this.values = values;
    this.stride *= 2;
    this.pending = this.stride;
  }

  get size(): number {
    return this.values.length;
  }

  toJSON(): SeriesJson {
    const series = Object.fromEntries(seriesNames.map((n) => [n, this.values.map((v) => v[n])])) as Record<
      SeriesName,
      number[]
    >;
    return { atMs: [...this.atMs], series, roundsPerPoint: this.stride };
  }
}

function worst(a: SignalSample, b: SignalSample): SignalSample {
  const out = { ...a };
  for (const n of seriesNames) out[n] = Math.max(a[n], b[n]);
  return out;
}
