import { describe, expect, it } from 'vitest';
import { withinWallTime } from './wall-grace.ts';

describe('withinWallTime', () => {
  it('says whether the work finished in time', async () => {
    expect(await withinWallTime(Promise.resolve(), 1_000)).toBe(true);
    expect(await withinWallTime(new Promise(() => {}), 10)).toBe(false);
  });
});
