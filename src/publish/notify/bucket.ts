/**
 * A token bucket per target: up to `perMinute` messages in a burst, refilled evenly over the
 * minute. Chat services throttle bursts (Slack allows about one message a second per hook),
 * and an outage touching many incidents must not flood a channel.
 */
export class TokenBucket {
  private readonly capacity: number;
  private readonly perMs: number;
  private tokens: number;
  private atMs: number;

  constructor(perMinute: number, nowMs: number) {
    this.capacity = Math.max(1, perMinute);
    this.perMs = this.capacity / 60_000;
    this.tokens = this.capacity;
    this.atMs = nowMs;
  }

  /** Takes a token and returns 0, or returns how long until one is free (taking nothing). */
  take(nowMs: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + Math.max(0, nowMs - this.atMs) * this.perMs);
    this.atMs = Math.max(this.atMs, nowMs);
    // The epsilon keeps float dust (refills are fractions of a token per ms) from denying a
    // token that is due, or from asking for a wait of a millisecond more.
    if (this.tokens >= 1 - 1e-9) {
      this.tokens = Math.max(0, this.tokens - 1);
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perMs - 1e-6));
  }
}
