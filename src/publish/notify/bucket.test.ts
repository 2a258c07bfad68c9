import { describe, expect, it } from 'vitest';
import { TokenBucket } from './bucket.ts';

describe('token bucket', () => {
  it('allows a burst of perMinute, then one more each 60/perMinute seconds', () => {
    const b = new TokenBucket(20, 0);
    for (let i = 0; i < 20; i++) expect(b.take(0)).toBe(0);
    expect(b.take(0)).toBe(3_000);
    expect(b.take(2_999)).toBe(1);
    expect(b.take(3_000)).toBe(0);
    expect(b.take(3_000)).toBe(3_000);
  });

  it('never holds more than a burst after a quiet hour', () => {
    const b = new TokenBucket(2, 0);
    expect([b.take(3_600_000), b.take(3_600_000), b.take(3_600_000)]).toEqual([0, 0, 30_000]);
  });
});
