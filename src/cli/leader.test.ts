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
    const s = scripted([false, true, true, down, down, down, down]);
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
    // Last good renewal at 3000; failures at 5000, 7000 (4 s = 2/3 of 6 s) → stop acting.
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
});
