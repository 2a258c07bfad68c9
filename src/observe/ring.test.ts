import { describe, expect, it } from 'vitest';
import { Ring } from './ring.ts';

describe('Ring', () => {
  it('keeps the newest entries up to its limit and counts what it dropped', () => {
    const r = new Ring<number>(3);
    for (let i = 1; i <= 5; i++) r.push(i);
    expect(r.toArray()).toEqual([3, 4, 5]);
    expect(r.dropped).toBe(2);
    expect(r.pushed).toBe(5);
    expect(r.latest(2)).toEqual([5, 4]);
  });

  it('hands out what came after a count of pushes, only as far back as it still holds', () => {
    const r = new Ring<number>(3);
    for (let i = 1; i <= 4; i++) r.push(i);
    expect(r.since(2)).toEqual([3, 4]);
    expect(r.since(0)).toEqual([2, 3, 4]);
    expect(r.since(4)).toEqual([]);
    // Past the compaction point, the counts still line up.
    for (let i = 5; i <= 9; i++) r.push(i);
    expect(r.since(7)).toEqual([8, 9]);
    expect(r.since(r.pushed)).toEqual([]);
  });
});
