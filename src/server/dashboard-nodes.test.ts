import { describe, expect, it } from 'vitest';
import { encodeNodeMap, type NodeCell } from './dashboard-nodes.ts';

const cell = (name: string, state: NodeCell['state'], pool = 'agentpool', version = 'v1.29.2'): NodeCell => ({
  name,
  pool,
  version,
  state,
});

describe('encodeNodeMap', () => {
  it('groups by pool and version, shares the name prefix, and keeps states in name order', () => {
    const map = encodeNodeMap(
      [
        cell('aks-agentpool-10', 'N'),
        cell('aks-agentpool-2', 'R'),
        cell('aks-agentpool-1', 'C'),
        cell('gpu-1', 'U', 'gpu', 'v1.28.0'),
      ],
      1000,
    );
    expect(map.total).toBe(4);
    expect(map.counts).toEqual({ R: 1, N: 1, U: 1, C: 1 });
    expect(map.groups).toEqual([
      {
        pool: 'agentpool',
        version: 'v1.29.2',
        prefix: 'aks-agentpool-',
        names: ['1', '2', '10'],
        states: 'CRN',
      },
      { pool: 'gpu', version: 'v1.28.0', prefix: '', names: ['gpu-1'], states: 'U' },
    ]);
  });

  it('keeps 5,000 nodes small on the wire', () => {
    const cells = Array.from({ length: 5000 }, (_, i) =>
      cell(
        `aks-agentpool-31544887-vmss${String(i).padStart(6, '0')}`,
        i % 97 === 0 ? 'N' : 'R',
        `pool${i % 5}`,
      ),
    );
    const json = JSON.stringify(encodeNodeMap(cells, 0));
    expect(json.length).toBeLessThan(80_000);
    expect(JSON.parse(json).groups).toHaveLength(5);
  });
});
