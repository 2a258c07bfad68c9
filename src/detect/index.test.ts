import { describe, expect, it } from 'vitest';
import {
  agentCondition,
  daemonset,
  deployment,
  endpointSlice,
  lease,
  node,
  pod,
  replicaset,
  service,
  t0,
  viewOf,
} from './fixtures.ts';
import { nodeAndWorkloadDetectors } from './index.ts';

/** A small cluster at rest: every node Ready and heartbeating, every workload whole. */
function healthyCluster() {
  const names = ['n1', 'n2', 'n3'];
  const vipOk = agentCondition(
    'KubernetesServiceVIPUnreachable',
    'False',
    'VIPReachable',
    'TCP, TLS and HTTP to the kubernetes service VIP succeed; target=10.96.0.1:443 service=default/kubernetes',
  );
  return viewOf({
    nodes: names.map((name) => node({ name, labels: { 'node-pool': 'workers' }, conditions: [vipOk] })),
    leases: names.map((n) => lease(n, t0 - 4_000)),
    deployments: [deployment({ name: 'web', namespace: 'shop', replicas: 3 })],
    replicasets: [replicaset({ name: 'web-7d9f8', namespace: 'shop', deployment: 'web', replicas: 3 })],
    daemonsets: [daemonset({ name: 'kube-proxy', desired: 3 })],
    pods: names.flatMap((n) => [
      pod({
        name: `web-7d9f8-${n}`,
        namespace: 'shop',
        node: n,
        owner: { kind: 'ReplicaSet', name: 'web-7d9f8' },
      }),
      pod({
        name: `kube-proxy-${n}`,
        namespace: 'kube-system',
        node: n,
        owner: { kind: 'DaemonSet', name: 'kube-proxy' },
        // Restarted once, a day ago: history, not a symptom.
        containers: [
          {
            name: 'kube-proxy',
            restartCount: 1,
            lastTerminated: { reason: 'Error', exitCode: 1, finishedAtMs: t0 - 86_400_000 },
          },
        ],
      }),
    ]),
    services: [service({ name: 'web', namespace: 'shop', selector: { app: 'web' } })],
    endpointslices: [
      endpointSlice({
        service: 'web',
        namespace: 'shop',
        endpoints: names.map((n) => ({ pod: `web-7d9f8-${n}`, node: n, ready: true })),
      }),
    ],
  });
}

describe('node and workload detectors', () => {
  it('are all registered, once', () => {
    expect(new Set(nodeAndWorkloadDetectors).size).toBe(10);
  });

  it.each(nodeAndWorkloadDetectors.map((d) => [d.name, d]))(
    '%s is quiet on an empty view',
    (_name, detect) => {
      expect(detect(viewOf({}), t0)).toEqual([]);
    },
  );

  it.each(nodeAndWorkloadDetectors.map((d) => [d.name, d]))(
    '%s is quiet on a healthy cluster',
    (_name, detect) => {
      expect(detect(healthyCluster(), t0)).toEqual([]);
    },
  );

  it('name themselves after their file', () => {
    const view = viewOf({
      nodes: [node({ name: 'n1', ready: 'False' })],
      leases: [lease('n1', t0 - 60_000)],
    });
    const detectors = new Set(nodeAndWorkloadDetectors.flatMap((d) => d(view, t0)).map((x) => x.detector));
    expect([...detectors].sort()).toEqual(['node-heartbeat', 'node-readiness']);
  });
});
