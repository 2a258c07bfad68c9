/**
 * Another clock's time shifted by an offset that may change (the API server's clock as
 * read from its Date headers). Timers still run on the base clock's pace.
 */
import type { Clock, Timer } from './clock.ts';

export class OffsetClock implements Clock {
  private readonly base: Clock;
  private readonly offset: () => number;

  constructor(base: Clock, offset: () => number) {
    this.base = base;
    this.offset = offset;
  }

  now(): number {
    return this.base.now() + this.offset();
  }

  after(ms: number, fn: () => void): Timer {
    return this.base.after(ms, fn);
  }

  sleep(ms: number): Promise<void> {
    return this.base.sleep(ms);
  }
}
