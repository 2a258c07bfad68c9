import { describe, expect, it } from 'vitest';
import { SortedKeys } from './sorted-keys.ts';

describe('SortedKeys', () => {
  it('keeps keys ordered through inserts in any order and removals', () => {
    const keys = new SortedKeys();
    for (const k of ['b/2', 'a/1', 'c/3', 'b/1']) keys.insert(k);
    keys.insert('a/0');
    keys.remove('c/3');
    keys.remove('zz');
    const all = Array.from({ length: keys.size }, (_, i) => keys.at(i));
    expect(all).toEqual(['a/0', 'a/1', 'b/1', 'b/2']);
  });

  it.each([
    ['a', 0],
    ['b/', 1],
    ['b/1', 1],
    ['b/1\u0000', 2],
    ['z', 3],
  ])('lowerBound(%s) = %i', (key, index) => {
    const keys = new SortedKeys();
    for (const k of ['a/1', 'b/1', 'b/2']) keys.insert(k);
    expect(keys.lowerBound(key)).toBe(index);
  });
});
