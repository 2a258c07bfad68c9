/**
 * PacedClock on Node's real timers (the other suite uses fake ones, which cannot show how
 * the event loop treats unreferenced handles): a chain of due timers runs through without
 * waiting for anything else to wake the loop.
 */
import { describe, expect, it } from 'vitest';
import { PacedClock } from './paced-clock.ts';

describe('PacedClock on real timers', () => {
  it('runs a chain of immediately due timers to the end on its own', async () => {
    const clock = new PacedClock(Date.UTC(2023, 9, 8, 6), { speed: 60 });
    let fired = 0;
    const done = new Promise<void>((resolve) => {
      const step = (): void => {
        fired++;
        if (fired === 200) resolve();
        else clock.after(0, step);
      };
      clock.after(0, step);
    });
    // Only the clock's own handles are pending here: if they stall, this never settles and
    // the test times out.
    await done;
    expect(fired).toBe(200);
  });
});
