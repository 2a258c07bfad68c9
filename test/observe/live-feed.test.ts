import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveFeed } from '../../src/kube/live-feed.ts';
import { ClusterView } from '../../src/observe/cluster-view.ts';
import { componentTargets } from '../../src/observe/component-targets.ts';
import { resourceForKind } from '../../src/sim/api/resources.ts';
import { realClock } from '../../src/time/clock.ts';
import { syncedLiveFeed } from '../support/live-feed.ts';
import { type SimCluster, startSimCluster } from '../support/sim-cluster.ts';
import { differences } from '../support/view-vs-store.ts';
import { waitFor } from '../support/wait-for.ts';

describe('live feed', () => {
  let c: SimCluster;
  let feed: LiveFeed;
  const view = new ClusterView();

  beforeAll(async () => {
    c = await startSimCluster();
    feed = await syncedLiveFeed(c, view);
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

describe('live feed: node metrics and component logs', () => {
  let c: SimCluster;
  let feed: LiveFeed;
  const view = new ClusterView();

  beforeAll(async () => {
    c = await startSimCluster();
    feed = await syncedLiveFeed(c, view, {
      targets: () => componentTargets(view),
      metricsIntervalMs: 200,
      logsIntervalMs: 200,
    });
  });

  afterAll(async () => {
    await feed?.stop();
    await c?.stop();
  });

  it('scrapes kube-proxy on every node through the node proxy', async () => {
    const proxies = () => view.metrics.toArray().filter((m) => m.component === 'kube-proxy');
    await waitFor('a scrape of every node', () => new Set(proxies().map((m) => m.node)).size === 4);
    expect(proxies().at(-1)?.text).toContain('kubeproxy_sync_proxy_rules_last_timestamp_seconds');
  });

  it("scrapes the API server's own /metrics", async () => {
    const own = () => view.metrics.toArray().filter((m) => m.component === 'kube-apiserver');
    await waitFor('a scrape of the API server', () => own().length > 0);
    expect(own()[0]?.text).toContain('apiserver_request_total');
    expect(view.freshness(realClock.now(), 60_000).map((s) => s.source)).toContain('metrics/kube-apiserver');
  });

  it('tails kube-proxy and CoreDNS logs as structured records, and only new lines after the first read', async () => {
    await waitFor('kube-proxy and coredns logs', () => {
      const pods = new Set(view.logs.toArray().map((l) => l.pod.split('-').slice(0, 2).join('-')));
      return (
        [...pods].some((p) => p.startsWith('kube-proxy')) && [...pods].some((p) => p.startsWith('coredns'))
      );
    });
    const klog = view.logs.toArray().find((l) => l.entry.format === 'klog');
    expect(klog?.entry.format === 'klog' && klog.entry.record.message).toBe('Using iptables proxy');
    const proxyPod = view.logs.toArray().find((l) => l.pod.startsWith('kube-proxy'))!;
    const before = view.logs.toArray().filter((l) => l.pod === proxyPod.pod).length;
    const line =
      'E0610 07:32:16.910840       1 proxier.go:1564] "Failed to execute iptables-restore" err="exit status 1"';
    c.sim.logs.append('kube-system', proxyPod.pod, 'kube-proxy', line, realClock.now() + 1000);
    await waitFor(
      'the new line',
      () => view.logs.toArray().filter((l) => l.pod === proxyPod.pod).length === before + 1,
    );
    const last = view.logs.latest(50).find((l) => l.pod === proxyPod.pod)!;
    expect(last.entry.format === 'klog' && last.entry.record.severity).toBe('error');
    const sources = view.freshness(realClock.now(), 60_000).map((s) => s.source);
    expect(sources).toContain('metrics/kube-proxy/worker-1');
    expect(sources).toContain(`logs/kube-system/${proxyPod.pod}/kube-proxy`);
  });
});
