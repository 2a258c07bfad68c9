/**
 * Live-mode time for the simulator (`kubetriage sim --speed N`): virtual time that starts at a
 * given instant (the scenario's date) and runs N times faster than the wall clock, so a watcher
 * pointed at the simulated cluster sees an outage unfold at a watchable pace.
 */
import type { Clock, Timer } from './clock.ts';
import { delayOf, type EveryOptions, every, TimerQueue } from './virtual-clock.ts';

/** setTimeout treats longer delays as 1 ms; long waits are taken in pieces instead. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export interface PacedClockOptions {
  /** Virtual milliseconds per wall millisecond; default 1. */
  speed?: number;
}

function checkedSpeed(speed: number): number {
  if (!(speed > 0 && Number.isFinite(speed))) {
    throw new RangeError(`PacedClock: speed must be a positive number, got ${speed}`);
  }
  return speed;
}

/** Monotonic wall time, so a system clock step (NTP) neither stalls nor rushes the simulation. */
function wallNow(): number {
  return performance.now();
}

/**
 * A Clock whose `now()` is `startMs` plus wall time elapsed since construction times `speed`,
 * excluding time spent paused. Timers live in virtual time in one queue, ordered by (time,
 * scheduling order) like VirtualClock's. A single real timer is armed for the earliest, so
 * changing speed or pausing re-times every pending timer at once.
 *
 * Like RealClock, timers from `after()` never keep the process alive on their own and pending
 * `sleep()`s do.
 */
export class PacedClock implements Clock {
  private readonly queue = new TimerQueue();
  /** Virtual time at `anchorWall`; while paused, the frozen time. */
  private anchorVirtual: number;
  private anchorWall: number;
  private rate: number;
  private paused = false;
  /** Pending sleeps; while there are any, the real timer holds the process open. */
  private sleepers = 0;
  private wake: NodeJS.Timeout | undefined;
  private wakeImmediate: NodeJS.Immediate | undefined;
  /** Virtual time the armed real timer is for; Infinity when none is armed. */
  private wakeAt = Number.POSITIVE_INFINITY;

  constructor(startMs: number, options: PacedClockOptions = {}) {
    if (!Number.isFinite(startMs)) throw new RangeError(`PacedClock: start must be finite, got ${startMs}`);
    this.rate = checkedSpeed(options.speed ?? 1);
    this.anchorVirtual = startMs;
    this.anchorWall = wallNow();
  }

  now(): number {
    if (this.paused) return this.anchorVirtual;
    return this.anchorVirtual + (wallNow() - this.anchorWall) * this.rate;
  }

  after(ms: number, fn: () => void): Timer {
    const at = this.now() + delayOf(ms);
    const timer = this.queue.add(at, fn);
    if (at < this.wakeAt) this.arm();
    return timer;
  }

  sleep(ms: number): Promise<void> {
    this.sleepers++;
    const done = new Promise<void>((resolve) => {
      this.after(ms, () => {
        this.sleepers--;
        resolve();
      });
    });
    // The real timer may be armed for an earlier after() and so not hold the process open yet.
    this.holdOpen();
    return done;
  }

  /** Periodic task on this clock; see `every` in virtual-clock.ts. */
  every(ms: number, fn: () => void, options: EveryOptions = {}): Timer {
    return every(this, ms, fn, options);
  }

  get speed(): number {
    return this.rate;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Timers neither fired nor cancelled. */
  get pending(): number {
    return this.queue.size;
  }

  /** Changes the pace from this instant on; `now()` continues from where it is. */
  setSpeed(speed: number): void {
    const rate = checkedSpeed(speed);
    if (!this.paused) {
      this.anchorVirtual = this.now();
      this.anchorWall = wallNow();
    }
    this.rate = rate;
    this.arm();
  }

  /** Freezes `now()` and holds every timer until `resume()`. */
  pause(): void {
    if (this.paused) return;
    this.anchorVirtual = this.now();
    this.paused = true;
    this.disarm();
  }

  resume(): void {
    if (!this.paused) return;
    this.anchorWall = wallNow();
    this.paused = false;
    this.arm();
  }

  /** Arms the one real timer for the earliest pending timer, replacing any armed before. */
  private arm(): void {
    this.disarm();
    if (this.paused) return;
    const at = this.queue.peekAt();
    if (at === undefined) return;
    this.wakeAt = at;
    const wait = (at - this.now()) / this.rate;
    // An overdue timer runs on the next turn of the event loop, not after setTimeout's 1 ms
    // minimum, which at high speed would be seconds of virtual time.
    if (wait <= 0) this.wakeImmediate = setImmediate(this.onWake);
    else this.wake = setTimeout(this.onWake, Math.min(Math.ceil(wait), MAX_TIMEOUT_MS));
    this.holdOpen();
  }

  /** Makes the armed real timer keep the process alive exactly while a sleep is pending. */
  private holdOpen(): void {
    // An unref'd immediate does not stop the event loop from blocking in its poll phase,
    // so overdue timers would run only when something else woke the loop. It lasts one
    // turn, so keeping it referenced never holds the process open for long.
    if (this.wakeImmediate !== undefined) return;
    const handle = this.wake;
    if (handle === undefined) return;
    if (this.sleepers > 0) handle.ref();
    else handle.unref();
  }

  private disarm(): void {
    if (this.wake !== undefined) clearTimeout(this.wake);
    if (this.wakeImmediate !== undefined) clearImmediate(this.wakeImmediate);
    this.wake = undefined;
    this.wakeImmediate = undefined;
    this.wakeAt = Number.POSITIVE_INFINITY;
  }

  /**
   * Fires at most one due timer per wake-up, so each callback is its own macrotask, as with real
   * timers: promise work it starts finishes before the next timer fires, as under VirtualClock.
   */
  private readonly onWake = (): void => {
    this.wake = undefined;
    this.wakeImmediate = undefined;
    this.wakeAt = Number.POSITIVE_INFINITY;
    try {
      const at = this.queue.peekAt();
      // A wake-up can come early: the wait was rounded, capped at setTimeout's maximum, or
      // computed for a timer since cancelled. Then it only re-arms.
      if (at !== undefined && at <= this.now()) this.queue.take()();
    } finally {
      this.arm();
    }
  };
}
