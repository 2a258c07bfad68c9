import { describe, expect, it } from 'vitest';
import { atRevision, serializeObject } from './serialized.ts';

describe('serializeObject', () => {
  it.each([
    [{ metadata: { name: 'a', resourceVersion: '9' }, data: { k: 'v' } }],
    [{ metadata: {} }],
    [{ metadata: { resourceVersion: '1' }, spec: {} }],
    [{ spec: { x: [1, 2] }, metadata: { name: 'b', labels: { resourceVersion: '7' } } }],
  ])('round-trips %j at any revision with the resourceVersion replaced', (obj) => {
    const text = atRevision(serializeObject(obj), 42);
    expect(JSON.parse(text)).toEqual({ ...obj, metadata: { ...obj.metadata, resourceVersion: '42' } });
  });
});
