import { describe, expect, it } from 'vitest';
import { coreSourceDetectors } from './core-sources.ts';
import { daemonset, deployment, event, lease, node, pod, replicaset, t0, viewOf } from './fixtures.ts';

/** A cluster at rest: Ready nodes, whole workloads, and only routine Events. */
function quietCluster() {
  const names = ['n1', 'n2', 'n3'];
  return viewOf({
    nodes: names.map((name) => node({ name })),
    leases: names.map((n) => lease(n, t0 - 4_000)),
    deployments: [deployment({ name: 'web', namespace: 'shop', replicas: 3 })],
    replicasets: [replicaset({ name: 'web-7d9f8', namespace: 'shop', deployment: 'web', replicas: 3 })],
    daemonsets: [daemonset({ name: 'kube-proxy', desired: 3 })],
    pods: names.map((n) =>
      pod({
        name: `web-7d9f8-${n}`,
        namespace: 'shop',
        node: n,
        owner: { kind: 'ReplicaSet', name: 'web-7d9f8' },
      }),
    ),
    events: [
      event({
        kind: 'Pod',
        name: 'web-7d9f8-n1',
        namespace: 'shop',
        reason: 'Scheduled',
        component: 'default-scheduler',
      }),
      event({ kind: 'Pod', name: 'web-7d9f8-n1', namespace: 'shop', reason: 'Pulled', host: 'n1' }),
      event({ kind: 'Pod', name: 'web-7d9f8-n1', namespace: 'shop', reason: 'Started', host: 'n1' }),
      event({
        kind: 'Pod',
        name: 'web-7d9f8-n1',
        namespace: 'shop',
        reason: 'Killing',
        message: 'Stopping container web',
      }),
      event({ kind: 'Node', name: 'n1', reason: 'NodeReady', message: 'Node n1 status is now: NodeReady' }),
    ],
  });
}

describe('detectors of the sources every cluster offers', () => {
  it('are all registered, once', () => {
    expect(new Set(coreSourceDetectors).size).toBe(coreSourceDetectors.length);
    expect(coreSourceDetectors).toHaveLength(20);
  });

  it.each(coreSourceDetectors.map((d) => [d.name, d]))('%s is quiet on an empty view', (_n, detect) => {
    expect(detect(viewOf({}), t0)).toEqual([]);
  });

  it.each(coreSourceDetectors.map((d) => [d.name, d]))('%s is quiet on a cluster at rest', (_n, detect) => {
    expect(detect(quietCluster(), t0)).toEqual([]);
  });
});
