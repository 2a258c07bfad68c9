/**
 * Deployments roll out within their surge and unavailability bounds, DaemonSets keep a
 * pod on every node (and keep it on a failing one), and EndpointSlices follow readiness.
 */

import { describe, expect, it } from 'vitest';
import { behaviourCluster } from '../../../test/support/behaviour-cluster.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { DaemonSetController } from './daemonset-controller.ts';
import { DeploymentController } from './deployment-controller.ts';
import { EndpointSliceController } from './endpointslice-controller.ts';
import { NodeLifecycleController } from './node-lifecycle-controller.ts';
import { ReplicaSetController } from './replicaset-controller.ts';
import { Scheduler } from './scheduler.ts';

const podType = resourceForKind('Pod')!;
const deployType = resourceForKind('Deployment', 'apps')!;
const rsType = resourceForKind('ReplicaSet', 'apps')!;
const sliceType = resourceForKind('EndpointSlice', 'discovery.k8s.io')!;

interface PodView {
  metadata: KubeObject['metadata'];
  spec: { nodeName?: string; containers: { image: string }[] };
  status: { conditions?: { type: string; status: string }[] };
}

function world(nodes = 3) {
  const { clock, store, deps, kubelets, put, addNode } = behaviourCluster({
    startMs: Date.UTC(2024, 5, 11, 8, 0, 0),
    namespaces: ['kube-system', 'shop'],
    zone: (i) => `z${i % 3}`,
    nodes,
    needsOf: (_p, c) => (c === 'web' ? ['service:shop/db'] : []),
    controllers: [
      NodeLifecycleController,
      Scheduler,
      ReplicaSetController,
      DeploymentController,
      DaemonSetController,
      EndpointSliceController,
    ],
  });
  const pods = (ns: string) => store.listObjects(podType, ns) as (KubeObject & PodView)[];
  const ready = (p: PodView) =>
    p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  return { clock, store, put, deps, kubelets, addNode, pods, ready };
}

const template = (image: string) => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image }] },
});

describe('Deployment controller', () => {
  it('brings a Deployment up and rolls a new template out without dropping below maxUnavailable', () => {
    const w = world();
    w.put(
      'Deployment',
      {
        metadata: { name: 'web', namespace: 'shop' },
        spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: template('web:1') },
      },
      'apps',
    );
    w.clock.advance(15_000);
    expect(w.pods('shop').filter(w.ready)).toHaveLength(4);
    const d = w.store.get(deployType, 'shop', 'web');
    w.store.update(deployType, { ...d, spec: { ...(d.spec as object), template: template('web:2') } });
    let minReady = 4;
    let maxPods = 0;
    for (let t = 0; t < 60; t++) {
      w.clock.advance(1_000);
      const live = w.pods('shop').filter((p) => !p.metadata.deletionTimestamp);
      minReady = Math.min(minReady, live.filter(w.ready).length);
      maxPods = Math.max(maxPods, live.length);
    }
    const live = w.pods('shop').filter((p) => !p.metadata.deletionTimestamp);
    expect(live.map((p) => p.spec.containers[0].image)).toEqual(['web:2', 'web:2', 'web:2', 'web:2']);
    expect(live.every(w.ready)).toBe(true);
    // 25 % of 4: at most one pod unavailable, at most one extra.
    expect(minReady).toBeGreaterThanOrEqual(3);
    expect(maxPods).toBeLessThanOrEqual(5);
    const sets = w.store.listObjects(rsType, 'shop');
    expect(sets.map((rs) => (rs.spec as { replicas: number }).replicas).sort()).toEqual([0, 4]);
    const status = w.store.get(deployType, 'shop', 'web').status as {
      updatedReplicas: number;
      conditions: { type: string; reason: string }[];
    };
    expect(status.updatedReplicas).toBe(4);
    expect(status.conditions.find((c) => c.type === 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
  });

  it('numbers each rollout: a new template takes the next revision, a template rolled back to a fresh one', () => {
    const w = world();
    const revision = (o: KubeObject) => o.metadata.annotations?.['deployment.kubernetes.io/revision'];
    w.put(
      'Deployment',
      {
        metadata: { name: 'web', namespace: 'shop' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template('web:1') },
      },
      'apps',
    );
    const roll = (image: string) => {
      const d = w.store.get(deployType, 'shop', 'web');
      w.store.update(deployType, { ...d, spec: { ...(d.spec as object), template: template(image) } });
      w.clock.advance(60_000);
    };
    const revisions = () =>
      Object.fromEntries(
        w.store
          .listObjects(rsType, 'shop')
          .map((rs) => [
            (rs.spec as { template: ReturnType<typeof template> }).template.spec.containers[0].image,
            revision(rs),
          ]),
      );
    w.clock.advance(15_000);
    expect(revisions()).toEqual({ 'web:1': '1' });
    roll('web:2');
    expect(revisions()).toEqual({ 'web:1': '1', 'web:2': '2' });
    roll('web:1');
    expect(revisions()).toEqual({ 'web:1': '3', 'web:2': '2' });
    expect(revision(w.store.get(deployType, 'shop', 'web'))).toBe('3');
  });
});

describe('DaemonSet controller', () => {
  it('keeps a pod on every node, including new ones, and never evicts it from a failing node', () => {
    const w = world();
    w.put(
      'DaemonSet',
      {
        metadata: { name: 'kube-proxy', namespace: 'kube-system' },
        spec: {
          selector: { matchLabels: { 'k8s-app': 'kube-proxy' } },
          template: {
            metadata: { labels: { 'k8s-app': 'kube-proxy' } },
            spec: { containers: [{ name: 'kube-proxy', image: 'kube-proxy:v1.32.4' }] },
          },
        },
      },
      'apps',
    );
    w.clock.advance(10_000);
    expect(new Set(w.pods('kube-system').map((p) => p.spec.nodeName))).toEqual(new Set(['n0', 'n1', 'n2']));
    w.addNode(3);
    w.clock.advance(10_000);
    expect(w.pods('kube-system').filter(w.ready)).toHaveLength(4);
    w.kubelets.get('n1')!.health.apiReachable = false;
    w.clock.advance(30 * 60_000);
    expect(w.pods('kube-system').filter((p) => p.metadata.deletionTimestamp)).toHaveLength(0);
  });
});

describe('pods their kubelet evicted', () => {
  const evictOn = (w: ReturnType<typeof world>, pod: KubeObject & PodView) =>
    w.kubelets
      .get(pod.spec.nodeName ?? '')!
      .pods!.runtime.evict(
        `${pod.metadata.namespace}/${pod.metadata.name}`,
        'The node was low on resource: memory. ',
      );

  it('a ReplicaSet replaces an evicted pod and leaves the Failed one in place', () => {
    const w = world();
    w.put(
      'ReplicaSet',
      {
        metadata: { name: 'api-1', namespace: 'shop' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'api' } },
          template: { ...template('api:1'), metadata: { labels: { app: 'api' } } },
        },
      },
      'apps',
    );
    w.clock.advance(10_000);
    const [victim] = w.pods('shop');
    evictOn(w, victim);
    w.clock.advance(10_000);
    const pods = w.pods('shop') as (KubeObject & PodView & { status: { phase?: string; reason?: string } })[];
    expect(pods.find((p) => p.metadata.name === victim.metadata.name)?.status).toMatchObject({
      phase: 'Failed',
      reason: 'Evicted',
    });
    expect(pods.filter((p) => p.status.phase === 'Running' && w.ready(p))).toHaveLength(2);
  });

  it('a DaemonSet deletes its evicted pod (FailedDaemonPod) and runs a new one on that node', () => {
    const w = world();
    w.put(
      'DaemonSet',
      {
        metadata: { name: 'log-agent', namespace: 'kube-system' },
        spec: {
          selector: { matchLabels: { app: 'log-agent' } },
          template: {
            metadata: { labels: { app: 'log-agent' } },
            spec: { containers: [{ name: 'agent', image: 'fluent-bit:3.0' }] },
          },
        },
      },
      'apps',
    );
    w.clock.advance(10_000);
    const victim = w.pods('kube-system').find((p) => p.spec.nodeName === 'n1')!;
    evictOn(w, victim);
    w.clock.advance(10_000);
    const onN1 = w.pods('kube-system').filter((p) => p.spec.nodeName === 'n1');
    expect(onN1.map((p) => p.metadata.name)).not.toContain(victim.metadata.name);
    expect(onN1.filter(w.ready)).toHaveLength(1);
    const events = w.store.listObjects(resourceForKind('Event')!, 'kube-system') as unknown as {
      reason: string;
      message: string;
    }[];
    expect(events.find((e) => e.reason === 'FailedDaemonPod')?.message).toBe(
      `Found failed daemon pod kube-system/${victim.metadata.name} on node n1, will try to kill it`,
    );
  });
});

describe('EndpointSlice controller', () => {
  it("lists a Service's pods with ready conditions that follow the pods", () => {
    const w = world();
    w.put('Service', {
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    w.put(
      'Deployment',
      {
        metadata: { name: 'web', namespace: 'shop' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template('web:1') },
      },
      'apps',
    );
    w.clock.advance(15_000);
    const slice = () =>
      w.store.listObjects(sliceType, 'shop')[0] as KubeObject & {
        endpoints: { conditions: { ready: boolean } }[];
        ports: { port: number }[];
      };
    expect(slice().endpoints.map((e) => e.conditions.ready)).toEqual([true, true]);
    expect(slice().ports[0].port).toBe(8080);
    // The pods need shop/db; routing to Services breaks on every node: they turn unready.
    for (const n of ['n0', 'n1', 'n2']) w.deps.setFaults(n, { serviceRoutingBroken: true });
    w.clock.advance(1_000);
    expect(slice().endpoints.map((e) => e.conditions.ready)).toEqual([false, false]);
  });
});

describe('Scheduler', () => {
  it('binds a pod whose kubelet writes status the moment it sees the binding, and keeps what the kubelet wrote', () => {
    // The real binding subresource sets nodeName and PodScheduled in one write; a kubelet
    // that reacts synchronously to the binding here must not make the scheduler's second
    // write conflict.
    const w = world();
    const off = w.store.subscribe(podType.storage, (e) => {
      if (e.type !== 'MODIFIED' || e.entry.fields['spec.nodeName'] === '') return;
      const pod = w.store.find(podType, e.entry.namespace, e.entry.name) as KubeObject & PodView;
      if (pod.status?.conditions?.length) return;
      w.store.update(
        podType,
        {
          ...pod,
          status: { ...pod.status, conditions: [{ type: 'Initialized', status: 'True' }] },
        } as KubeObject,
        { subresource: 'status' },
      );
    });
    w.put('Pod', {
      metadata: { name: 'solo', namespace: 'shop' },
      spec: { containers: [{ name: 'app', image: 'app:1' }] },
    });
    expect(() => w.clock.advance(5_000)).not.toThrow();
    off();
    const pod = w.pods('shop').find((p) => p.metadata.name === 'solo')!;
    expect(pod.spec.nodeName).toBeTruthy();
    const types = pod.status.conditions?.map((c) => `${c.type}=${c.status}`) ?? [];
    expect(types).toContain('PodScheduled=True');
  });
});
