import { describe, expect, it } from 'vitest';
import { dnsHealth } from './dns-health.ts';
import { deployment, node, type PodInput, pod, replicaset, t0, update, viewOf } from './fixtures.ts';
import { agentCondition, endpointSlice, logsObs, podWith, service } from './fixtures-components.ts';
import { ofKind } from './signal.ts';

const dnsPod = (name: string, p: Partial<PodInput> = {}) =>
  pod({
    name,
    namespace: 'kube-system',
    node: 'w1',
    labels: { 'k8s-app': 'kube-dns' },
    containers: [{ name: 'coredns' }],
    ...p,
  });

const crashLooping = (name: string, nodeName = 'w1') =>
  dnsPod(name, {
    node: nodeName,
    containers: [
      {
        name: 'coredns',
        waiting: 'CrashLoopBackOff',
        restartCount: 6,
        lastTerminated: { reason: 'Error', exitCode: 1 },
      },
    ],
  });

const kubeDns = service('kube-system', 'kube-dns', '10.96.0.10', 53);

describe('dnsHealth: dns-pods-unhealthy', () => {
  it('stays quiet while the DNS pods are Ready', () => {
    const view = viewOf({ pods: [dnsPod('coredns-a'), dnsPod('coredns-b')], services: [kubeDns] });
    expect(dnsHealth(view, t0)).toEqual([]);
  });

  it('reports crash-looping CoreDNS with the reason its logs give', () => {
    const lines = [
      '[INFO] plugin/ready: Still waiting on: "kubernetes"',
      '[ERROR] plugin/kubernetes: pkg/mod/k8s.io/client-go@v0.29.3/tools/cache/reflector.go:229: Failed to watch *v1.Service: failed to list *v1.Service: Get "https://10.96.0.1:443/api/v1/services?limit=500&resourceVersion=0": dial tcp 10.96.0.1:443: i/o timeout',
    ];
    const view = viewOf(
      {
        pods: [crashLooping('coredns-a', 'w1'), crashLooping('coredns-b', 'w2')],
        services: [kubeDns],
        endpointslices: [
          endpointSlice('kube-system', 'kube-dns', [
            { ip: '10.244.1.2', ready: false },
            { ip: '10.244.2.2', ready: false },
          ]),
        ],
      },
      t0,
      [logsObs({ pod: 'coredns-a', container: 'coredns', node: 'w1', lines, atMs: t0 - 60_000 })],
    );
    const [sig] = dnsHealth(view, t0);
    expect(sig.kind).toBe('dns-pods-unhealthy');
    expect(sig.severity).toBe('critical');
    expect(sig.sinceMs).toBe(t0 - 60_000);
    expect(sig.facts).toMatchObject({
      ready: 0,
      total: 2,
      crashLooping: 2,
      reasons: ['CrashLoopBackOff', 'last:Error'],
      restarts: 12,
      logHints: ['api-unreachable', 'waiting-for-kubernetes'],
      readyEndpoints: 0,
      pods: ['kube-system/coredns-a', 'kube-system/coredns-b'],
      nodes: ['w1', 'w2'],
    });
  });

  it('dates a crash loop from its first exit, not its latest restart', () => {
    const min = 60_000;
    const restarted = (restartCount: number, exitedMs: number) =>
      dnsPod('coredns-a', {
        containers: [
          {
            name: 'coredns',
            waiting: 'CrashLoopBackOff',
            restartCount,
            lastTerminated: { reason: 'Error', exitCode: 1, finishedAtMs: exitedMs },
          },
        ],
      });
    const view = viewOf({ pods: [dnsPod('coredns-a')], services: [kubeDns] }, t0 - 90 * min);
    // One restart an hour and a quarter ago, then fine; the loop starts 40 min ago and its
    // restarts come at most 5 min apart, as the kubelet's back-off allows.
    update(view, 'pods', restarted(1, t0 - 75 * min), t0 - 75 * min + 10_000);
    update(
      view,
      'pods',
      dnsPod('coredns-a', { containers: [{ name: 'coredns', restartCount: 1 }] }),
      t0 - 74 * min,
    );
    for (const [i, ago] of [40, 39, 37, 33, 28, 23, 18, 13, 8, 3].entries())
      update(view, 'pods', restarted(i + 2, t0 - ago * min), t0 - ago * min + 10_000);
    const [sig] = dnsHealth(view, t0);
    expect(sig.sinceMs).toBe(t0 - 40 * min);
  });

  it("counts the replicas the DNS Deployment wants, not a rollout's extra pod", () => {
    const owned = (name: string, rs: string) =>
      dnsPod(name, {
        owner: { kind: 'ReplicaSet', name: rs },
        containers: [{ name: 'coredns', waiting: 'CrashLoopBackOff', restartCount: 4 }],
      });
    const view = viewOf({
      pods: [
        owned('coredns-new-a', 'coredns-new'),
        owned('coredns-old-a', 'coredns-old'),
        owned('coredns-old-b', 'coredns-old'),
      ],
      replicasets: [
        replicaset({ name: 'coredns-new', namespace: 'kube-system', deployment: 'coredns', replicas: 1 }),
        replicaset({ name: 'coredns-old', namespace: 'kube-system', deployment: 'coredns', replicas: 2 }),
      ],
      deployments: [deployment({ name: 'coredns', namespace: 'kube-system', replicas: 2, ready: 0 })],
      services: [kubeDns],
    });
    expect(dnsHealth(view, t0)[0].facts).toMatchObject({ ready: 0, total: 3, desired: 2 });
  });

  it('is a warning while one DNS pod still serves', () => {
    const unready = podWith(dnsPod('coredns-b', { containers: [{ name: 'coredns', ready: false }] }), {
      readySinceMs: t0 - 300_000,
    });
    const view = viewOf({ pods: [dnsPod('coredns-a'), unready], services: [kubeDns] });
    const [sig] = ofKind(dnsHealth(view, t0), 'dns-pods-unhealthy');
    expect(sig.severity).toBe('warning');
    expect(sig.sinceMs).toBe(t0 - 300_000);
    expect(sig.facts).toMatchObject({ ready: 1, total: 2, crashLooping: 0, reasons: ['NotReady'] });
    expect(sig.facts.readyEndpoints).toBeUndefined();
  });

  it('gives a pod that just turned unready its start-up grace', () => {
    const starting = podWith(dnsPod('coredns-b', { containers: [{ name: 'coredns', ready: false }] }), {
      readySinceMs: t0 - 10_000,
    });
    const view = viewOf({ pods: [dnsPod('coredns-a'), starting] });
    expect(dnsHealth(view, t0)).toEqual([]);
  });

  it('gives a pod created moments ago its start-up grace', () => {
    const fresh = dnsPod('coredns-b', {
      createdMs: t0 - 20_000,
      containers: [{ name: 'coredns', ready: false }],
    });
    expect(dnsHealth(viewOf({ pods: [dnsPod('coredns-a'), fresh] }), t0)).toEqual([]);
  });

  it('counts an unready pod whose readiness time is unknown', () => {
    const view = viewOf({ pods: [dnsPod('coredns-a', { containers: [{ name: 'coredns', ready: false }] })] });
    expect(dnsHealth(view, t0)[0].facts).toMatchObject({ ready: 0, total: 1 });
  });

  it('ignores a terminating pod of a rollout', () => {
    const old = podWith(dnsPod('coredns-old', { containers: [{ name: 'coredns', ready: false }] }), {
      terminating: true,
    });
    const view = viewOf({ pods: [dnsPod('coredns-a'), old] });
    expect(dnsHealth(view, t0)).toEqual([]);
  });

  it('reports Ready DNS pods that the kube-dns Service does not route to', () => {
    const view = viewOf({
      pods: [dnsPod('coredns-a')],
      services: [kubeDns],
      endpointslices: [endpointSlice('kube-system', 'kube-dns', [{ ip: '10.244.1.2', ready: false }])],
    });
    const [sig] = dnsHealth(view, t0);
    expect(sig.severity).toBe('critical');
    expect(sig.facts).toMatchObject({ ready: 1, total: 1, readyEndpoints: 0, pods: [] });
  });

  it('names the not-Ready pods and their nodes when no endpoint is ready while they are still in grace', () => {
    const justUnready = (name: string, node: string) =>
      podWith(dnsPod(name, { node, containers: [{ name: 'coredns', ready: false }] }), {
        readySinceMs: t0 - 10_000,
      });
    const view = viewOf({
      pods: [justUnready('coredns-a', 'w1'), justUnready('coredns-b', 'w2')],
      services: [kubeDns],
      endpointslices: [endpointSlice('kube-system', 'kube-dns', [{ ip: '10.244.1.2', ready: false }])],
    });
    const [sig] = dnsHealth(view, t0);
    expect(sig.facts).toMatchObject({
      ready: 0,
      readyEndpoints: 0,
      pods: ['kube-system/coredns-a', 'kube-system/coredns-b'],
      nodes: ['w1', 'w2'],
    });
  });

  it('reports a kube-dns Service with no DNS pod at all', () => {
    const view = viewOf({ services: [kubeDns] });
    const [sig] = dnsHealth(view, t0);
    expect(sig.severity).toBe('critical');
    expect(sig.facts).toMatchObject({ ready: 0, total: 0 });
  });

  it('reads hints only from the DNS pods themselves', () => {
    const lines = ['[INFO] plugin/ready: Still waiting on: "kubernetes"'];
    const view = viewOf({ pods: [crashLooping('coredns-a')] }, t0, [
      logsObs({ pod: 'other-dns', container: 'coredns', lines, atMs: t0 }),
    ]);
    expect(ofKind(dnsHealth(view, t0), 'dns-pods-unhealthy')[0].facts.logHints).toEqual([]);
  });
});

const dnsCondition = (
  type: string,
  status: 'True' | 'False',
  reason: string,
  server: string,
  heartbeatMs = t0 - 20_000,
) =>
  agentCondition({
    type,
    status,
    reason,
    message: `no answer from cluster DNS; server=${server} name=kubernetes.default.svc.cluster.local timeout=2s attempts=2 since=2024-01-15T11:50:00Z`,
    heartbeatMs,
  });

describe('dnsHealth: dns-lookups-failing', () => {
  it('reports cluster DNS failing on most nodes as critical, apart from the node resolver', () => {
    const fail = dnsCondition('ClusterDNSUnhealthy', 'True', 'ClusterDNSTimeout', '10.96.0.10:53');
    const ok = dnsCondition('ClusterDNSUnhealthy', 'False', 'ClusterDNSResolving', '10.96.0.10:53');
    const resolverOk = dnsCondition(
      'NodeResolverUnhealthy',
      'False',
      'NodeResolverResolving',
      '127.0.0.53:53',
    );
    const view = viewOf({
      nodes: [
        node({ name: 'w1', conditions: [fail, resolverOk] }),
        node({ name: 'w2', conditions: [fail, resolverOk] }),
        node({ name: 'w3', conditions: [ok, resolverOk] }),
      ],
    });
    const [sig] = dnsHealth(view, t0);
    expect(sig.kind).toBe('dns-lookups-failing');
    expect(sig.severity).toBe('critical');
    expect(sig.sinceMs).toBe(Date.parse('2024-01-15T11:50:00Z'));
    expect(sig.facts).toMatchObject({
      nodes: ['w1', 'w2'],
      clusterDnsNodes: ['w1', 'w2'],
      nodeResolverNodes: [],
      reasons: ['ClusterDNSTimeout'],
      servers: ['10.96.0.10:53'],
      reportingNodes: 3,
    });
  });

  it('keeps one node whose own resolver fails a warning', () => {
    const resolverBad = dnsCondition('NodeResolverUnhealthy', 'True', 'NodeResolverTimeout', '127.0.0.53:53');
    const resolverOk = dnsCondition(
      'NodeResolverUnhealthy',
      'False',
      'NodeResolverResolving',
      '127.0.0.53:53',
    );
    const view = viewOf({
      nodes: [
        node({ name: 'w1', conditions: [resolverBad] }),
        node({ name: 'w2', conditions: [resolverOk] }),
        node({ name: 'w3', conditions: [resolverOk] }),
      ],
    });
    const [sig] = dnsHealth(view, t0);
    expect(sig.severity).toBe('warning');
    expect(sig.facts).toMatchObject({ clusterDnsNodes: [], nodeResolverNodes: ['w1'] });
  });

  it('ignores stale reports', () => {
    const stale = dnsCondition(
      'ClusterDNSUnhealthy',
      'True',
      'ClusterDNSTimeout',
      '10.96.0.10:53',
      t0 - 15 * 60_000,
    );
    const view = viewOf({ nodes: [node({ name: 'w1', conditions: [stale] })] });
    expect(dnsHealth(view, t0)).toEqual([]);
  });
});
