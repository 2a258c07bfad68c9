/**
 * Runs an async task on a fixed cadence on the one clock, never overlapping itself: a
 * probe that hangs for longer than its interval delays the next run instead of piling up.
 */
import type { Clock, Timer } from '../time/clock.ts';

export class Poller {
  private timer: Timer | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly task: () => Promise<void>;

  constructor(clock: Clock, intervalMs: number, task: () => Promise<void>) {
    this.clock = clock;
    this.intervalMs = intervalMs;
    this.task = task;
  }

  start(): void {
    this.stopped = false;
    this.tick();
  }

  /** Runs the task once now (used for a first reading before the cadence begins). */
  runOnce(): Promise<void> {
    return this.task();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
  }

  private tick(): void {
    if (this.stopped) return;
    this.running = this.task()
      .catch(() => {
        // Tasks report their own failures as observations; a throw must not stop the cadence.
      })
      .finally(() => {
        this.running = undefined;
        if (!this.stopped) this.timer = this.clock.after(this.intervalMs, () => this.tick());
      });
  }
}
