/**
 * A bounded, append-only log that forgets its oldest entries: history must never grow
 * without bound, however long an outage lasts.
 */

export class Ring<T> {
  private items: T[] = [];
  private head = 0;
  private readonly limit: number;
  /** Entries dropped so far because the ring was full. */
  dropped = 0;

  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  push(item: T): void {
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

  /** Newest first, at most `n`. */
  latest(n: number): T[] {
    const out: T[] = [];
    for (let i = this.items.length - 1; i >= this.head && out.length < n; i--) out.push(this.items[i]);
    return out;
  }
}
