import { describe, expect, it } from 'vitest';
import { trimObject } from '../kube/trim.ts';
import { ClusterView } from './cluster-view.ts';
import { NodeOnsets } from './onsets.ts';
import type { Transition } from './transitions.ts';

const at = Date.UTC(2023, 9, 8, 6, 40, 0);
const min = 60_000;

function condition(
  field: string,
  from: string | undefined,
  to: string,
  o: { atMs?: number; since?: string } = {},
) {
  return {
    atMs: o.atMs ?? at,
    resource: 'nodes',
    key: 'n1',
    field,
    from,
    to,
    detail: { reason: 'R', message: '', lastTransitionTime: o.since ?? '' },
  } satisfies Transition;
}

describe('node onsets', () => {
  it.each([
    ['Ready True→Unknown', condition('condition/Ready', 'True', 'Unknown'), true],
    ['Ready True→False', condition('condition/Ready', 'True', 'False'), true],
    ['Ready seen NotReady at the first list', condition('condition/Ready', undefined, 'False'), true],
    ['Ready False→Unknown (already down)', condition('condition/Ready', 'False', 'Unknown'), false],
    ['Ready recovering', condition('condition/Ready', 'Unknown', 'True'), false],
    ['an upgrade starting', condition('condition/PackageUpgradeInProgress', 'False', 'True'), true],
    ['an upgrade failing', condition('condition/PackageUpgradeFailed', 'False', 'True'), true],
    [
      'a problem check that could not run',
      condition('condition/ClusterDNSUnhealthy', 'False', 'Unknown'),
      false,
    ],
    [
      'an upgrade timer (a state, not a happening)',
      condition('condition/AutomaticUpgradeScheduled', 'False', 'True'),
      false,
    ],
    ['a kernel change', { ...condition('nodeInfo/kernelVersion', 'a', 'b') }, false],
  ])('%s is an onset: %s', (_name, t, expected) => {
    const onsets = new NodeOnsets();
    onsets.record(t);
    expect(onsets.size).toBe(expected ? 1 : 0);
  });

  it("dates an onset by the node's lastTransitionTime, not by when it was seen", () => {
    const onsets = new NodeOnsets();
    onsets.record(
      condition('condition/PackageUpgradeFailed', 'False', 'True', { since: '2023-10-08T06:38:16Z' }),
    );
    expect(onsets.toArray()[0]).toMatchObject({
      node: 'n1',
      condition: 'PackageUpgradeFailed',
      atMs: Date.parse('2023-10-08T06:38:16Z'),
    });
  });

  it('keeps one onset per node and condition within 30 min, so flapping does not fill it', () => {
    const onsets = new NodeOnsets();
    for (let i = 0; i < 10; i++)
      onsets.record(condition('condition/Ready', 'True', 'Unknown', { atMs: at + i * 2 * min }));
    onsets.record(condition('condition/Ready', 'True', 'Unknown', { atMs: at + 24 * 60 * min }));
    expect(onsets.toArray().map((o) => o.atMs)).toEqual([at, at + 24 * 60 * min]);
  });

  it('is bounded', () => {
    const onsets = new NodeOnsets(5);
    for (let i = 0; i < 20; i++)
      onsets.record({ ...condition('condition/Ready', 'True', 'False'), key: `n${i}` });
    expect(onsets.size).toBe(5);
    expect(onsets.toArray()[0].node).toBe('n15');
  });

  it('is filled by the view from node updates, and outlives the transition ring', () => {
    const view = new ClusterView({ transitionLimit: 3 });
    const node = (status: string, since: string) =>
      trimObject('nodes', {
        metadata: { name: 'n1' },
        status: { conditions: [{ type: 'Ready', status, lastTransitionTime: since }] },
      });
    view.apply({
      type: 'listed',
      resource: 'nodes',
      items: [node('True', '2023-10-01T00:00:00Z')],
      resourceVersion: '1',
      atMs: at,
    });
    view.apply({
      type: 'upsert',
      resource: 'nodes',
      object: node('Unknown', '2023-10-08T06:39:00Z'),
      atMs: at,
    });
    for (let i = 0; i < 10; i++)
      view.apply({
        type: 'upsert',
        resource: 'nodes',
        object: trimObject('nodes', {
          metadata: { name: 'n1' },
          spec: { unschedulable: i % 2 === 0 },
          status: {
            conditions: [{ type: 'Ready', status: 'Unknown', lastTransitionTime: '2023-10-08T06:39:00Z' }],
          },
        }),
        atMs: at + i * min,
      });
    expect(view.transitions.toArray().some((t) => t.field === 'condition/Ready')).toBe(false);
    expect(view.onsets.toArray()).toEqual([
      {
        node: 'n1',
        atMs: Date.parse('2023-10-08T06:39:00Z'),
        condition: 'Ready',
        status: 'Unknown',
        reason: '',
      },
    ]);
  });
});
