import { describe, expect, it } from 'vitest';
import { ProtocolFaults } from './faults.ts';

describe('ProtocolFaults', () => {
  it('injects errors at about the configured rate, the same way for the same seed', () => {
    const roll = (seed: number) => {
      const f = new ProtocolFaults(seed);
      f.set({ errors: { rate: 0.25, code: 429, retryAfterSeconds: 1 } });
      return Array.from({ length: 4000 }, () => (f.rollError() ? 1 : 0));
    };
    const a = roll(7);
    const hits = a.reduce<number>((s, v) => s + v, 0);
    expect(hits).toBeGreaterThan(850);
    expect(hits).toBeLessThan(1150);
    expect(roll(7)).toEqual(a);
  });

  it('limits faults to the given path prefixes', () => {
    const f = new ProtocolFaults();
    f.set({ unreachable: 'hang', paths: ['/api/v1/pods'] });
    expect(f.applies('/api/v1/pods')).toBe(true);
    expect(f.applies('/api/v1/nodes')).toBe(false);
    f.clear();
    expect(f.applies('/anything')).toBe(true);
    expect(f.rollError()).toBeUndefined();
  });
});
