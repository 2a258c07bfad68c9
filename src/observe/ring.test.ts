import { describe, expect, it } from 'vitest';
import { Ring } from './ring.ts';

const at = (...ms: number[]) => ms.map((atMs) => ({ atMs }));
const times = (entries: { atMs: number }[]) => entries.map((e) => e.atMs);

describe('Ring', () => {
  it('keeps the newest entries up to its limit and counts what it dropped', () => {
    const r = new Ring<{ atMs: number }>(3);
    for (const e of at(1, 2, 3, 4, 5)) r.push(e);
    expect(times(r.toArray())).toEqual([3, 4, 5]);
    expect(r.dropped).toBe(2);
    expect(r.pushed).toBe(5);
    expect(times(r.latest(2))).toEqual([5, 4]);
  });

  it('hands out what came after a count of pushes, only as far back as it still holds', () => {
    const r = new Ring<{ atMs: number }>(3);
    for (const e of at(1, 2, 3, 4)) r.push(e);
    expect(times(r.since(2))).toEqual([3, 4]);
    expect(times(r.since(0))).toEqual([2, 3, 4]);
    expect(r.since(4)).toEqual([]);
    // Past the compaction point, the counts still line up.
    for (const e of at(5, 6, 7, 8, 9)) r.push(e);
    expect(times(r.since(7))).toEqual([8, 9]);
    expect(r.since(r.pushed)).toEqual([]);
  });

  it('finds a time window, bounds included, among the entries it still holds', () => {
    const r = new Ring<{ atMs: number }>(4);
    for (const e of at(10, 20, 20, 30, 40, 50)) r.push(e);
    expect(times(r.within(20, 40))).toEqual([20, 30, 40]);
    expect(times(r.within(0, 15))).toEqual([]);
    expect(times(r.within(45, 99))).toEqual([50]);
    expect(times(r.within(41, 49))).toEqual([]);
  });

  it('finds the window by looking at every entry while one arrived out of time order', () => {
    const r = new Ring<{ atMs: number }>(3);
    for (const e of at(30, 10, 20)) r.push(e);
    expect(times(r.within(15, 30))).toEqual([30, 20]);
    // Once the entry that broke the order is dropped, bisection is exact again.
    for (const e of at(40, 50)) r.push(e);
    expect(times(r.within(25, 45))).toEqual([40]);
    expect(times(r.within(0, 99))).toEqual([20, 40, 50]);
  });
});
