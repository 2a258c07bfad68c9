import { describe, expect, it } from 'vitest';
import { ComponentHold } from './component-hold.ts';

const s = 1000;
const round = 10 * s;

describe('component hold: the page does not flap', () => {
  it('shows a worse state at once', () => {
    const h = new ComponentHold({ clearAfterMs: 180 * s });
    expect(h.update(0, {})).toEqual({});
    expect(h.update(round, { Ingress: 'partial_outage' })).toEqual({ Ingress: 'partial_outage' });
  });

  it('keeps a component down while its reading wobbles every round', () => {
    const h = new ComponentHold({ clearAfterMs: 180 * s });
    const shown: string[] = [];
    for (let k = 0; k < 30; k++) {
      // 5xx one round, none the next: the reading toggles, the page must not.
      const reading = k % 2 === 0 ? { Ingress: 'degraded_performance' as const } : {};
      shown.push(h.update(k * round, reading).Ingress ?? 'operational');
    }
    expect(new Set(shown)).toEqual(new Set(['degraded_performance']));
  });

  it('clears once the better state has held for the whole window', () => {
    const h = new ComponentHold({ clearAfterMs: 180 * s });
    h.update(0, { Workloads: 'partial_outage' });
    for (let t = round; t < 180 * s + round; t += round)
      expect(h.update(t, {}).Workloads, `at ${t / s} s`).toBe('partial_outage');
    expect(h.update(190 * s, {})).toEqual({});
  });

  it('starts the window again when the worse state comes back', () => {
    const h = new ComponentHold({ clearAfterMs: 180 * s });
    h.update(0, { DNS: 'major_outage' });
    h.update(170 * s, {});
    h.update(175 * s, { DNS: 'major_outage' });
    expect(h.update(200 * s, {}).DNS).toBe('major_outage');
    expect(h.update(375 * s, {}).DNS).toBe('major_outage');
    expect(h.update(380 * s, {})).toEqual({});
  });

  it('steps down to what the cluster shows after the window, not straight to operational', () => {
    const h = new ComponentHold({ clearAfterMs: 60 * s });
    h.update(0, { Workloads: 'partial_outage' });
    h.update(10 * s, { Workloads: 'degraded_performance' });
    expect(h.update(70 * s, { Workloads: 'degraded_performance' })).toEqual({
      Workloads: 'degraded_performance',
    });
  });
});
