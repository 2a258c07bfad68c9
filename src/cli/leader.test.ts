import { describe, expect, it } from 'vitest';
import { ManualClock } from '../time/manual-clock.ts';
import { LeaderElection } from './leader.ts';

/** A lock whose answers the test scripts: true, false, or a thrown error. */
function scripted(answers: (boolean | Error)[]) {
  const calls: number[] = [];
  let released = false;
  return {
    calls,
    get released() {
      return released;
    },
    lock: {
      async tryAcquire() {
        calls.push(calls.length);
        const a = answers.shift() ?? true;
        if (a instanceof Error) throw a;
        return a;
      },
      async release() {
        released = true;
      },
    },
  };
}

async function settle(clock: ManualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    for (let i = 0; i < 10; i++) await Promise.resolve();
    clock.advance(100);
  }
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('LeaderElection', () => {
  it('acts only after restoring, renews every third of the duration, and stops acting when renewals fail past two thirds', async () => {
    const clock = new ManualClock(0);
    const down = new Error('connection refused');
    const s = scripted([false, true, true, down, down, down, down, down]);
    const log: string[] = [];
    const e = new LeaderElection({
      lock: s.lock,
      clock,
      leaseDurationMs: 6_000,
      onStartedLeading: async () => {
        log.push(`lead@${clock.now()}`);
      },
      onStoppedLeading: (why) => log.push(`lost@${clock.now()}: ${why}`),
    });
    e.start();
    await settle(clock, 100);
    expect(e.leading).toBe(false); // follower: someone else holds it
    await settle(clock, 1_000); // retry after duration/6
    expect(e.leading).toBe(true);
    expect(log).toEqual(['lead@1000']);
    await settle(clock, 8_000);
    expect(e.leading).toBe(false);
    // Last good renewal at 3000; failures at 5000, 6000 (sooner after a failure), and at
    // 7000 (4 s = 2/3 of 6 s) the deadline → stop acting.
    expect(log[1]).toMatch(/^lost@7000: could not renew the lease for 4s/);
    await e.stop();
  });

  it('stops at once when another replica holds the lease, and releases it on shutdown', async () => {
    const clock = new ManualClock(0);
    const s = scripted([true, false, true]);
    const lost: string[] = [];
    const e = new LeaderElection({
      lock: s.lock,
      clock,
      leaseDurationMs: 3_000,
      onStartedLeading: async () => {},
      onStoppedLeading: (why) => lost.push(why),
    });
    e.start();
    await settle(clock, 100);
    expect(e.leading).toBe(true);
    await settle(clock, 1_000);
    expect(lost).toEqual(['another replica holds the lease']);
    await settle(clock, 600);
    expect(e.leading).toBe(true);
    await e.stop();
    expect(s.released).toBe(true);
  });

  it('stops acting at the renew deadline while a renewal hangs, before a follower may take over', async () => {
    const clock = new ManualClock(0);
    let answer: ((held: boolean) => void) | undefined;
    let calls = 0;
    const log: string[] = [];
    const e = new LeaderElection({
      lock: {
        async tryAcquire() {
          calls++;
          if (calls === 1) return true;
          // The API server accepted the request and never answers.
          return new Promise<boolean>((resolve) => {
            answer = resolve;
          });
        },
        async release() {},
      },
      clock,
      leaseDurationMs: 6_000,
      onStartedLeading: async () => {},
      onStoppedLeading: (why) => log.push(`lost@${clock.now()}: ${why}`),
    });
    e.start();
    await settle(clock, 100);
    expect(e.leading).toBe(true);
    // Renewal at 2000 hangs; the claim from 0 runs out at 4000 (2/3 of 6 s), and a
    // follower may take over at 6000.
    await settle(clock, 3_800);
    expect(e.leading).toBe(true);
    await settle(clock, 300);
    expect(e.leading).toBe(false);
    expect(log).toEqual(['lost@4000: could not renew the lease for 4s']);
    // The hung renewal finally says yes after its own deadline (2000 + 4000): too late to act on.
    await settle(clock, 2_000);
    answer?.(true);
    await settle(clock, 100);
    expect(e.leading).toBe(false);
    expect(calls).toBe(2);
    await e.stop();
  });

  it('retries a failed renewal sooner than the renew interval', async () => {
    const clock = new ManualClock(0);
    const s = scripted([true, new Error('connection reset'), true]);
    const at: number[] = [];
    const e = new LeaderElection({
      lock: {
        tryAcquire: () => {
          at.push(clock.now());
          return s.lock.tryAcquire();
        },
        release: s.lock.release,
      },
      clock,
      leaseDurationMs: 6_000,
      onStartedLeading: async () => {},
      onStoppedLeading: () => {},
    });
    e.start();
    await settle(clock, 3_100);
    // Renewals every 2 s; after the failure at 2000 the next try is 1 s later, not 2.
    expect(at).toEqual([0, 2_000, 3_000]);
    expect(e.leading).toBe(true);
    await e.stop();
  });
});
