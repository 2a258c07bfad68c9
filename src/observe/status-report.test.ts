/**
 * The verdict at the top of the dashboard: the cluster's own parts decide it, an app that
 * fails for its own reasons does not, and sources kubetriage has no subject for are named
 * as not applicable, with the reason, instead of being silently left out.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/observations.ts';
import { ClusterView } from './cluster-view.ts';
import { buildStatusReport } from './status-report.ts';

const ready = { conditions: [{ type: 'Ready', status: 'True' }] };
const node = (name: string): KubeObject => ({ metadata: { name }, status: ready }) as KubeObject;
const pod = (ns: string, name: string, app: string, o: { crashLooping?: boolean; image?: string } = {}) =>
  ({
    metadata: { namespace: ns, name, labels: { 'k8s-app': app } },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: o.image ?? 'x' }] },
    status: o.crashLooping
      ? {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'False' }],
          containerStatuses: [
            { name: 'c', ready: false, restartCount: 9, state: { waiting: { reason: 'CrashLoopBackOff' } } },
          ],
        }
      : { phase: 'Running', ...ready, containerStatuses: [{ name: 'c', ready: true, restartCount: 0 }] },
  }) as KubeObject;
const deployment = (ns: string, name: string, replicas: number, readyReplicas: number) =>
  ({ metadata: { namespace: ns, name }, spec: { replicas }, status: { readyReplicas } }) as KubeObject;

function view(pods: KubeObject[], deployments: KubeObject[]): ClusterView {
  const v = new ClusterView();
  const list = (resource: 'nodes' | 'pods' | 'deployments', items: KubeObject[]) =>
    v.apply({ type: 'listed', resource, items, resourceVersion: '1', atMs: 0 });
  list('nodes', [node('n1')]);
  list('pods', pods);
  list('deployments', deployments);
  for (const check of ['livez', 'readyz', 'version'] as const)
    v.apply({ type: 'probe', check, ok: true, latencyMs: 3, atMs: 0 });
  return v;
}

const kubeSystem = [
  pod('kube-system', 'coredns-1', 'kube-dns'),
  pod('kube-system', 'kube-proxy-a', 'kube-proxy'),
];

describe('the status report verdict', () => {
  it('keeps the cluster healthy while one app crash-loops on its own, and lists it', () => {
    const r = buildStatusReport(
      view(
        [...kubeSystem, pod('shop', 'recs-1', 'recs', { crashLooping: true }), pod('shop', 'recs-2', 'recs')],
        [deployment('shop', 'recommendations', 2, 1)],
      ),
      1_000,
    );
    expect(r.clusterHealthy).toBe(true);
    expect(r.workloads.problems).toEqual([
      { kind: 'Deployment', key: 'shop/recommendations', desired: 2, ready: 1 },
    ]);
    // `kubetriage status` still says the app needs attention.
    expect(r.healthy).toBe(false);
  });

  it('is not healthy while a kube-system pod crash-loops', () => {
    const r = buildStatusReport(
      view([pod('kube-system', 'coredns-1', 'kube-dns', { crashLooping: true })], []),
      1_000,
    );
    expect(r.clusterHealthy).toBe(false);
  });

  it("gives a node's new kube-proxy pod its start-up minute before it counts", () => {
    const pending = {
      metadata: {
        namespace: 'kube-system',
        name: 'kube-proxy-new',
        labels: { 'k8s-app': 'kube-proxy' },
        creationTimestamp: new Date(0).toISOString(),
      },
      spec: { nodeName: 'n1', containers: [{ name: 'kube-proxy', image: 'x' }] },
      status: { phase: 'Pending' },
    } as KubeObject;
    const v = view([...kubeSystem, pending], []);
    const starting = buildStatusReport(v, 10_000);
    expect(starting.kubeSystem.problems).toMatchObject([
      { key: 'kube-system/kube-proxy-new', starting: true },
    ]);
    expect(starting.clusterHealthy).toBe(true);
    const stuck = buildStatusReport(v, 90_000);
    expect(stuck.kubeSystem.problems).toMatchObject([
      { key: 'kube-system/kube-proxy-new', reason: 'Pending' },
    ]);
    expect(stuck.kubeSystem.problems[0].starting).toBeUndefined();
    expect(stuck.clusterHealthy).toBe(false);
  });

  it('is not healthy while a source it expects has gone quiet', () => {
    const v = view(kubeSystem, []);
    v.apply({ type: 'source', source: 'reflector/pods', ok: false, error: 'Timeout', atMs: 500 });
    expect(buildStatusReport(v, 1_000).clusterHealthy).toBe(false);
  });

  it('names kube-proxy and ingress metrics as not applicable, with the reason, where nothing serves them', () => {
    const cilium = buildStatusReport(view([pod('kube-system', 'cilium-a', 'cilium')], []), 1_000);
    expect(cilium.clusterHealthy).toBe(true);
    expect(cilium.sources.notApplicable.map((s) => s.source)).toEqual([
      'metrics/kube-proxy',
      'metrics/ingress',
    ]);
    expect(cilium.sources.notApplicable[0].reason).toMatch(/no kube-proxy pod/);

    const classic = buildStatusReport(
      view(
        [
          ...kubeSystem,
          pod('ingress-nginx', 'ctrl-1', 'x', { image: 'registry.k8s.io/ingress-nginx/controller:v1.11.3' }),
        ],
        [],
      ),
      1_000,
    );
    expect(classic.sources.notApplicable).toEqual([]);
  });
});
