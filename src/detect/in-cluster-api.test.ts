import { describe, expect, it } from 'vitest';
import { node, pod, t0, viewOf } from './fixtures.ts';
import {
  agentCondition,
  klogLine,
  logsObs,
  probeRounds,
  service,
  timeoutError,
} from './fixtures-components.ts';
import { inClusterApi } from './in-cluster-api.ts';
import { ofKind } from './signal.ts';

const m = (n: number) => n * 60_000;

const corednsTimeout = (vip = '10.96.0.1') =>
  `[ERROR] plugin/kubernetes: pkg/mod/k8s.io/client-go@v0.29.3/tools/cache/reflector.go:229: Failed to watch *v1.Namespace: failed to list *v1.Namespace: Get "https://${vip}:443/api/v1/namespaces?limit=500&resourceVersion=0": dial tcp ${vip}:443: i/o timeout`;

const coredns = (pod: string, nodeName: string, atMs: number, lines = [corednsTimeout()]) =>
  logsObs({ pod, container: 'coredns', node: nodeName, lines, atMs });

const vipDown = (heartbeatMs = t0 - 30_000) =>
  agentCondition({
    type: 'KubernetesServiceVIPUnreachable',
    status: 'True',
    reason: 'VIPConnectTimeout',
    message: `TCP connect to the kubernetes service VIP timed out; target=10.96.0.1:443 service=default/kubernetes stage=connect timeout=3s error="dial tcp 10.96.0.1:443: i/o timeout" since=2024-01-15T11:56:00Z`,
    heartbeatMs,
  });

const endpoint = (status: 'True' | 'False', reachable?: string) =>
  agentCondition({
    type: 'APIEndpointUnreachable',
    status,
    reason: status === 'True' ? 'EndpointConnectTimeout' : 'EndpointReachable',
    message:
      status === 'True'
        ? `TCP connect to the API endpoint timed out; target=10.0.0.10:6443 reachable=${reachable ?? 'none'} stage=connect timeout=3s since=2024-01-15T11:56:00Z`
        : 'TCP, TLS and HTTP to every API endpoint succeed; target=10.0.0.10:6443',
    heartbeatMs: t0 - 30_000,
  });

const kubernetesSvc = service('default', 'kubernetes', '10.96.0.1');

describe('inClusterApi', () => {
  it('contrasts a broken VIP with a healthy API server (service routing)', () => {
    const view = viewOf(
      {
        services: [kubernetesSvc],
        nodes: [
          node({ name: 'w1', conditions: [vipDown(), endpoint('False')] }),
          node({ name: 'w2', conditions: [vipDown(), endpoint('False')] }),
        ],
      },
      t0 - m(5),
      [
        ...probeRounds(t0 - m(5), t0),
        coredns('coredns-a', 'w1', t0 - m(2)),
        coredns('coredns-b', 'w2', t0 - m(1)),
      ],
    );
    const [sig] = inClusterApi(view, t0);
    expect(sig.kind).toBe('in-cluster-api-unreachable');
    expect(sig.severity).toBe('critical');
    expect(sig.subject).toBe('service/default/kubernetes');
    expect(sig.facts).toMatchObject({
      vip: '10.96.0.1',
      pods: ['kube-system/coredns-a', 'kube-system/coredns-b'],
      nodes: ['w1', 'w2'],
      components: ['kube-system/coredns'],
      errorKinds: ['timeout'],
      firstMs: Date.parse('2024-01-15T11:56:00Z'),
      externalApiHealthy: true,
      externalDownAtOnset: false,
      endpointReachableFromNodes: true,
      endpointReachableNodes: 2,
      endpointUnreachableNodes: 0,
      agentNodesReporting: 2,
      agentNodesFailing: 2,
    });
  });

  it("names the workloads whose pods logged the failure, through the pods' owners", () => {
    const owned = (name: string, ns: string, rs: string) =>
      pod({ name, namespace: ns, node: 'w1', owner: { kind: 'ReplicaSet', name: rs } });
    const view = viewOf(
      {
        services: [kubernetesSvc],
        pods: [
          owned('coredns-7db6d8ff4d-x1', 'kube-system', 'coredns-7db6d8ff4d'),
          owned(
            'ingress-nginx-controller-5b9c7d8f6-a1',
            'ingress-nginx',
            'ingress-nginx-controller-5b9c7d8f6',
          ),
        ],
      },
      t0 - m(5),
      [
        coredns('coredns-7db6d8ff4d-x1', 'w1', t0 - m(2)),
        logsObs({
          namespace: 'ingress-nginx',
          pod: 'ingress-nginx-controller-5b9c7d8f6-a1',
          container: 'controller',
          node: 'w1',
          lines: [
            'F1122 11:40:00.000000       7 main.go:64] error while initializing connection to Kubernetes apiserver: Get "https://10.96.0.1:443/version": dial tcp 10.96.0.1:443: i/o timeout',
          ],
          atMs: t0 - m(1),
        }),
        // A log from a pod the view no longer holds names no workload.
        coredns('coredns-gone', 'w1', t0 - m(1)),
      ],
    );
    const [sig] = ofKind(inClusterApi(view, t0), 'in-cluster-api-unreachable');
    expect(sig.scope.workloads).toEqual([
      'ingress-nginx/Deployment/ingress-nginx-controller',
      'kube-system/Deployment/coredns',
    ]);
    expect(sig.facts.workloads).toEqual(sig.scope.workloads);
  });

  it('says so when the API server is gone for everyone', () => {
    const view = viewOf(
      { services: [kubernetesSvc], nodes: [node({ name: 'w1', conditions: [vipDown(), endpoint('True')] })] },
      t0 - m(5),
      probeRounds(t0 - m(2), t0, { ok: false, latencyMs: 5_000, error: timeoutError }),
    );
    const [sig] = ofKind(inClusterApi(view, t0), 'in-cluster-api-unreachable');
    expect(sig.facts.externalApiHealthy).toBe(false);
    expect(sig.facts.endpointReachableFromNodes).toBe(false);
    // No probe before 11:56, when the pods' failures began: not known.
    expect(sig.facts.externalDownAtOnset).toBeUndefined();
  });

  it('says when the pods’ failures began while kubetriage could not reach the API server either', () => {
    const view = viewOf(
      { services: [kubernetesSvc], nodes: [node({ name: 'w1', conditions: [vipDown(), endpoint('True')] })] },
      t0 - m(6),
      [
        ...probeRounds(t0 - m(6), t0 - m(5), { ok: false, latencyMs: 5_000, error: timeoutError }),
        ...probeRounds(t0 - m(5) + 5_000, t0, { ok: true, latencyMs: 20 }),
      ],
    );
    const [sig] = ofKind(inClusterApi(view, t0), 'in-cluster-api-unreachable');
    expect(sig.facts.externalDownAtOnset).toBe(true);
  });

  it('counts an endpoint answering on some address as reachable', () => {
    const view = viewOf(
      { nodes: [node({ name: 'w1', conditions: [vipDown(), endpoint('True', '10.0.0.11:6443')] })] },
      t0,
    );
    expect(
      ofKind(inClusterApi(view, t0), 'in-cluster-api-unreachable')[0].facts.endpointReachableFromNodes,
    ).toBe(true);
  });

  it('takes the VIP from the kubernetes Service, not a hard-coded address', () => {
    const lines = [corednsTimeout('10.245.0.1')];
    const other = viewOf({ services: [service('default', 'kubernetes', '10.245.0.1')] }, t0, [
      coredns('coredns-a', 'w1', t0 - m(1)),
    ]);
    expect(inClusterApi(other, t0)).toEqual([]);
    const right = viewOf({ services: [service('default', 'kubernetes', '10.245.0.1')] }, t0, [
      coredns('coredns-a', 'w1', t0 - m(1), lines),
    ]);
    expect(ofKind(inClusterApi(right, t0), 'in-cluster-api-unreachable')[0].facts.vip).toBe('10.245.0.1');
  });

  it('does not read the DNS service 10.96.0.10 as the VIP 10.96.0.1', () => {
    const line =
      '[ERROR] plugin/errors: 2 example.com. A: read udp 10.244.1.4:40112->10.96.0.10:53: i/o timeout';
    const view = viewOf({ services: [kubernetesSvc] }, t0, [coredns('coredns-a', 'w1', t0, [line])]);
    expect(inClusterApi(view, t0)).toEqual([]);
  });

  it('ignores a refusal by a reachable API server (RBAC is not routing)', () => {
    const line =
      '[ERROR] plugin/kubernetes: reflector.go:229: Failed to watch *v1.Namespace: failed to list *v1.Namespace: namespaces is forbidden: User "system:serviceaccount:kube-system:coredns" cannot list resource "namespaces" at https://10.96.0.1:443';
    const view = viewOf({ services: [kubernetesSvc] }, t0, [coredns('coredns-a', 'w1', t0, [line])]);
    expect(inClusterApi(view, t0)).toEqual([]);
  });

  it("ignores etcd's error answered through the VIP: the API server was reached", () => {
    const line =
      '[ERROR] plugin/kubernetes: reflector.go:229: Failed to watch *v1.Namespace: failed to list *v1.Namespace: Get "https://10.96.0.1:443/api/v1/namespaces?limit=500": etcdserver: request timed out';
    const view = viewOf({ services: [kubernetesSvc] }, t0, [coredns('coredns-a', 'w1', t0, [line])]);
    expect(inClusterApi(view, t0)).toEqual([]);
  });

  it("tells an agent's GET /livez that got no answer from a connection that failed", () => {
    const late = agentCondition({
      type: 'KubernetesServiceVIPUnreachable',
      status: 'True',
      reason: 'VIPHTTPTimeout',
      message:
        'GET /livez through the kubernetes service VIP got no response; target=10.96.0.1:443 service=default/kubernetes stage=http timeout=2s since=2024-01-15T11:56:00Z',
      heartbeatMs: t0 - 30_000,
    });
    const view = viewOf({ services: [kubernetesSvc], nodes: [node({ name: 'w1', conditions: [late] })] });
    const [s] = ofKind(inClusterApi(view, t0), 'in-cluster-api-unreachable');
    expect(s?.facts.errorKinds).toEqual(['http-timeout']);
  });

  it('reads klog client-go failures from any component, with their own time', () => {
    const at = t0 - m(3);
    const line = klogLine(
      'E',
      at,
      'reflector.go:166',
      '"Unhandled Error" err="k8s.io/client-go/informers/factory.go:160: Failed to watch *v1.Service: failed to list *v1.Service: Get \\"https://10.96.0.1:443/api/v1/services?limit=500&resourceVersion=0\\": dial tcp 10.96.0.1:443: connect: connection refused" logger="UnhandledError"',
    );
    const view = viewOf({ services: [kubernetesSvc] }, t0, [
      logsObs({
        namespace: 'ingress',
        pod: 'ingress-nginx-x',
        container: 'controller',
        node: 'w3',
        lines: [line],
        atMs: t0,
      }),
    ]);
    const [sig] = ofKind(inClusterApi(view, t0), 'in-cluster-api-unreachable');
    expect(sig.severity).toBe('warning');
    expect(sig.facts).toMatchObject({
      errorKinds: ['refused'],
      firstMs: at,
      components: ['ingress/controller'],
      nodes: ['w3'],
    });
    expect(sig.facts.externalApiHealthy).toBeUndefined();
    expect(sig.facts.endpointReachableFromNodes).toBeUndefined();
  });

  it('forgets log lines older than the window', () => {
    const view = viewOf({ services: [kubernetesSvc] }, t0, [coredns('coredns-a', 'w1', t0 - m(11))]);
    expect(inClusterApi(view, t0)).toEqual([]);
  });

  it('ignores a stale True from an agent that stopped reporting', () => {
    const view = viewOf({ nodes: [node({ name: 'w1', conditions: [vipDown(t0 - m(20))] })] }, t0);
    expect(inClusterApi(view, t0)).toEqual([]);
  });

  it('is critical when every reporting node fails, even just one', () => {
    const view = viewOf({ nodes: [node({ name: 'w1', conditions: [vipDown()] })] }, t0);
    expect(inClusterApi(view, t0)[0].severity).toBe('critical');
  });

  it('stays a warning for one node among healthy ones', () => {
    const ok = agentCondition({
      type: 'KubernetesServiceVIPUnreachable',
      status: 'False',
      reason: 'VIPReachable',
      message:
        'TCP, TLS and HTTP to the kubernetes service VIP succeed; target=10.96.0.1:443 service=default/kubernetes',
      heartbeatMs: t0 - 30_000,
    });
    const view = viewOf(
      {
        nodes: [node({ name: 'w1', conditions: [vipDown()] }), node({ name: 'w2', conditions: [ok] })],
      },
      t0,
    );
    const [sig] = ofKind(inClusterApi(view, t0), 'in-cluster-api-unreachable');
    expect(sig.severity).toBe('warning');
    expect(sig.facts.nodes).toEqual(['w1']);
    expect(sig.facts.agentNodesReporting).toBe(2);
  });
});
