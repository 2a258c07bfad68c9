/**
 * Kubelets, the node lifecycle controller, the scheduler and the ReplicaSet controller
 * together: a ReplicaSet comes up, a node goes silent, its pod is evicted after the
 * toleration and replaced on a healthy node, and the stuck pod goes when the node returns.
 */

import { describe, expect, it } from 'vitest';
import { behaviourCluster } from '../../../test/support/behaviour-cluster.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';

const podType = resourceForKind('Pod')!;
const rsType = resourceForKind('ReplicaSet', 'apps')!;

interface PodView {
  metadata: KubeObject['metadata'];
  spec: { nodeName?: string };
  status: { phase?: string; conditions?: { type: string; status: string }[] };
}

function world() {
  const { clock, store, kubelets, put } = behaviourCluster({
    startMs: Date.UTC(2023, 9, 8, 5, 0, 0),
    namespaces: ['shop'],
  });
  put(
    'ReplicaSet',
    {
      metadata: { name: 'web-abc', namespace: 'shop' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
        },
      },
    },
    'apps',
  );
  const pods = () => store.listObjects(podType, 'shop') as (KubeObject & PodView)[];
  const ready = (p: PodView) =>
    p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  return { clock, store, kubelets, pods, ready };
}

describe('self-healing workloads', () => {
  it("creates, schedules and starts a ReplicaSet's pods, spread over the nodes", () => {
    const w = world();
    w.clock.advance(10_000);
    const pods = w.pods();
    expect(pods).toHaveLength(3);
    expect(pods.every(w.ready)).toBe(true);
    expect(new Set(pods.map((p) => p.spec.nodeName))).toEqual(new Set(['n0', 'n1', 'n2']));
    const rs = w.store.get(rsType, 'shop', 'web-abc').status as { readyReplicas: number };
    expect(rs.readyReplicas).toBe(3);
  });

  it('replaces the pod of a silent node after the toleration, and cleans up when it returns', () => {
    const w = world();
    w.clock.advance(10_000);
    const victim = w.pods().find((p) => p.spec.nodeName === 'n1')!;
    w.kubelets.get('n1')!.health.apiReachable = false;
    w.clock.advance(6 * 60_000 + 10_000);
    const stuck = w.store.get(podType, 'shop', victim.metadata.name ?? '');
    expect(stuck.metadata.deletionTimestamp).toBeDefined();
    const live = w.pods().filter((p) => !p.metadata.deletionTimestamp);
    expect(live).toHaveLength(3);
    expect(live.every(w.ready)).toBe(true);
    expect(live.some((p) => p.spec.nodeName === 'n1')).toBe(false);
    w.kubelets.get('n1')!.health.apiReachable = true;
    w.clock.advance(30_000);
    expect(w.store.find(podType, 'shop', victim.metadata.name ?? '')).toBeUndefined();
  });

  it('leaves pods Pending with the real FailedScheduling message when no node fits', () => {
    const w = world();
    for (const k of w.kubelets.values()) k.health.running = false;
    w.clock.advance(2 * 60_000);
    w.store.create(podType, {
      metadata: { name: 'late', namespace: 'shop' },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    });
    w.clock.advance(5_000);
    const late = w.store.get(podType, 'shop', 'late') as KubeObject &
      PodView & { status: { conditions: { message?: string }[] } };
    expect(late.spec.nodeName).toBeUndefined();
    expect(late.status.conditions[0].message).toMatch(
      /^0\/3 nodes are available: 3 node\(s\) had untolerated taint \{node\.kubernetes\.io\/unreachable: \}\./,
    );
  });
});
