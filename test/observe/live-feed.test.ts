/**
 * The live feed against the simulator over HTTPS: reflectors list and watch every
 * resource, and the view follows the store exactly through changes.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/kube/api-client.ts';
import { LiveFeed } from '../../src/kube/live-feed.ts';
import { watchedResources } from '../../src/kube/observations.ts';
import { ClusterView } from '../../src/observe/cluster-view.ts';
import { resourceForKind } from '../../src/sim/api/resources.ts';
import { realClock } from '../../src/time/clock.ts';
import { type SimCluster, startSimCluster } from '../support/sim-cluster.ts';
import { differences } from '../support/view-vs-store.ts';
import { waitFor } from '../support/wait-for.ts';

describe('live feed', () => {
  let c: SimCluster;
  let feed: LiveFeed;
  const view = new ClusterView();

  beforeAll(async () => {
    c = await startSimCluster();
    const kc = new KubeConfig();
    kc.loadFromFile(c.kubeconfig);
    const client = new ApiClient(kc, { now: () => realClock.now() });
    feed = new LiveFeed({ client, clock: realClock, sink: (o) => view.apply(o) });
    feed.start();
    await waitFor('initial sync', () => watchedResources.every((r) => view.synced(r)));
  });

  afterAll(async () => {
    await feed?.stop();
    await c?.stop();
  });

  it('holds exactly what the cluster holds after the first list', () => {
    expect(differences(c.sim, view)).toEqual([]);
    expect(view.count('nodes')).toBe(4);
  });

  it('follows creates, updates and deletes through the watch', async () => {
    const cm = resourceForKind('Pod')!;
    const store = c.sim.store;
    store.create(cm, {
      metadata: { name: 'extra', namespace: 'shop' },
      spec: { containers: [{ name: 'a', image: 'x' }] },
    });
    const node = store.get(resourceForKind('Node')!, '', 'worker-1');
    store.update(resourceForKind('Node')!, {
      ...node,
      spec: { ...(node.spec as object), unschedulable: true },
    });
    store.delete(cm, 'shop', 'extra');
    await waitFor(
      'the view to catch up',
      () => differences(c.sim, view).length === 0 && view.get('pods', 'shop/extra') === undefined,
    );
    expect(
      view.transitions
        .toArray()
        .some((t) => t.key === 'worker-1' && t.field === 'unschedulable' && t.to === 'true'),
    ).toBe(true);
  });

  it('probes the API server and reports every source fresh', async () => {
    await feed.probeNow();
    const probes = view.probes.latest(3);
    expect(probes.map((p) => p.check).sort()).toEqual(['livez', 'readyz', 'version']);
    expect(probes.every((p) => p.ok)).toBe(true);
    const states = view.freshness(realClock.now(), 60_000);
    expect(states.filter((s) => s.state !== 'fresh')).toEqual([]);
    expect(states.map((s) => s.source)).toContain('reflector/pods');
  });
});
