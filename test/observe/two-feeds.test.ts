import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplayFeed } from '../../src/cli/replay-feed.ts';
import type { LiveFeed } from '../../src/kube/live-feed.ts';
import { watchedResources } from '../../src/kube/observations.ts';
import { ClusterView, objectKey } from '../../src/observe/cluster-view.ts';
import { resourceForKind } from '../../src/sim/api/resources.ts';
import { syncedLiveFeed } from '../support/live-feed.ts';
import { type SimCluster, startSimCluster } from '../support/sim-cluster.ts';
import { differences } from '../support/view-vs-store.ts';
import { waitFor } from '../support/wait-for.ts';

describe('live and replay feeds', () => {
  let c: SimCluster;
  let feed: LiveFeed;
  let stopReplay: () => void;
  const live = new ClusterView();
  const replay = new ClusterView();

  beforeAll(async () => {
    c = await startSimCluster();
    stopReplay = startReplayFeed(c.sim, (o) => replay.apply(o));
    feed = await syncedLiveFeed(c, live);
  });

  afterAll(async () => {
    stopReplay?.();
    await feed?.stop();
    await c?.stop();
  });

  it('produce the same view through churn', async () => {
    const store = c.sim.store;
    const pod = resourceForKind('Pod')!;
    const node = resourceForKind('Node')!;
    // Churn of the kinds detectors care about: a node going NotReady, a pod crash-looping,
    // pods coming and going, a node cordoned.
    const n = store.get(node, '', 'worker-2');
    const status = n.status as { conditions: { type: string; status: string; reason: string }[] };
    status.conditions = status.conditions.map((x) =>
      x.type === 'Ready' ? { ...x, status: 'Unknown', reason: 'NodeStatusUnknown' } : x,
    );
    store.update(node, n, { subresource: 'status' });
    const victim = structuredClone(store.listObjects(pod, 'shop')[0]);
    const vs = victim.status as { containerStatuses: Record<string, unknown>[] };
    vs.containerStatuses = vs.containerStatuses.map((cs) => ({
      ...cs,
      ready: false,
      restartCount: 3,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { reason: 'Error', exitCode: 1 } },
    }));
    store.update(pod, victim, { subresource: 'status' });
    for (let i = 0; i < 20; i++) {
      store.create(pod, {
        metadata: { name: `churn-${i}`, namespace: 'shop', labels: { app: 'churn' } },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      });
    }
    for (let i = 0; i < 20; i += 2) store.delete(pod, 'shop', `churn-${i}`);
    const cordoned = store.get(node, '', 'worker-3');
    store.update(node, { ...cordoned, spec: { ...(cordoned.spec as object), unschedulable: true } });

    await waitFor('the live view to match the store', () => differences(c.sim, live).length === 0);
    for (const r of watchedResources) {
      const a = Object.fromEntries(live.list(r).map((o) => [objectKey(o), o]));
      const b = Object.fromEntries(replay.list(r).map((o) => [objectKey(o), o]));
      expect(a, r).toEqual(b);
    }
    const fields = (v: ClusterView) =>
      v.transitions
        .toArray()
        .map((t) => `${t.key} ${t.field} ${t.from}→${t.to}`)
        .sort();
    expect(fields(live)).toEqual(fields(replay));
    expect(fields(live)).toContain('worker-2 condition/Ready True→Unknown');
  });
});
