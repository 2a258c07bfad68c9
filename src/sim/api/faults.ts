/**
 * Protocol-level faults, switchable while the server runs: the API endpoint refusing
 * connections or accepting and never answering, slow answers, a share of requests
 * answered 429 (with Retry-After) or 5xx, watch streams dropped, history compacted. They
 * serve the behaviour model (an API server outage) and the reflector reliability tests.
 * Error injection uses a seeded generator so a test sees the same sequence every run.
 */

export type Unreachable = 'refuse' | 'hang';

export interface ErrorRate {
  /** Share of requests to fail, 0..1. */
  rate: number;
  code: 429 | 500 | 503;
  /** Sent as Retry-After (and details.retryAfterSeconds) with 429s. */
  retryAfterSeconds?: number;
}

export interface FaultState {
  unreachable?: Unreachable;
  latencyMs?: number;
  errors?: ErrorRate;
  /** Only requests whose path starts with one of these are affected (all when unset). */
  paths?: string[];
}

export class ProtocolFaults {
  private state: FaultState = {};
  /** What the control plane itself closes (no kube-apiserver listening), over what is injected. */
  private closedBy: Unreachable | undefined;
  private merged: FaultState = {};
  private seed: number;
  private readonly listeners = new Set<(s: FaultState) => void>();

  constructor(seed = 1) {
    this.seed = seed >>> 0 || 1;
  }

  /** Everything that holds now: the injected faults and the control plane's own closure. */
  get current(): Readonly<FaultState> {
    return this.merged;
  }

  /** Only what `set` injected, for code that changes one part of it. */
  get injected(): Readonly<FaultState> {
    return this.state;
  }

  set(state: FaultState): void {
    this.state = { ...state };
    this.publish();
  }

  /** The control-plane model: no replica listens (`refuse`), or one listens again (undefined). */
  setClosedByControlPlane(mode: Unreachable | undefined): void {
    if (mode === this.closedBy) return;
    this.closedBy = mode;
    this.publish();
  }

  private publish(): void {
    this.merged =
      this.closedBy && !this.state.unreachable ? { ...this.state, unreachable: this.closedBy } : this.state;
    for (const l of this.listeners) l(this.merged);
  }

  clear(): void {
    this.set({});
  }

  onChange(listener: (s: FaultState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  applies(path: string): boolean {
    const p = this.state.paths;
    return !p || p.some((prefix) => path.startsWith(prefix));
  }

  /** Whether this request should get an injected error; advances the seeded sequence. */
  rollError(): ErrorRate | undefined {
    const e = this.state.errors;
    if (!e || e.rate <= 0) return undefined;
    return this.random() < e.rate ? e : undefined;
  }

  /** xorshift32: tiny, seedable, good enough to spread injected errors. */
  private random(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed / 0x1_0000_0000;
  }
}
