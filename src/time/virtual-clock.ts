/**
 * Virtual time for replays: a discrete-event scheduler that runs the simulator and the whole
 * pipeline on one clock, event by event, so a three-day outage replays in seconds and gives the
 * same result every run. Detection latency is measured in this clock's time.
 *
 * Also home to the pieces PacedClock shares: the timer queue, `every` for periodic tasks and
 * `seededRandom` for deterministic jitter.
 */
import type { Clock, Timer } from './clock.ts';

/**
 * One scheduled callback. It is also the Timer handed back to the caller, so scheduling costs a
 * single allocation. `fn` is cleared once the timer fires or is cancelled.
 */
class ScheduledTimer implements Timer {
  readonly at: number;
  readonly seq: number;
  fn: (() => void) | undefined;
  private readonly queue: TimerQueue;

  constructor(at: number, seq: number, fn: () => void, queue: TimerQueue) {
    this.at = at;
    this.seq = seq;
    this.fn = fn;
    this.queue = queue;
  }

  cancel(): void {
    if (this.fn === undefined) return;
    this.fn = undefined;
    this.queue.cancelled();
  }
}

/** Strict order on timers: by time, then by scheduling order, so equal-time timers never tie. */
function earlier(a: ScheduledTimer, b: ScheduledTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Bounds compaction work: small heaps are never worth rebuilding. */
const COMPACT_MIN_STALE = 1024;

/**
 * A binary min-heap of timers ordered by (time, insertion sequence). Cancelling is O(1): the
 * entry is only marked and is dropped when it reaches the top, and the heap is rebuilt when
 * cancelled entries outnumber live ones, so a workload that schedules and cancels timeouts
 * forever (watch timeouts, backoff) does not grow the heap without bound.
 */
export class TimerQueue {
  private heap: ScheduledTimer[] = [];
  private seq = 0;
  private live = 0;
  private stale = 0;

  /** Timers neither fired nor cancelled. */
  get size(): number {
    return this.live;
  }

  add(at: number, fn: () => void): Timer {
    const entry = new ScheduledTimer(at, this.seq++, fn, this);
    this.live++;
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent];
      if (earlier(above, entry)) break;
      heap[i] = above;
      i = parent;
    }
    heap[i] = entry;
    return entry;
  }

  /** Time of the earliest live timer, or undefined when none is left. */
  peekAt(): number | undefined {
    const heap = this.heap;
    while (heap.length > 0 && heap[0].fn === undefined) {
      this.removeTop();
      this.stale--;
    }
    return heap.length > 0 ? heap[0].at : undefined;
  }

  /**
   * Removes the earliest live timer and returns its callback. Only call right after `peekAt()`
   * returned a time: that call has already dropped cancelled entries from the top.
   */
  take(): () => void {
    const entry = this.heap[0];
    const fn = entry.fn!;
    entry.fn = undefined;
    this.live--;
    this.removeTop();
    return fn;
  }

  /** Called by a timer's cancel(). */
  cancelled(): void {
    this.live--;
    this.stale++;
    if (this.stale >= COMPACT_MIN_STALE && this.stale > this.live) this.compact();
  }

  private removeTop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length > 0) this.siftDown(last, 0);
  }

  /** Places `entry` at hole `i` or below, moving earlier children up. */
  private siftDown(entry: ScheduledTimer, i: number): void {
    const heap = this.heap;
    const n = heap.length;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && earlier(heap[child + 1], heap[child])) child++;
      if (!earlier(heap[child], entry)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = entry;
  }

  private compact(): void {
    this.heap = this.heap.filter((entry) => entry.fn !== undefined);
    this.stale = 0;
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(this.heap[i], i);
  }
}

/** Negative and NaN delays mean "as soon as possible", as they do for setTimeout. */
export function delayOf(ms: number): number {
  return ms > 0 ? ms : 0;
}

export interface EveryOptions {
  /**
   * Milliseconds added to each interval (may be negative), asked once per interval; an
   * interval never drops below zero. Pass a `seededRandom` source to keep replays repeatable.
   */
  jitter?: () => number;
}

/**
 * Runs `fn` every `ms` milliseconds of `clock` time, first after one interval (like
 * setInterval; kubelet heartbeats, lease renewals). Works on any Clock, so simulator code does
 * not care whether it runs under a VirtualClock or a PacedClock.
 */
export function every(clock: Clock, ms: number, fn: () => void, options: EveryOptions = {}): Timer {
  if (!(ms > 0 && Number.isFinite(ms))) throw new RangeError(`every: interval must be positive, got ${ms}`);
  const { jitter } = options;
  let current: Timer;
  const arm = (): void => {
    current = clock.after(jitter === undefined ? ms : ms + jitter(), tick);
  };
  const tick = (): void => {
    // Re-arm before calling fn: a throwing fn does not silently end the heartbeat, and fn may
    // cancel the returned handle, which then cancels the interval just armed.
    arm();
    fn();
  };
  arm();
  return { cancel: () => current.cancel() };
}

/**
 * A deterministic source of numbers in [0, 1) (mulberry32): small, fast and good enough for
 * jitter and simulated failures; not for anything secret.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface VirtualClockOptions {
  /**
   * Drain rounds after each firing (see VirtualClock). One is exact for code built on promises
   * alone; each further round lets work one more `process.nextTick` hop deep (Node streams,
   * some event-emitter libraries) finish before time moves on, at about 180 ns per firing.
   */
  settleRounds?: number;
  /**
   * Let the real event loop run once every this many firings (0: never) so a long replay still
   * flushes output streams and hears signals.
   */
  yieldEvery?: number;
}

/** Captured at load so a test that fakes timers or ticks cannot stall a replay. */
const realSetImmediate = setImmediate;
const realNextTick = process.nextTick;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

/**
 * Resolves once the microtask queue is empty. Node runs a tick queued from inside a microtask
 * only after V8 has drained the whole microtask queue, including jobs queued while draining.
 * Called from synchronous code the tick would run before pending microtasks, so callers must
 * already be inside a microtask (after an `await`).
 */
function drained(): Promise<void> {
  return new Promise((resolve) => realNextTick(resolve));
}

/**
 * A Clock whose time moves only inside `runUntil`, `runFor` and `step`, jumping from one timer
 * to the next.
 *
 * Settling. A timer's callback usually resumes async code (a `sleep()` resolves, a watch event
 * is delivered), and that code runs in later microtasks. It must finish before time moves on, or
 * it would see a later `now()` and schedule its next timers too late. JavaScript cannot ask
 * whether the microtask queue is empty. A macrotask (setImmediate) is sure to run after the
 * queue drains, but costs about 0.8 µs, too slow for millions of timers. Awaiting a fixed number
 * of resolved promises is cheap per turn (~40 ns) but only drains chains shorter than that
 * number, and async code nests deeper than one expects. Instead, after each firing the clock
 * waits on `process.nextTick` (~180 ns): Node runs a tick queued from a microtask only once the
 * microtask queue is empty, however deep the chains. Ticks run in order, though, and a tick that
 * someone else queued after ours (streams use them) may start new promise work that runs after
 * our wake-up; `settleRounds` repeats the barrier to cover such hops. Code that awaits real I/O
 * is outside virtual time and will see time run ahead.
 *
 * Microtask order is deterministic and nothing here reads the wall clock, so the same replay
 * fires the same timers in the same order and observes the same times on every run.
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly queue = new TimerQueue();
  private readonly settleRounds: number;
  private readonly yieldEvery: number;
  private running = false;

  constructor(startMs = Date.UTC(2026, 0, 1), options: VirtualClockOptions = {}) {
    if (!Number.isFinite(startMs)) throw new RangeError(`VirtualClock: start must be finite, got ${startMs}`);
    this.current = startMs;
    this.settleRounds = Math.max(1, options.settleRounds ?? 1);
    this.yieldEvery = Math.max(0, options.yieldEvery ?? 4096);
  }

  now(): number {
    return this.current;
  }

  after(ms: number, fn: () => void): Timer {
    return this.queue.add(this.current + delayOf(ms), fn);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.queue.add(this.current + delayOf(ms), resolve);
    });
  }

  /** Periodic task on this clock; see the `every` function. */
  every(ms: number, fn: () => void, options: EveryOptions = {}): Timer {
    return every(this, ms, fn, options);
  }

  /** Timers neither fired nor cancelled. */
  get pending(): number {
    return this.queue.size;
  }

  /** When the next timer is due, or undefined when none is pending. */
  get nextAt(): number | undefined {
    return this.queue.peekAt();
  }

  /**
   * Fires, in order, every timer due at or before `tMs`, including ones scheduled during the run,
   * then sets now to `tMs` (time never goes back). Resolves to the number of timers fired. If a
   * callback throws, the run stops there with now at that timer's time and the error rejects.
   */
  async runUntil(tMs: number): Promise<number> {
    if (!Number.isFinite(tMs)) throw new RangeError(`VirtualClock: runUntil needs a finite time, got ${tMs}`);
    this.enter();
    try {
      // Code started just before the run may need a few turns to reach its first timer.
      await undefined;
      await this.settle();
      let fired = 0;
      let untilYield = this.yieldEvery;
      for (let at = this.queue.peekAt(); at !== undefined && at <= tMs; at = this.queue.peekAt()) {
        this.current = at;
        fired++;
        this.queue.take()();
        // settle(), inlined: this loop is the hot path of every replay.
        for (let round = 0; round < this.settleRounds; round++) await drained();
        if (--untilYield === 0) {
          untilYield = this.yieldEvery;
          await yieldToEventLoop();
        }
      }
      if (tMs > this.current) this.current = tMs;
      return fired;
    } finally {
      this.running = false;
    }
  }

  /** `runUntil(now + ms)`. */
  runFor(ms: number): Promise<number> {
    return this.runUntil(this.current + delayOf(ms));
  }

  /** Fires the next timer, moving now to its time. Resolves false when no timer is pending. */
  async step(): Promise<boolean> {
    this.enter();
    try {
      await undefined;
      await this.settle();
      const at = this.queue.peekAt();
      if (at === undefined) return false;
      this.current = at;
      this.queue.take()();
      await this.settle();
      return true;
    } finally {
      this.running = false;
    }
  }

  /** Two runs at once would interleave their firings and break ordering; refuse instead. */
  private enter(): void {
    if (this.running) throw new Error('VirtualClock: a run is already in progress');
    this.running = true;
  }

  /** Lets code resumed by the last firing run (see VirtualClock). Call only from a microtask. */
  private async settle(): Promise<void> {
    for (let round = 0; round < this.settleRounds; round++) await drained();
  }
}
