/**
 * The kernel's I/O pressure averages for one simulated disk. PSI keeps, per resource, the
 * share of time some (or every) runnable task waited on it, as exponentially decaying running
 * averages over 10 s, 60 s and 300 s (Documentation/accounting/psi.rst, kernel/sched/psi.c
 * calc_avgs). The model's disk is either saturated or not; while saturated the stall shares
 * head for the levels a saturated disk shows, and after it they decay, with the 60 s
 * window's time constant, towards an idle disk's. So `full avg60` rises past 30 % about 40 s
 * into a stall and falls under 10 % about 2 min after it, as on a node.
 */

/** Stall shares (percent of wall time) a saturated and an idle disk settle at. */
const saturated = { some: 93.27, full: 61.84 };
const idle = { some: 0.31, full: 0.02 };
const windowMs = 60_000;

export class PressureAverage {
  private fromMs: number;
  private start = { ...idle };
  private target = idle;
  private stalled = false;
  /** Microseconds some task stalled, up to `fromMs` (the `total=` field). */
  private totalUs = 0;

  constructor(nowMs: number) {
    this.fromMs = nowMs;
  }

  /** The disk is (or is no longer) saturated from `nowMs`. */
  set(stalled: boolean, nowMs: number): void {
    if (stalled === this.stalled) return;
    const now = this.at(nowMs);
    this.totalUs = now.totalUs;
    this.start = { some: now.some, full: now.full };
    this.fromMs = nowMs;
    this.stalled = stalled;
    this.target = stalled ? saturated : idle;
  }

  /** The 60 s averages and the stall total at `nowMs`. */
  at(nowMs: number): { some: number; full: number; totalUs: number } {
    const dt = Math.max(0, nowMs - this.fromMs);
    const keep = Math.exp(-dt / windowMs);
    const some = this.target.some + (this.start.some - this.target.some) * keep;
    const full = this.target.full + (this.start.full - this.target.full) * keep;
    return { some, full, totalUs: this.totalUs + (this.target.some / 100) * dt * 1000 };
  }
}
