/**
 * What a kubelet does with the pods bound to its node: starts new ones (Pending, then
 * Running with every container started and Ready, with the events a kubelet emits) and
 * finishes graceful deletions by deleting with grace 0. It acts only while its kubelet
 * runs and reaches the API server; otherwise bound pods stay Pending and deleted ones stay
 * Terminating, which is exactly what a real unreachable node shows.
 *
 * Containers then live in the node's container runtime, which restarts them with the
 * kubelet's back-off when their needs are unmet.
 */
import { type Clock, rfc3339 } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import type { PodLogBook } from '../api/pod-log-book.ts';
import { resourceForKind } from '../api/resources.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { ContainerRuntime, type ContainerRuntimeOptions } from './container-runtime.ts';
import type { Dependencies } from './dependencies.ts';
import { recordEvent } from './events.ts';
import { ImagePuller } from './image-puller.ts';
import type { ImageRegistries } from './image-registry.ts';
import type { KubeletHealth } from './kubelet.ts';
import type { SandboxNetwork } from './pod-sandbox.ts';

const podType = resourceForKind('Pod')!;

/** Time from binding to containers running: image present, sandbox and start. */
const startDelayMs = 2_000;
/** How long a stopping pod's containers take to exit before the kubelet confirms deletion. */
const stopDelayMs = 1_000;

interface PodView {
  metadata: KubeObject['metadata'];
  spec?: {
    nodeName?: string;
    hostNetwork?: boolean;
    containers?: { name: string; image?: string; imagePullPolicy?: string }[];
  };
  status?: { phase?: string; containerStatuses?: unknown[] };
}

export class PodLifecycle {
  private readonly node: string;
  private readonly nodeIp: string;
  private readonly store: ObjectStore;
  private readonly clock: Clock;
  private readonly health: KubeletHealth;
  private readonly busy = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  private ipSeq = 2;
  private readonly sandbox: SandboxNetwork | undefined;

  readonly runtime: ContainerRuntime;
  /** Pulls from broken registries, where the scenario breaks one. */
  readonly images: ImagePuller | undefined;

  constructor(o: {
    node: string;
    nodeIp: string;
    store: ObjectStore;
    clock: Clock;
    health: KubeletHealth;
    deps?: Dependencies;
    logs?: PodLogBook;
    needsOf?: ContainerRuntimeOptions['needsOf'];
    memoryOf?: ContainerRuntimeOptions['memoryOf'];
    /** The CNI's address management, where the scenario models it. */
    sandbox?: SandboxNetwork;
    registries?: ImageRegistries;
    /** `containerd://1.7.2`: which runtime's words a failed pull is told in. */
    containerRuntime?: string;
  }) {
    this.node = o.node;
    this.sandbox = o.sandbox;
    this.nodeIp = o.nodeIp;
    this.store = o.store;
    this.clock = o.clock;
    this.health = o.health;
    this.runtime = new ContainerRuntime({
      node: o.node,
      store: o.store,
      clock: o.clock,
      deps: o.deps,
      logs: o.logs,
      needsOf: o.needsOf,
      memoryOf: o.memoryOf,
      canReport: () => this.live(),
    });
    this.images = o.registries
      ? new ImagePuller({
          node: o.node,
          store: o.store,
          clock: o.clock,
          registries: o.registries,
          containerRuntime: o.containerRuntime,
          live: () => this.live(),
        })
      : undefined;
  }

  start(): void {
    this.unsubscribe = this.store.subscribe(podType.storage, (ev) => {
      if (ev.entry.fields['spec.nodeName'] !== this.node) return;
      // A deleted pod's containers are gone from the machine too (the runtime stops them).
      if (ev.type === 'DELETED') {
        this.runtime.stopPod(`${ev.entry.namespace}/${ev.entry.name}`);
        this.images?.forget(`${ev.entry.namespace}/${ev.entry.name}`);
        this.sandbox?.tearDown(this.node, `${ev.entry.namespace}/${ev.entry.name}`);
      } else this.consider(ev.entry.namespace, ev.entry.name);
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.runtime.dispose();
    this.images?.stop();
    this.sandbox?.forgetNode(this.node);
  }

  /** Catch up with every pod on the node, e.g. when the kubelet comes back. */
  resync(): void {
    for (const key of this.runtime.keys()) {
      const [ns, name] = key.split('/');
      if (!this.store.find(podType, ns, name)) this.runtime.stopPod(key);
    }
    this.runtime.reportAll();
    for (const e of this.store.list(podType, { filter: (x) => x.fields['spec.nodeName'] === this.node })
      .entries)
      this.consider(e.namespace, e.name);
  }

  private live(): boolean {
    return this.health.running && this.health.apiReachable;
  }

  private consider(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    if (this.busy.has(key) || !this.live()) return;
    const pod = this.store.find(podType, namespace, name) as (KubeObject & PodView) | undefined;
    if (!pod) return;
    if (pod.metadata.deletionTimestamp) {
      this.busy.add(key);
      this.clock.after(stopDelayMs, () => {
        this.busy.delete(key);
        if (this.live() && this.store.find(podType, namespace, name))
          this.store.delete(podType, namespace, name, { gracePeriodSeconds: 0 });
      });
      return;
    }
    if (this.runtime.has(namespace, name) || pod.status?.containerStatuses?.length) return;
    if (this.images?.has(key)) return;
    this.busy.add(key);
    this.clock.after(startDelayMs, () => {
      this.busy.delete(key);
      if (this.live()) this.run(namespace, name);
    });
  }

  private run(namespace: string, name: string): void {
    const pod = this.store.find(podType, namespace, name) as (KubeObject & PodView) | undefined;
    if (!pod || pod.metadata.deletionTimestamp || this.runtime.has(namespace, name)) return;
    if (this.images?.has(`${namespace}/${name}`)) return;
    const t = rfc3339(this.clock.now());
    const cidr = `10.244.${Number(this.nodeIp.split('.').at(-1)) % 256}`;
    const net = this.sandbox?.setUp(this.node, pod, cidr);
    if (net && 'error' in net) {
      this.sandbox?.failed(this.node, pod, net.error, () => this.live() && this.run(namespace, name));
      return;
    }
    // A hostNetwork pod shares its node's network namespace: its podIP is the node's address.
    const ip = pod.spec?.hostNetwork ? this.nodeIp : net?.ip || `${cidr}.${(this.ipSeq++ % 250) + 2}`;
    const sandbox = {
      hostIP: this.nodeIp,
      hostIPs: [{ ip: this.nodeIp }],
      podIP: ip,
      podIPs: [{ ip }],
      startTime: t,
    };
    // An image to fetch from a broken registry: the pod waits in the pull loop, and starts
    // (without pull events of its own) once the images are there.
    if (this.images?.mustPull(pod)) {
      this.images.pull(pod, sandbox, () => this.live() && this.startContainers(namespace, name, false));
      return;
    }
    this.startContainers(namespace, name, true, pod, sandbox);
  }

  private startContainers(
    namespace: string,
    name: string,
    presentEvents: boolean,
    found?: KubeObject & PodView,
    sandbox?: Record<string, unknown>,
  ): void {
    const pod = found ?? (this.store.find(podType, namespace, name) as (KubeObject & PodView) | undefined);
    if (!pod || pod.metadata.deletionTimestamp || this.runtime.has(namespace, name)) return;
    const t = rfc3339(this.clock.now());
    const containers = pod.spec?.containers ?? [];
    const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: t });
    const status = {
      ...pod.status,
      ...sandbox,
      phase: 'Running',
      conditions: [
        cond('PodReadyToStartContainers'),
        cond('Initialized'),
        cond('Ready'),
        cond('ContainersReady'),
        cond('PodScheduled'),
      ],
    };
    const started = this.store.update(podType, { ...pod, status }, { subresource: 'status' });
    const involved = { kind: 'Pod', name, namespace, uid: pod.metadata.uid, apiVersion: 'v1' };
    for (const c of containers) {
      const source = { component: 'kubelet', host: this.node };
      if (presentEvents)
        recordEvent(this.store, this.clock, {
          involved,
          type: 'Normal',
          reason: 'Pulled',
          message: `Container image "${c.image}" already present on machine`,
          source,
        });
      recordEvent(this.store, this.clock, {
        involved,
        type: 'Normal',
        reason: 'Created',
        message: `Created container: ${c.name}`,
        source,
      });
      recordEvent(this.store, this.clock, {
        involved,
        type: 'Normal',
        reason: 'Started',
        message: `Started container ${c.name}`,
        source,
      });
    }
    // Container states, readiness and restarts are the runtime's to report from here on.
    this.images?.ran(pod);
    this.runtime.startPod(started);
  }
}
