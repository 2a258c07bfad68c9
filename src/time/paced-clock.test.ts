/**
 * Tests for PacedClock. Fake timers stand in for the wall clock (performance.now, setTimeout,
 * setImmediate), so pacing is checked exactly and no test waits in real time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PacedClock } from './paced-clock.ts';

const START = Date.UTC(2026, 10, 21, 6, 0, 0);

describe('PacedClock with fake timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const speeds = [1, 10, 0.5, 60];

  for (const speed of speeds) {
    it(`speed ${speed}: now runs ${speed}x the wall clock from the start instant`, () => {
      const clock = new PacedClock(START, { speed });
      expect(clock.now()).toBe(START);
      vi.advanceTimersByTime(1000);
      expect(clock.now()).toBe(START + 1000 * speed);
    });

    it(`speed ${speed}: a timer fires after its delay divided by speed`, () => {
      const clock = new PacedClock(START, { speed });
      const firedAt: number[] = [];
      clock.after(6000, () => firedAt.push(clock.now()));
      const wallMs = 6000 / speed;
      vi.advanceTimersByTime(wallMs - 1);
      expect(firedAt).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(firedAt).toEqual([START + 6000]);
      expect(clock.pending).toBe(0);
    });
  }

  it('fires in time order, equal times in scheduling order, skipping cancelled ones', () => {
    const clock = new PacedClock(START, { speed: 10 });
    const log: string[] = [];
    clock.after(500, () => log.push('b'));
    clock.after(100, () => log.push('a'));
    clock.after(500, () => log.push('c'));
    clock.after(300, () => log.push('x')).cancel();
    vi.advanceTimersByTime(100);
    expect(log).toEqual(['a', 'b', 'c']);
  });

  it('runs an overdue timer on the next loop turn, not after a 1 ms minimum', () => {
    const clock = new PacedClock(START, { speed: 1000 });
    // Fake timers do not model setTimeout's 1 ms minimum (a full second at this speed), so
    // check the clock asks for the next loop turn instead.
    const immediate = vi.spyOn(globalThis, 'setImmediate');
    let firedAt: number | undefined;
    clock.after(0, () => {
      firedAt = clock.now();
    });
    expect(immediate).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(0);
    expect(firedAt).toBe(START);
    immediate.mockRestore();
  });

  it('lets promise work started by one timer finish before the next fires', async () => {
    const clock = new PacedClock(START, { speed: 1 });
    const log: string[] = [];
    clock.after(100, () => {
      void Promise.resolve()
        .then(() => undefined)
        .then(() => log.push('a, later'));
      log.push('a');
    });
    clock.after(100, () => log.push('b'));
    // One more fake millisecond: fake timers run an immediate created during a tick 1 ms later,
    // where Node runs it on the next loop turn.
    await vi.advanceTimersByTimeAsync(101);
    expect(log).toEqual(['a', 'a, later', 'b']);
  });

  it('completes a chain of sleeps at the paced times', async () => {
    const clock = new PacedClock(START, { speed: 10 });
    const seen: number[] = [];
    const chain = (async () => {
      await clock.sleep(1000);
      seen.push(clock.now());
      await clock.sleep(1000);
      seen.push(clock.now());
    })();
    await vi.advanceTimersByTimeAsync(200);
    await chain;
    expect(seen).toEqual([START + 1000, START + 2000]);
  });

  it('changes speed without a jump and re-times pending timers', () => {
    const clock = new PacedClock(START, { speed: 1 });
    const firedAt: number[] = [];
    clock.after(10_000, () => firedAt.push(clock.now()));
    vi.advanceTimersByTime(1000);
    clock.setSpeed(10);
    expect(clock.now()).toBe(START + 1000);
    expect(clock.speed).toBe(10);
    // 9 s of virtual time left, at 10x: 900 ms.
    vi.advanceTimersByTime(899);
    expect(firedAt).toEqual([]);
    expect(clock.now()).toBe(START + 1000 + 8990);
    vi.advanceTimersByTime(1);
    expect(firedAt).toEqual([START + 10_000]);
  });

  it('refuses a speed that is not positive and finite', () => {
    const clock = new PacedClock(START);
    for (const speed of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => clock.setSpeed(speed)).toThrow(RangeError);
      expect(() => new PacedClock(START, { speed })).toThrow(RangeError);
    }
  });

  it('pause freezes time and holds timers; resume continues where it stopped', () => {
    const clock = new PacedClock(START, { speed: 2 });
    const firedAt: number[] = [];
    clock.after(4000, () => firedAt.push(clock.now()));
    vi.advanceTimersByTime(1000);
    clock.pause();
    expect(clock.isPaused).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(clock.now()).toBe(START + 2000);
    expect(firedAt).toEqual([]);
    // Timers scheduled while paused count from the frozen time.
    clock.after(1000, () => firedAt.push(clock.now()));
    // Speed may change while paused; it applies from resume.
    clock.setSpeed(4);
    expect(clock.now()).toBe(START + 2000);
    clock.resume();
    vi.advanceTimersByTime(250);
    expect(firedAt).toEqual([START + 3000]);
    vi.advanceTimersByTime(250);
    expect(firedAt).toEqual([START + 3000, START + 4000]);
  });

  it('waits out delays longer than setTimeout can take in one piece', () => {
    const clock = new PacedClock(START, { speed: 1 });
    const maxTimeout = 2 ** 31 - 1;
    const delay = 40 * 24 * 3_600_000;
    let fired = false;
    clock.after(delay, () => {
      fired = true;
    });
    // setTimeout would treat 40 days as 1 ms; the clock takes the longest wait it can instead.
    vi.advanceTimersToNextTimer();
    expect([fired, clock.now() - START]).toEqual([false, maxTimeout]);
    vi.advanceTimersToNextTimer();
    expect([fired, clock.now() - START]).toEqual([true, delay]);
  });

  it('repeats with every at the paced interval', () => {
    const clock = new PacedClock(START, { speed: 10 });
    const at: number[] = [];
    const timer = clock.every(1000, () => at.push(clock.now() - START));
    vi.advanceTimersByTime(350);
    timer.cancel();
    vi.advanceTimersByTime(1000);
    expect(at).toEqual([1000, 2000, 3000]);
  });
});

describe('PacedClock and process lifetime', () => {
  /** Real timers that keep the event loop alive; fake timers would not show up here. */
  const keepingAlive = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  it('keeps the process alive for a pending sleep but not for after()', () => {
    const before = keepingAlive();
    const clock = new PacedClock(START);
    clock.after(3_600_000, () => {});
    expect(keepingAlive()).toBe(before);
    void clock.sleep(3_600_000);
    expect(keepingAlive()).toBe(before + 1);
    clock.pause();
    expect(keepingAlive()).toBe(before);
  });
});
