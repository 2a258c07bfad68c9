/**
 * Tests for VirtualClock: firing order, how far async code gets between firings, periodic
 * tasks, and that a replay is the same every run.
 */
import { describe, expect, it } from 'vitest';
import type { Timer } from './clock.ts';
import { every, seededRandom, TimerQueue, VirtualClock } from './virtual-clock.ts';

const T0 = Date.UTC(2026, 10, 21, 6, 0, 0);

describe('VirtualClock ordering', () => {
  const cases: { name: string; delays: number[]; order: number[] }[] = [
    { name: 'by time', delays: [30, 10, 20], order: [1, 2, 0] },
    { name: 'equal times in scheduling order', delays: [5, 5, 5, 5], order: [0, 1, 2, 3] },
    { name: 'mixed', delays: [20, 10, 20, 10, 0], order: [4, 1, 3, 0, 2] },
    { name: 'negative and NaN delays mean now', delays: [1, -5, Number.NaN, 0], order: [1, 2, 3, 0] },
  ];
  for (const { name, delays, order } of cases) {
    it(name, async () => {
      const clock = new VirtualClock(T0);
      const fired: { i: number; at: number }[] = [];
      delays.forEach((ms, i) => {
        clock.after(ms, () => fired.push({ i, at: clock.now() }));
      });
      expect(await clock.runUntil(T0 + 100)).toBe(delays.length);
      expect(fired.map((f) => f.i)).toEqual(order);
      // Each callback sees exactly its own due time.
      for (const f of fired) expect(f.at).toBe(T0 + Math.max(0, delays[f.i] || 0));
      expect(clock.now()).toBe(T0 + 100);
    });
  }

  it('fires timers scheduled during the run, same-instant ones after those already due', async () => {
    const clock = new VirtualClock(T0);
    const log: string[] = [];
    clock.after(10, () => {
      log.push('a');
      clock.after(0, () => log.push('a+0'));
      clock.after(5, () => log.push('a+5'));
    });
    clock.after(10, () => log.push('b'));
    clock.after(12, () => log.push('c'));
    expect(await clock.runUntil(T0 + 100)).toBe(5);
    expect(log).toEqual(['a', 'b', 'a+0', 'c', 'a+5']);
  });

  it('leaves later timers pending and reports them', async () => {
    const clock = new VirtualClock(T0);
    const fired: number[] = [];
    for (const ms of [10, 50, 200, 300]) clock.after(ms, () => fired.push(ms));
    expect([clock.pending, clock.nextAt]).toEqual([4, T0 + 10]);
    expect(await clock.runUntil(T0 + 100)).toBe(2);
    expect(fired).toEqual([10, 50]);
    expect([clock.pending, clock.nextAt, clock.now()]).toEqual([2, T0 + 200, T0 + 100]);
    expect(await clock.runFor(150)).toBe(1);
    expect([clock.pending, clock.nextAt, clock.now()]).toEqual([1, T0 + 300, T0 + 250]);
    // Asking for a time already passed fires nothing and does not move time back.
    expect(await clock.runUntil(T0)).toBe(0);
    expect(clock.now()).toBe(T0 + 250);
  });

  it('does not fire cancelled timers', async () => {
    const clock = new VirtualClock(T0);
    const fired: string[] = [];
    const a = clock.after(10, () => fired.push('a'));
    const b = clock.after(20, () => fired.push('b'));
    clock.after(15, () => {
      fired.push('c');
      b.cancel(); // a later timer cancelled by an earlier one
    });
    a.cancel();
    a.cancel(); // twice is harmless
    expect(clock.pending).toBe(2);
    expect(clock.nextAt).toBe(T0 + 15);
    expect(await clock.runUntil(T0 + 100)).toBe(1);
    expect(fired).toEqual(['c']);
    expect(clock.pending).toBe(0);
    expect(clock.nextAt).toBeUndefined();
  });

  it('step fires one timer at a time', async () => {
    const clock = new VirtualClock(T0);
    const fired: number[] = [];
    clock.after(7, () => fired.push(7));
    clock.after(3, () => fired.push(3));
    const steps: [boolean, number][] = [];
    for (let i = 0; i < 3; i++) steps.push([await clock.step(), clock.now()]);
    expect(steps).toEqual([
      [true, T0 + 3],
      [true, T0 + 7],
      [false, T0 + 7],
    ]);
    expect(fired).toEqual([3, 7]);
  });
});

describe('VirtualClock and async code', () => {
  it('completes a chain of sleeps started before the run, each at its own time', async () => {
    const clock = new VirtualClock(T0);
    const seen: number[] = [];
    const chain = (async () => {
      await clock.sleep(10);
      seen.push(clock.now());
      await clock.sleep(10);
      seen.push(clock.now());
      return 'done';
    })();
    expect(await clock.runUntil(T0 + 100)).toBe(2);
    expect(seen).toEqual([T0 + 10, T0 + 20]);
    expect(await chain).toBe('done');
  });

  /** Awaits `depth` nested async calls, so that resuming takes many microtask turns. */
  async function nested(depth: number, inner: () => Promise<void>): Promise<void> {
    if (depth === 0) return inner();
    await nested(depth - 1, inner);
  }

  const deep: { name: string; run: (clock: VirtualClock, seen: number[]) => Promise<void> }[] = [
    {
      name: 'deeply nested async calls',
      run: async (clock, seen) => {
        for (let i = 0; i < 3; i++) {
          await nested(200, () => clock.sleep(10));
          seen.push(clock.now());
        }
      },
    },
    {
      name: 'long stretches of awaiting unrelated promises',
      run: async (clock, seen) => {
        for (let i = 0; i < 3; i++) {
          await clock.sleep(10);
          for (let k = 0; k < 500; k++) await Promise.resolve(k);
          seen.push(clock.now());
        }
      },
    },
    {
      name: 'a sleep reached only after unrelated awaits',
      run: async (clock, seen) => {
        for (let k = 0; k < 500; k++) await null;
        for (let i = 0; i < 3; i++) {
          await Promise.all([clock.sleep(10), Promise.resolve()]);
          seen.push(clock.now());
        }
      },
    },
  ];
  for (const { name, run } of deep) {
    it(`lets async code finish before time moves on: ${name}`, async () => {
      const clock = new VirtualClock(T0);
      // Competing timers: if the chain lagged behind, it would see one of their times instead.
      for (let ms = 1; ms <= 100; ms++) clock.after(ms, () => {});
      const seen: number[] = [];
      const done = run(clock, seen);
      await clock.runUntil(T0 + 100);
      expect(seen).toEqual([T0 + 10, T0 + 20, T0 + 30]);
      await done;
    });
  }

  // Work that a library defers through process.nextTick (streams do) after promise work has
  // started can resume after the clock's first drain; each further settle round covers one hop.
  const tickCases: { settleRounds: number; seen: number }[] = [
    { settleRounds: 1, seen: T0 + 11 },
    { settleRounds: 2, seen: T0 + 10 },
  ];
  for (const { settleRounds, seen } of tickCases) {
    it(`settleRounds ${settleRounds}: work behind a nextTick hop sees time ${seen - T0}`, async () => {
      const clock = new VirtualClock(T0, { settleRounds });
      const readAt: number[] = [];
      clock.after(10, () => {
        void Promise.resolve().then(() => {
          process.nextTick(() => {
            void Promise.resolve().then(() => readAt.push(clock.now()));
          });
        });
      });
      clock.after(11, () => {});
      await clock.runUntil(T0 + 20);
      expect(readAt).toEqual([seen]);
    });
  }

  it('settles code started just before a run that begins outside any microtask', async () => {
    const clock = new VirtualClock(T0);
    for (let ms = 1; ms <= 100; ms++) clock.after(ms, () => {});
    const seen: number[] = [];
    // From a macrotask, Node would run a tick queued right away before these pending awaits.
    const run = await new Promise<Promise<number>>((resolve) => {
      setImmediate(() => {
        void (async () => {
          for (let k = 0; k < 50; k++) await null;
          await clock.sleep(10);
          seen.push(clock.now());
        })();
        resolve(clock.runUntil(T0 + 100));
      });
    });
    expect(await run).toBe(101);
    expect(seen).toEqual([T0 + 10]);
  });

  it('reports a throwing callback and stays usable', async () => {
    const clock = new VirtualClock(T0);
    const fired: number[] = [];
    clock.after(10, () => fired.push(10));
    clock.after(20, () => {
      throw new Error('boom');
    });
    clock.after(30, () => fired.push(30));
    await expect(clock.runUntil(T0 + 100)).rejects.toThrow('boom');
    expect([clock.now(), clock.pending]).toEqual([T0 + 20, 1]);
    expect(await clock.runUntil(T0 + 100)).toBe(1);
    expect(fired).toEqual([10, 30]);
  });

  it('refuses a second run while one is in progress', async () => {
    const clock = new VirtualClock(T0);
    clock.after(10, () => {});
    const first = clock.runUntil(T0 + 100);
    await expect(clock.runUntil(T0 + 50)).rejects.toThrow('already in progress');
    await expect(clock.step()).rejects.toThrow('already in progress');
    expect(await first).toBe(1);
  });

  it('rejects a time that is not finite', async () => {
    const clock = new VirtualClock(T0);
    await expect(clock.runUntil(Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
    await expect(clock.runUntil(Number.NaN)).rejects.toThrow(RangeError);
  });

  it('lets the real event loop run during a long replay', async () => {
    const clock = new VirtualClock(T0, { yieldEvery: 10 });
    for (let ms = 1; ms <= 100; ms++) clock.after(ms, () => {});
    let seenDuringRun: number | undefined;
    setImmediate(() => {
      seenDuringRun = clock.now();
    });
    await clock.runUntil(T0 + 100);
    expect(seenDuringRun).toBeDefined();
    expect(seenDuringRun).toBeLessThan(T0 + 100);
  });
});

describe('every', () => {
  it('repeats at the interval until cancelled', async () => {
    const clock = new VirtualClock(T0);
    const at: number[] = [];
    const timer = clock.every(10_000, () => {
      at.push(clock.now() - T0);
      if (at.length === 4) timer.cancel();
    });
    await clock.runFor(100_000);
    expect(at).toEqual([10_000, 20_000, 30_000, 40_000]);
    expect(clock.pending).toBe(0);
  });

  it('stops when cancelled from outside', async () => {
    const clock = new VirtualClock(T0);
    let count = 0;
    const timer = every(clock, 1000, () => count++);
    await clock.runFor(3500);
    timer.cancel();
    await clock.runFor(10_000);
    expect(count).toBe(3);
  });

  it('adds jitter to each interval and never goes below zero', async () => {
    const clock = new VirtualClock(T0);
    const jitters = [100, -300, -5000, 0];
    let i = 0;
    const at: number[] = [];
    clock.every(1000, () => at.push(clock.now() - T0), { jitter: () => jitters[i++ % jitters.length] });
    await clock.runFor(3000);
    expect(at).toEqual([1100, 1800, 1800, 2800]);
  });

  it('refuses an interval that would never advance', () => {
    const clock = new VirtualClock(T0);
    for (const ms of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => clock.every(ms, () => {})).toThrow(RangeError);
    }
  });
});

describe('determinism', () => {
  /** A small cluster: jittered heartbeats, sleeping workers, and a detector that timestamps. */
  async function replay(seed: number): Promise<string[]> {
    const clock = new VirtualClock(T0);
    const random = seededRandom(seed);
    const trace: string[] = [];
    for (let node = 0; node < 20; node++) {
      clock.every(10_000, () => trace.push(`hb ${node} ${clock.now()}`), {
        jitter: () => (random() - 0.5) * 2000,
      });
    }
    for (let worker = 0; worker < 5; worker++) {
      void (async () => {
        for (;;) {
          await clock.sleep(Math.floor(random() * 7000));
          await Promise.resolve();
          trace.push(`work ${worker} ${clock.now()}`);
        }
      })();
    }
    await clock.runFor(3 * 60_000);
    return trace;
  }

  it('gives the same trace every run for a seed', async () => {
    const first = await replay(42);
    expect(first.length).toBeGreaterThan(300);
    expect(await replay(42)).toEqual(first);
    expect(await replay(43)).not.toEqual(first);
  });
});

describe('TimerQueue', () => {
  it('orders many timers like a sort, through cancellations and compaction', () => {
    const random = seededRandom(7);
    const queue = new TimerQueue();
    const expected: { at: number; id: number }[] = [];
    const fired: number[] = [];
    const timers: Timer[] = [];
    for (let id = 0; id < 20_000; id++) {
      // Few distinct times, so that ties are common and must break by scheduling order.
      const at = Math.floor(random() * 500);
      timers.push(queue.add(at, () => fired.push(id)));
      expected.push({ at, id });
    }
    // Cancel three in four: enough to trigger compaction.
    const cancelled = new Set<number>();
    for (let id = 0; id < timers.length; id++) {
      if (random() < 0.75) {
        timers[id].cancel();
        cancelled.add(id);
      }
    }
    expect(queue.size).toBe(timers.length - cancelled.size);
    for (let at = queue.peekAt(); at !== undefined; at = queue.peekAt()) queue.take()();
    const want = expected
      .filter((e) => !cancelled.has(e.id))
      .sort((a, b) => a.at - b.at || a.id - b.id)
      .map((e) => e.id);
    expect(fired).toEqual(want);
    expect(queue.size).toBe(0);
  });
});

describe('seededRandom', () => {
  it('is repeatable, seed-dependent and in [0, 1)', () => {
    const take = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 10_000 }, () => random());
    };
    const a = take(1);
    expect(take(1)).toEqual(a);
    expect(take(2)).not.toEqual(a);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    // Pinned so that replays recorded today still match after a refactor.
    expect(seededRandom(1)()).toBe(0.6270739405881613);
  });
});
