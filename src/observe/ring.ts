/**
 * A bounded, append-only log that forgets its oldest entries: history must never grow
 * without bound, however long an outage lasts.
 */

export class Ring<T extends { atMs: number }> {
  private items: T[] = [];
  private head = 0;
  private readonly limit: number;
  /** Entries dropped so far because the ring was full. */
  dropped = 0;
  /**
   * The push count after the last entry that came earlier than the one before it: until it
   * is dropped, a time window cannot be found by bisection.
   */
  private unorderedUntil = 0;

  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  push(item: T): void {
    const last = this.items[this.items.length - 1];
    if (last !== undefined && this.items.length > this.head && item.atMs < last.atMs)
      this.unorderedUntil = this.pushed + 1;
    this.items.push(item);
    if (this.items.length - this.head > this.limit) {
      this.head++;
      this.dropped++;
      // Compact now and then instead of shifting on every push.
      if (this.head >= this.limit) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
    }
  }

  get size(): number {
    return this.items.length - this.head;
  }

  toArray(): T[] {
    return this.items.slice(this.head);
  }

  /** Entries pushed so far, dropped ones included: where the next push will count from. */
  get pushed(): number {
    return this.dropped + this.size;
  }

  /** The entries still held that were pushed after the first `count`, oldest first. */
  since(count: number): T[] {
    return this.items.slice(this.head + Math.max(0, count - this.dropped));
  }

  /**
   * The entries held with `fromMs <= atMs <= toMs`, oldest first. Detectors ask this every
   * round for a window much shorter than the ring: while the entries are in time order (as
   * observations arrive) it bisects instead of copying and filtering the whole ring.
   */
  within(fromMs: number, toMs: number): T[] {
    if (this.unorderedUntil > this.dropped)
      return this.toArray().filter((t) => t.atMs >= fromMs && t.atMs <= toMs);
    const start = this.firstAtOrAfter(fromMs);
    let end = start;
    while (end < this.items.length && this.items[end].atMs <= toMs) end++;
    return this.items.slice(start, end);
  }

  /** The earliest time among the entries held, or undefined when it holds none. */
  earliestMs(): number | undefined {
    if (this.size === 0) return undefined;
    if (this.unorderedUntil <= this.dropped) return this.items[this.head].atMs;
    let min = Number.POSITIVE_INFINITY;
    for (let i = this.head; i < this.items.length; i++) min = Math.min(min, this.items[i].atMs);
    return min;
  }

  private firstAtOrAfter(ms: number): number {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid].atMs < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Newest first, at most `n`. */
  latest(n: number): T[] {
    const out: T[] = [];
    for (let i = this.items.length - 1; i >= this.head && out.length < n; i--) out.push(this.items[i]);
    return out;
  }
}
