import { describe, expect, it } from 'vitest';
import { node, pod, t0, update, viewOf } from '../detect/fixtures.ts';
import type { SignalOf } from '../detect/signal.ts';
import { nodeCells, signalSample } from './dashboard-data.ts';

const proxySignal: SignalOf<'proxy-sync-failing'> = {
  detector: 'kube-proxy-sync',
  kind: 'proxy-sync-failing',
  subject: 'cluster',
  severity: 'critical',
  sinceMs: t0,
  summary: 'kube-proxy rule syncs failing on 2 node(s)',
  scope: { nodes: ['n1', 'n2'] },
  facts: {
    nodes: ['n1', 'n2'],
    staleNodes: [],
    failingNowNodes: ['n1', 'n2'],
    failures: 6,
    firstFailureMs: t0,
    clusterNodes: 2,
    sources: ['metric'],
    xtablesLock: false,
  },
  evidence: [],
};
const errorsSignal: SignalOf<'service-errors'> = {
  detector: 'ingress-errors',
  kind: 'service-errors',
  subject: 'service/shop/web',
  severity: 'warning',
  sinceMs: t0,
  summary: 'shop/web: 42 of 100 requests answered 5xx',
  scope: {},
  facts: {
    namespace: 'shop',
    service: 'web',
    requests: 100,
    errors: 42,
    errorRatio: 0.42,
    statuses: ['503'],
    controllers: ['ingress-nginx/ingress-nginx-controller-7c9f8'],
    windowSeconds: 300,
  },
  evidence: [],
};

describe('nodeCells', () => {
  it('gives each node its pool, kubelet version and state', () => {
    const view = viewOf({
      nodes: [
        node({ name: 'n1', labels: { agentpool: 'pool-a' }, kubeletVersion: 'v1.29.2' }),
        node({ name: 'n2', ready: 'False', labels: { agentpool: 'pool-a' }, kubeletVersion: 'v1.29.2' }),
        node({ name: 'n3', ready: 'Unknown' }),
        node({ name: 'n4', unschedulable: true }),
      ],
    });
    const cells = nodeCells(view).sort((a, b) => a.name.localeCompare(b.name));
    expect(cells.map((c) => c.state)).toEqual(['R', 'N', 'U', 'C']);
    expect(cells[0]).toMatchObject({ pool: 'pool-a', version: 'v1.29.2' });
    expect(cells[2].pool).toBe('(no pool label)');
  });
});

describe('signalSample', () => {
  it('counts NotReady nodes, crash loops, proxy-sync nodes and 5xx from the view and the signals', () => {
    const view = viewOf({
      nodes: [node({ name: 'n1', ready: 'False' }), node({ name: 'n2' })],
      pods: [
        pod({ name: 'a', containers: [{ name: 'c', waiting: 'CrashLoopBackOff' }] }),
        pod({ name: 'b', containers: [{ name: 'c', waiting: 'ContainerCreating' }] }),
      ],
    });
    expect(signalSample(view, [proxySignal, errorsSignal], t0, t0 + 10_000)).toEqual({
      notReadyNodes: 1,
      crashLoopPods: 1,
      proxySyncFailingNodes: 2,
      probeFailures: 0,
      http5xx: 42,
    });
  });

  it('counts a node that went NotReady and back between two samples, and only probe failures since the last', () => {
    const view = viewOf({ nodes: [node({ name: 'n1' })] });
    update(view, 'nodes', node({ name: 'n1', ready: 'False', readySinceMs: t0 + 2_000 }), t0 + 2_000);
    update(view, 'nodes', node({ name: 'n1', readySinceMs: t0 + 6_000 }), t0 + 6_000);
    for (const [atMs, ok] of [
      [t0 - 5_000, false],
      [t0 + 3_000, false],
      [t0 + 4_000, true],
    ] as const)
      view.apply({ type: 'probe', check: 'livez', ok, latencyMs: 5, atMs });
    const s = signalSample(view, [], t0, t0 + 10_000);
    expect(s.notReadyNodes).toBe(1);
    expect(s.probeFailures).toBe(1);
    // The next sample sees neither again.
    expect(signalSample(view, [], t0 + 10_000, t0 + 20_000)).toMatchObject({
      notReadyNodes: 0,
      probeFailures: 0,
    });
  });
});
