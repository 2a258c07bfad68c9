import { describe, expect, it } from 'vitest';
import { Gi } from './memory.ts';
import {
  blocks,
  evictionHard,
  grown,
  parseCountRate,
  parseThreshold,
  thresholdQuantity,
} from './node-storage.ts';
import { diskEvictionMessage, formatDecimal, rankDiskPressure, rankPidPressure } from './storage-eviction.ts';

describe('node storage quantities', () => {
  it('parses thresholds as the kubelet does: float32 percentages, quantities', () => {
    expect(parseThreshold('10%')).toEqual({ percentage: Math.fround(0.1) });
    expect(parseThreshold('2Gi')).toEqual({ quantity: 2 * Gi });
    expect(parseThreshold('1000')).toEqual({ quantity: 1000 });
    expect(parseThreshold('0%')).toBeUndefined();
    expect(parseThreshold('ten')).toBeUndefined();
  });

  it('truncates a percentage of capacity (GetThresholdQuantity)', () => {
    // 15 % of a 100Gi disk, float32: 16106128000, printed as plain digits.
    expect(thresholdQuantity({ percentage: Math.fround(0.15) }, 100 * Gi)).toBe(16_106_128_000);
    expect(thresholdQuantity({ percentage: Math.fround(0.1) }, 32_768)).toBe(3276);
    expect(thresholdQuantity({ quantity: 500 }, 32_768)).toBe(500);
  });

  it('defaults to nodefs.available<10% and imagefs.available<15%, with no pid.available', () => {
    const t = evictionHard();
    expect(t.nodefsAvailable).toEqual({ percentage: Math.fround(0.1) });
    expect(t.imagefsAvailable).toEqual({ percentage: Math.fround(0.15) });
    expect(t.pidAvailable).toBeUndefined();
    expect(evictionHard({ 'pid.available': '5%' }).pidAvailable).toEqual({ percentage: Math.fround(0.05) });
  });

  it('accumulates growth of one kind between its start, its end and a container start', () => {
    const g = [
      { into: 'logs' as const, perMs: 2, fromMs: 1_000, untilMs: 3_000 },
      { into: 'pids' as const, perMs: 1, fromMs: 0 },
    ];
    expect(grown(g, 'logs', 0, 10_000)).toBe(4_000);
    expect(grown(g, 'logs', 2_000, 10_000)).toBe(2_000);
    expect(grown(g, 'pids', 5_000, 10_000)).toBe(5_000);
    expect(blocks(1)).toBe(4096);
    expect(parseCountRate('120/min')).toBe(0.002);
    expect(parseCountRate('fast')).toBeUndefined();
  });

  it('prints counts as DecimalSI quantities', () => {
    expect(formatDecimal(3000)).toBe('3k');
    expect(formatDecimal(2500)).toBe('2500');
    expect(formatDecimal(0)).toBe('0');
  });
});

describe('disk and PID eviction ranking and messages', () => {
  const pod = (key: string, priority: number, diskBytes: number, pids: number) => ({
    pod: { key, namespace: 'ns', name: key, priority, critical: false, startedAtMs: 0, containers: [] },
    containers: [{ name: key, diskBytes, pids }],
    diskBytes,
    pids,
  });

  it('evicts lower priority first, then the largest user of disk or PIDs', () => {
    const pods = [pod('a', 0, 10, 5), pod('b', 0, 50, 1), pod('c', 1000, 90, 90)];
    expect(rankDiskPressure(pods).map((p) => p.pod.key)).toEqual(['b', 'a', 'c']);
    expect(rankPidPressure(pods).map((p) => p.pod.key)).toEqual(['a', 'b', 'c']);
  });

  it('names the node shortage and each container above its request', () => {
    expect(diskEvictionMessage(pod('api', 0, 8192, 1), 16_106_128_000, 4096 * 1000)).toBe(
      'The node was low on resource: ephemeral-storage. Threshold quantity: 16106128000, available: 4000Ki. Container api was using 8Ki, request is 0, has larger consumption of ephemeral-storage. ',
    );
  });
});
