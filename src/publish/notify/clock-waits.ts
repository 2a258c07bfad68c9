/**
 * Waits on the injected clock that a closing sender can cut short: backoff between retries
 * and rate-limit pauses must end at once on shutdown, not hold the process for a minute.
 */
import type { Clock } from '../../time/clock.ts';

export class ClockWaits {
  private readonly clock: Clock;
  private readonly stops = new Set<() => void>();

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Resolves true after `ms` of clock time, or false at once when `stopAll` is called. */
  wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        this.stops.delete(stop);
        timer.cancel();
        resolve(ok);
      };
      const stop = (): void => done(false);
      const timer = this.clock.after(ms, () => done(true));
      this.stops.add(stop);
    });
  }

  stopAll(): void {
    for (const stop of [...this.stops]) stop();
  }
}
