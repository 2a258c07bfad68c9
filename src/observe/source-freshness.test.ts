/**
 * A healthy cluster reads as healthy: sources whose subject is gone (a deleted pod's logs,
 * a departed node's metrics) stop counting, and kube-proxy is only expected where it runs.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/observations.ts';
import { ClusterView } from './cluster-view.ts';
import { componentTargets } from './component-targets.ts';

const node = (name: string): KubeObject => ({ metadata: { name } }) as KubeObject;
const pod = (ns: string, name: string, nodeName: string, app?: string): KubeObject =>
  ({
    metadata: { namespace: ns, name, ...(app ? { labels: { 'k8s-app': app } } : {}) },
    spec: { nodeName, containers: [{ name: 'c', image: 'x' }] },
  }) as KubeObject;

function view(pods: KubeObject[], nodes = [node('n1'), node('n2')]): ClusterView {
  const v = new ClusterView();
  v.apply({ type: 'listed', resource: 'nodes', items: nodes, resourceVersion: '1', atMs: 0 });
  v.apply({ type: 'listed', resource: 'pods', items: pods, resourceVersion: '1', atMs: 0 });
  return v;
}

describe('source freshness on a healthy cluster', () => {
  it('forgets the sources of deleted pods and departed nodes', () => {
    const v = view([
      pod('kube-system', 'coredns-1', 'n1', 'kube-dns'),
      pod('kube-system', 'kube-proxy-a', 'n1', 'kube-proxy'),
    ]);
    for (const source of [
      'logs/kube-system/coredns-1/coredns',
      'logs/shop/web-1/web',
      'metrics/ingress-nginx/ingress/ctrl-1',
      'metrics/ingress-envoy/projectcontour/envoy-1',
      'metrics/kube-proxy/n1',
      'metrics/kube-proxy/n9',
    ])
      v.apply({ type: 'source', source, ok: true, atMs: 0 });
    // While they are recent they still tell what happened last.
    expect(v.freshness(60_000, 120_000)).toHaveLength(6);
    // Gone quiet, only the sources of what still runs are missed: those are stale, honestly.
    expect(v.freshness(200_000, 120_000).map((s) => [s.source, s.state])).toEqual([
      ['logs/kube-system/coredns-1/coredns', 'stale'],
      ['metrics/kube-proxy/n1', 'stale'],
    ]);
  });

  it("forgets a node's kube-proxy metrics once the node runs no kube-proxy pod (replaced by Cilium)", () => {
    const kubeProxy = pod('kube-system', 'kube-proxy-a', 'n1', 'kube-proxy');
    const v = view([kubeProxy, pod('kube-system', 'cilium-a', 'n1', 'cilium')]);
    v.apply({ type: 'source', source: 'metrics/kube-proxy/n1', ok: true, atMs: 0 });
    // The kube-proxy DaemonSet is deleted: its pods go, the node stays.
    v.apply({ type: 'delete', resource: 'pods', object: kubeProxy, atMs: 10_000 });
    expect(v.freshness(60_000, 120_000).map((s) => s.source)).toEqual(['metrics/kube-proxy/n1']);
    expect(v.freshness(200_000, 120_000)).toEqual([]);
  });

  it('reads a source refused with 403 as forbidden, not stale, until it delivers again', () => {
    const v = view([]);
    const source = 'metrics/kube-proxy/n1';
    v.apply({ type: 'source', source, ok: true, atMs: 0 });
    // The role lost its grant: a refusal, not a dark node.
    v.apply({
      type: 'source',
      source,
      ok: false,
      error: 'nodes "n1:10249" is forbidden',
      forbidden: true,
      atMs: 1_000,
    });
    expect(v.freshness(2_000, 120_000)).toMatchObject([{ source, state: 'forbidden', staleSinceMs: 1_000 }]);
    // A timeout after it is a failure like any other.
    v.apply({ type: 'source', source, ok: false, error: 'Timeout', atMs: 3_000 });
    expect(v.freshness(4_000, 120_000)).toMatchObject([{ source, state: 'stale' }]);
    v.apply({ type: 'source', source, ok: false, error: 'forbidden', forbidden: true, atMs: 5_000 });
    v.apply({ type: 'source', source, ok: true, atMs: 6_000 });
    expect(v.freshness(7_000, 120_000)).toMatchObject([{ source, state: 'fresh' }]);
  });

  it.each([
    [
      'kube-proxy on every node',
      [pod('kube-system', 'kp-1', 'n1', 'kube-proxy'), pod('kube-system', 'kp-2', 'n2', 'kube-proxy')],
      ['n1', 'n2'],
    ],
    ['kube-proxy on one node', [pod('kube-system', 'kp-1', 'n1', 'kube-proxy')], ['n1']],
    ['no kube-proxy (replaced by the CNI)', [pod('kube-system', 'cilium-1', 'n1', 'cilium')], []],
  ])('scrapes kube-proxy metrics only where it runs: %s', (_, pods, nodes) => {
    expect(componentTargets(view(pods)).nodes).toEqual(nodes);
  });
});
