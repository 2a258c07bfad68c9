/**
 * A small simulated cluster for behaviour tests, on a manual clock: namespaces, N nodes
 * with leases and kubelets (which run their pods), a dependency model and the control-plane
 * controllers a test asks for. Tests then add workloads and faults and advance the clock.
 */
import { admitCreate, ClusterIpAllocator } from '../../src/sim/api/admission.ts';
import { objectFields } from '../../src/sim/api/field-selector.ts';
import type { KubeObject } from '../../src/sim/api/k8s-types.ts';
import { PodLogBook } from '../../src/sim/api/pod-log-book.ts';
import { resourceForKind } from '../../src/sim/api/resources.ts';
import type { ContainerRuntimeOptions } from '../../src/sim/behaviour/container-runtime.ts';
import { Dependencies } from '../../src/sim/behaviour/dependencies.ts';
import type { ImageRegistries } from '../../src/sim/behaviour/image-registry.ts';
import { KubeletModel } from '../../src/sim/behaviour/kubelet.ts';
import { NodeLifecycleController } from '../../src/sim/behaviour/node-lifecycle-controller.ts';
import { ReplicaSetController } from '../../src/sim/behaviour/replicaset-controller.ts';
import { Scheduler } from '../../src/sim/behaviour/scheduler.ts';
import { nodeLease, nodeObject } from '../../src/sim/cluster/objects.ts';
import { ObjectStore } from '../../src/sim/store/object-store.ts';
import type { Clock } from '../../src/time/clock.ts';
import { ManualClock } from '../../src/time/manual-clock.ts';
import { seededRandom } from '../../src/time/virtual-clock.ts';

type Controller = new (o: { store: ObjectStore; clock: Clock }) => { start(): void };

export interface BehaviourClusterOptions {
  startMs: number;
  namespaces: string[];
  nodes?: number;
  zone?: (i: number) => string;
  needsOf?: ContainerRuntimeOptions['needsOf'];
  /** Started in this order; default: node lifecycle, scheduler, ReplicaSets. */
  controllers?: Controller[];
  /** Registries the kubelets pull from (image pulls are modelled only with these). */
  registries?: ImageRegistries;
  containerRuntime?: string;
  /** The nodes' kubelet version (nodeObject's default when unset). */
  kubeletVersion?: string;
}

export function behaviourCluster(o: BehaviourClusterOptions) {
  const clock = new ManualClock(o.startMs);
  const store = new ObjectStore({ clock, fieldsOf: objectFields });
  const logs = new PodLogBook();
  const ips = new ClusterIpAllocator();
  const put = (kind: string, obj: KubeObject, group = '') => {
    const r = resourceForKind(kind, group)!;
    admitCreate(r, obj, ips);
    return store.create(r, obj);
  };
  for (const ns of ['default', 'kube-node-lease', ...o.namespaces])
    put('Namespace', { metadata: { name: ns } });
  const deps = new Dependencies({
    apiServerUp: true,
    dnsServing: () => true,
    serviceHasEndpoints: () => true,
  });
  const random = seededRandom(7);
  const kubelets = new Map<string, KubeletModel>();
  const addNode = (i: number): void => {
    const name = `n${i}`;
    const ip = `10.0.0.${i + 1}`;
    put(
      'Node',
      nodeObject({
        name,
        ip,
        zone: o.zone?.(i) ?? `z${i}`,
        kubeletVersion: o.kubeletVersion,
        nowMs: clock.now(),
      }),
    );
    put('Lease', nodeLease(name, clock.now()), 'coordination.k8s.io');
    const k = new KubeletModel({
      node: name,
      nodeIp: ip,
      store,
      clock,
      random,
      deps,
      logs,
      needsOf: o.needsOf,
      registries: o.registries,
      containerRuntime: o.containerRuntime,
    });
    k.start();
    kubelets.set(name, k);
  };
  for (let i = 0; i < (o.nodes ?? 3); i++) addNode(i);
  for (const C of o.controllers ?? [NodeLifecycleController, Scheduler, ReplicaSetController])
    new C({ store, clock }).start();
  return { clock, store, logs, deps, kubelets, put, addNode };
}
