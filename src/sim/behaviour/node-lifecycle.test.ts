import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/manual-clock.ts';
import { seededRandom } from '../../time/virtual-clock.ts';
import { admitCreate, ClusterIpAllocator } from '../api/admission.ts';
import { objectFields } from '../api/field-selector.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { nodeLease, nodeObject, runningPod } from '../cluster/objects.ts';
import { ObjectStore } from '../store/object-store.ts';
import { KubeletModel } from './kubelet.ts';
import { NodeLifecycleController } from './node-lifecycle-controller.ts';

const node = resourceForKind('Node')!;
const pod = resourceForKind('Pod')!;
const event = resourceForKind('Event')!;

/** A small world: N nodes with kubelets, one app pod and one DaemonSet pod per node. */
function world(nodes = 3, zone = (i: number) => `zone-${i % 2}`) {
  const clock = new ManualClock(Date.UTC(2018, 6, 19, 15, 0, 0));
  const store = new ObjectStore({ clock, fieldsOf: objectFields });
  const ips = new ClusterIpAllocator();
  const put = (r: typeof node, o: KubeObject) => {
    admitCreate(r, o, ips);
    return store.create(r, o);
  };
  put(resourceForKind('Namespace')!, { metadata: { name: 'default' } });
  put(resourceForKind('Namespace')!, { metadata: { name: 'kube-node-lease' } });
  const random = seededRandom(7);
  const kubelets = new Map<string, KubeletModel>();
  for (let i = 0; i < nodes; i++) {
    const name = `n${i}`;
    put(node, nodeObject({ name, ip: `10.0.0.${i + 1}`, zone: zone(i), nowMs: clock.now() }));
    put(resourceForKind('Lease', 'coordination.k8s.io')!, nodeLease(name, clock.now()));
    put(
      pod,
      runningPod({
        name: `app-${i}`,
        namespace: 'default',
        node: name,
        ip: `10.1.0.${i}`,
        hostIp: `10.0.0.${i + 1}`,
        containers: [{ name: 'app', image: 'app:1' }],
        startedMs: clock.now(),
      }),
    );
    const ds = runningPod({
      name: `proxy-${i}`,
      namespace: 'default',
      node: name,
      ip: `10.0.0.${i + 1}`,
      hostIp: `10.0.0.${i + 1}`,
      containers: [{ name: 'p', image: 'p:1' }],
      startedMs: clock.now(),
    });
    // DaemonSet pods tolerate not-ready and unreachable without a time limit.
    (ds.spec as Record<string, unknown>).tolerations = [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    ];
    put(pod, ds);
    const k = new KubeletModel({ node: name, store, clock, random });
    k.start();
    kubelets.set(name, k);
  }
  const nlc = new NodeLifecycleController({ store, clock });
  nlc.start();
  const ready = (n: string) =>
    (
      store.get(node, '', n).status as {
        conditions: { type: string; status: string; reason: string; lastTransitionTime?: string }[];
      }
    ).conditions.find((c) => c.type === 'Ready');
  const taints = (n: string) =>
    ((store.get(node, '', n).spec as { taints?: { key: string; effect: string }[] }).taints ?? [])
      .map((t) => `${t.key}:${t.effect}`)
      .sort();
  const events = (reason: string) => store.listObjects(event).filter((e) => e.reason === reason);
  return { clock, store, kubelets, ready, taints, events };
}

describe('kubelet heartbeats and the node lifecycle controller', () => {
  it('keeps healthy nodes Ready for hours: leases renew every 10 s, status every 5 min', () => {
    const w = world();
    w.clock.advance(3 * 3600_000);
    for (const n of ['n0', 'n1', 'n2']) {
      expect(w.ready(n)?.status).toBe('True');
      expect(w.taints(n)).toEqual([]);
    }
    const lease = w.store.get(resourceForKind('Lease', 'coordination.k8s.io')!, 'kube-node-lease', 'n0')
      .spec as { renewTime: string };
    expect(w.clock.now() - Date.parse(lease.renewTime)).toBeLessThanOrEqual(10_500);
    expect(w.events('NodeNotReady')).toHaveLength(0);
  });

  it('marks a silent node Unknown only after the 50 s grace period, then taints it', () => {
    const w = world();
    w.clock.advance(60_000);
    w.kubelets.get('n1')!.health.running = false;
    const stoppedAt = w.clock.now();
    w.clock.advance(40_000);
    expect(w.ready('n1')?.status).toBe('True');
    w.clock.advance(30_000);
    const r = w.ready('n1')!;
    expect(r).toMatchObject({
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
    });
    // Unknown is declared more than 50 s after the last lease renewal, within one 5 s monitor period.
    const lease = w.store.get(resourceForKind('Lease', 'coordination.k8s.io')!, 'kube-node-lease', 'n1')
      .spec as { renewTime: string };
    const silentFor = Date.parse(r.lastTransitionTime ?? '') - Date.parse(lease.renewTime);
    expect(Date.parse(lease.renewTime)).toBeLessThanOrEqual(stoppedAt);
    expect(silentFor).toBeGreaterThan(50_000);
    expect(silentFor).toBeLessThanOrEqual(55_000 + 1_000);
    expect(w.taints('n1')).toEqual([
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unreachable:NoSchedule',
    ]);
    expect(w.ready('n0')?.status).toBe('True');
    const podReady = (
      w.store.get(pod, 'default', 'app-1').status as { conditions: { type: string; status: string }[] }
    ).conditions.find((c) => c.type === 'Ready');
    expect(podReady?.status).toBe('False');
    expect(w.events('NodeNotReady').map((e) => (e.source as { component: string }).component)).toContain(
      'node-controller',
    );
    expect(w.events('NodeNotReady').some((e) => e.message === 'Node is not ready')).toBe(true);
  });

  it('evicts tolerating pods 300 s after the taint, never DaemonSet pods, and leaves them Terminating', () => {
    const w = world();
    w.kubelets.get('n2')!.health.apiReachable = false;
    w.clock.advance(70_000);
    expect(w.ready('n2')?.status).toBe('Unknown');
    w.clock.advance(280_000);
    expect(w.store.get(pod, 'default', 'app-2').metadata.deletionTimestamp).toBeUndefined();
    w.clock.advance(30_000);
    const evicted = w.store.get(pod, 'default', 'app-2');
    expect(evicted.metadata.deletionTimestamp).toBeDefined();
    const dt = (evicted.status as { conditions: { type: string; reason?: string }[] }).conditions.find(
      (c) => c.type === 'DisruptionTarget',
    );
    expect(dt?.reason).toBe('DeletionByTaintManager');
    expect(w.events('TaintManagerEviction').map((e) => e.message)).toEqual([
      'Marking for deletion Pod default/app-2',
    ]);
    w.clock.advance(3600_000);
    expect(w.store.get(pod, 'default', 'proxy-2').metadata.deletionTimestamp).toBeUndefined();
  });

  it('clears taints and posts NodeReady when the kubelet comes back', () => {
    const w = world();
    w.kubelets.get('n0')!.health.running = false;
    w.clock.advance(120_000);
    expect(w.ready('n0')?.status).toBe('Unknown');
    w.kubelets.get('n0')!.health.running = true;
    w.clock.advance(30_000);
    expect(w.ready('n0')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(w.taints('n0')).toEqual([]);
    expect(w.events('NodeReady').length).toBeGreaterThan(0);
  });

  it('reports Ready=False with the kubelet reason when the node itself is not ready', () => {
    const w = world();
    w.kubelets.get('n1')!.health.notReadyReasons = [
      'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:cni plugin not initialized',
    ];
    w.clock.advance(30_000);
    expect(w.ready('n1')).toMatchObject({ status: 'False', reason: 'KubeletNotReady' });
    expect(w.taints('n1')).toEqual([
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/not-ready:NoSchedule',
    ]);
  });

  it('stops evicting in a small zone that is mostly down', () => {
    const w = world(4, () => 'zone-a');
    for (const n of ['n0', 'n1', 'n2']) w.kubelets.get(n)!.health.apiReachable = false;
    w.clock.advance(20 * 60_000);
    for (const i of [0, 1, 2])
      expect(w.store.get(pod, 'default', `app-${i}`).metadata.deletionTimestamp).toBeUndefined();
  });

  it('flaps with intermittent status failures but recovers each time', () => {
    const w = world();
    w.kubelets.get('n1')!.health.updateFailureRate = 0.9;
    const seen = new Set<string>();
    for (let i = 0; i < 120; i++) {
      w.clock.advance(15_000);
      seen.add(w.ready('n1')?.status ?? '');
    }
    expect(seen).toEqual(new Set(['True', 'Unknown']));
  });
});
