import { describe, expect, it } from 'vitest';
import { type SignalSample, SignalSeries } from './dashboard-series.ts';

const sample = (notReadyNodes: number): SignalSample => ({
  notReadyNodes,
  crashLoopPods: 0,
  proxySyncFailingNodes: 0,
  probeFailures: 0,
  http5xx: 0,
});

describe('SignalSeries', () => {
  it('keeps one point per round until full', () => {
    const s = new SignalSeries(4);
    for (let i = 0; i < 4; i++) s.record(i * 10, sample(i));
    expect(s.toJSON()).toMatchObject({ atMs: [0, 10, 20, 30], roundsPerPoint: 1 });
    expect(s.toJSON().series.notReadyNodes).toEqual([0, 1, 2, 3]);
  });

  it('halves when full, keeping the worst of each pair so a spike survives', () => {
    const s = new SignalSeries(4);
    const values = [0, 9, 0, 0, 0, 0, 5, 0, 1, 1];
    for (const [i, v] of values.entries()) s.record(i * 10, sample(v));
    const j = s.toJSON();
    expect(s.size).toBeLessThanOrEqual(4);
    expect(j.roundsPerPoint).toBe(4);
    expect(Math.max(...j.series.notReadyNodes)).toBe(9);
    expect(j.series.notReadyNodes).toContain(5);
    expect(j.atMs.at(-1)).toBe(90);
    expect([...j.atMs].sort((a, b) => a - b)).toEqual(j.atMs);
  });

  it('stays bounded over a long run', () => {
    const s = new SignalSeries(100);
    for (let i = 0; i < 30_000; i++) s.record(i * 10_000, sample(i % 7));
    expect(s.size).toBeLessThanOrEqual(100);
    expect(s.toJSON().atMs.at(-1)).toBe(29_999 * 10_000);
  });
});
