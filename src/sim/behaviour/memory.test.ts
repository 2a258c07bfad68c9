/** Memory quantities, working sets over time, and the eviction manager's ranking and wording. */
import { describe, expect, it } from 'vitest';
import type { PodMemoryUsage } from './container-runtime.ts';
import { evictionMessage, rankMemoryPressure } from './eviction-manager.ts';
import {
  type ContainerMemory,
  formatBytes,
  limitReachedAt,
  Mi,
  nodeMemory,
  parseBytes,
  parseRate,
  workingSet,
} from './memory.ts';

describe('quantities', () => {
  it.each([
    ['512Mi', 512 * Mi],
    ['1.5Gi', 1536 * Mi],
    ['2G', 2e9],
    ['128974848', 128974848],
    ['16374532Ki', 16374532 * 1024],
    ['lots', undefined],
  ])('%s is %s bytes', (q, bytes) => {
    expect(parseBytes(q)).toBe(bytes);
  });

  it.each([
    [100 * Mi, '100Mi'],
    [16 * 1024 * Mi, '16Gi'],
    [94208 * 1024, '92Mi'],
    [94212 * 1024, '94212Ki'],
    [0, '0'],
    [1000, '1000'],
    [123456789, '123456789'],
  ])('%d bytes print as %s (BinarySI)', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('reads rates per second, minute and hour', () => {
    expect(parseRate('60Mi/min')).toBe(Mi / 1000);
    expect(parseRate('1Mi/s')).toBe(Mi / 1000);
    expect(parseRate('3600Mi/h')).toBe(Mi / 1000);
    expect(parseRate('fast')).toBeUndefined();
  });

  it('allocatable is capacity less the 100Mi hard eviction threshold', () => {
    expect(nodeMemory('4Gi')).toEqual({ capacityBytes: 4096 * Mi, allocatableBytes: 3996 * Mi });
    expect(formatBytes(nodeMemory(undefined).allocatableBytes)).toBe('16272132Ki');
  });
});

describe('working set', () => {
  const leaking = (from: number, until?: number): ContainerMemory => ({
    requestBytes: 128 * Mi,
    limitBytes: 256 * Mi,
    steadyBytes: 100 * Mi,
    growth: () => [{ bytesPerMs: Mi / 1000, fromMs: from, untilMs: until }],
  });

  it('grows from the later of the leak and the process start, and starts small after a restart', () => {
    const m = leaking(60_000);
    expect(workingSet(m, 0, 60_000)).toBe(100 * Mi);
    expect(workingSet(m, 0, 120_000)).toBe(160 * Mi);
    expect(workingSet(m, 100_000, 120_000)).toBe(120 * Mi);
  });

  it('reaches the limit when the growth has covered the gap, and never once the leak stopped below it', () => {
    expect(limitReachedAt(leaking(0), 0, 0)).toBe(156_000);
    expect(limitReachedAt(leaking(0), 50_000, 60_000)).toBe(206_000);
    expect(limitReachedAt(leaking(0, 30_000), 0, 60_000)).toBeUndefined();
    expect(limitReachedAt({ ...leaking(0), limitBytes: undefined }, 0, 0)).toBeUndefined();
  });
});

describe('the eviction manager', () => {
  const pod = (key: string, priority: number, use: number, request: number): PodMemoryUsage => ({
    key,
    name: key.split('/')[1],
    priority,
    critical: false,
    containers: [{ name: 'c', workingSetBytes: use * Mi, requestBytes: request * Mi }],
  });

  it('ranks pods above their request first, then lower priority, then the most above request', () => {
    const ranked = rankMemoryPressure([
      pod('a/within', 0, 100, 200),
      pod('a/important', 1000, 900, 100),
      pod('a/small-excess', 0, 150, 100),
      pod('a/big-excess', 0, 2000, 100),
    ]);
    expect(ranked.map((p) => p.name)).toEqual(['big-excess', 'small-excess', 'important', 'within']);
  });

  it('words the eviction as helpers.go does, naming only containers above their request', () => {
    const p: PodMemoryUsage = {
      key: 'shop/leaky-1',
      name: 'leaky-1',
      priority: 0,
      critical: false,
      containers: [
        { name: 'leaky', workingSetBytes: 3_500 * Mi, requestBytes: 64 * Mi },
        { name: 'sidecar', workingSetBytes: 20 * Mi, requestBytes: 32 * Mi },
      ],
    };
    expect(evictionMessage(p, 94_212 * 1024)).toBe(
      'The node was low on resource: memory. Threshold quantity: 100Mi, available: 94212Ki. ' +
        'Container leaky was using 3500Mi, request is 64Mi, has larger consumption of memory. ',
    );
  });
});
