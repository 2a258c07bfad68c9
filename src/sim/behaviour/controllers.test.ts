/**
 * Deployments roll out within their surge and unavailability bounds, DaemonSets keep a
 * pod on every node (and keep it on a failing one), and EndpointSlices follow readiness.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/manual-clock.ts';
import { seededRandom } from '../../time/virtual-clock.ts';
import { admitCreate, ClusterIpAllocator } from '../api/admission.ts';
import { objectFields } from '../api/field-selector.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { nodeLease, nodeObject } from '../cluster/objects.ts';
import { ObjectStore } from '../store/object-store.ts';
import { DaemonSetController } from './daemonset-controller.ts';
import { Dependencies } from './dependencies.ts';
import { DeploymentController } from './deployment-controller.ts';
import { EndpointSliceController } from './endpointslice-controller.ts';
import { KubeletModel } from './kubelet.ts';
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
  const clock = new ManualClock(Date.UTC(2024, 5, 11, 8, 0, 0));
  const store = new ObjectStore({ clock, fieldsOf: objectFields });
  const ips = new ClusterIpAllocator();
  const put = (kind: string, o: KubeObject, group = '') => {
    const r = resourceForKind(kind, group)!;
    admitCreate(r, o, ips);
    return store.create(r, o);
  };
  for (const ns of ['default', 'kube-node-lease', 'kube-system', 'shop'])
    put('Namespace', { metadata: { name: ns } });
  const deps = new Dependencies({
    apiServerUp: true,
    dnsServing: () => true,
    serviceHasEndpoints: () => true,
  });
  const random = seededRandom(3);
  const kubelets = new Map<string, KubeletModel>();
  const addNode = (i: number) => {
    const name = `n${i}`;
    const ip = `10.0.0.${i + 1}`;
    put('Node', nodeObject({ name, ip, zone: `z${i % 3}`, nowMs: clock.now() }));
    put('Lease', nodeLease(name, clock.now()), 'coordination.k8s.io');
    const k = new KubeletModel({
      node: name,
      nodeIp: ip,
      store,
      clock,
      random,
      deps,
      needsOf: (_p, c) => (c === 'web' ? ['service:shop/db'] : []),
    });
    k.start();
    kubelets.set(name, k);
  };
  for (let i = 0; i < nodes; i++) addNode(i);
  for (const C of [
    NodeLifecycleController,
    Scheduler,
    ReplicaSetController,
    DeploymentController,
    DaemonSetController,
    EndpointSliceController,
  ]) {
    new C({ store, clock }).start();
  }
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
