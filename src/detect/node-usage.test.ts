import { describe, expect, it } from 'vitest';
import type { Observation } from '../kube/observations.ts';
import { node, t0, viewOf } from './fixtures.ts';
import { nodeUsage } from './node-usage.ts';
import { ofKind } from './signal.ts';

const usage = (atMs: number, items: [string, string, string][]): Observation => ({
  type: 'node-usage',
  items: items.map(([n, cpu, memory]) => ({
    node: n,
    cpu,
    memory,
    timestamp: '2024-01-15T11:59:30Z',
    window: '1m0s',
  })),
  atMs,
});

describe('nodeUsage', () => {
  it('reports nodes near or past their allocatable memory, and CPU near its allocatable', () => {
    const nodes = ['n1', 'n2', 'n3', 'n4'].map((name) =>
      node({ name, allocatable: { cpu: '3920m', memory: '15Gi' } }),
    );
    const view = viewOf({ nodes }, t0 - 60_000, [
      usage(t0 - 30_000, [
        ['n1', '1200m', '15564Mi'], // 101 %: the kubelet is about to evict
        ['n2', '900m', '14Gi'], // 93 %
        ['n3', '3900m', '4Gi'], // CPU 99 %
        ['n4', '500m', '6Gi'], // fine
      ]),
    ]);
    const out = ofKind(nodeUsage(view, t0), 'node-resource-usage');
    expect(out.map((s) => [s.subject, s.severity])).toEqual([
      ['node/n1', 'critical'],
      ['node/n2', 'warning'],
      ['node/n3', 'warning'],
    ]);
    expect(out[0].facts).toMatchObject({
      memoryBytes: 15564 * 2 ** 20,
      memoryAllocatableBytes: 15 * 2 ** 30,
      memoryFraction: 1.013,
      cpuCores: 1.2,
      cpuAllocatableCores: 3.92,
      sampledAt: '2024-01-15T11:59:30Z',
      clusterNodesHigh: 2,
    });
  });

  it('does not read samples older than 5 minutes', () => {
    const view = viewOf({ nodes: [node({ name: 'n1' })] }, t0 - 600_000, [
      usage(t0 - 400_000, [['n1', '4', '16Gi']]),
    ]);
    expect(nodeUsage(view, t0)).toEqual([]);
  });
});
