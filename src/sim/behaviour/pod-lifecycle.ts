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
import { podInvolved, recordEvent } from './events.ts';
import { ImagePuller } from './image-puller.ts';
import type { ImageRegistries } from './image-registry.ts';
import { type KubeletHealth, syncLoopRunning } from './kubelet.ts';
import { markContainerCreating, recordSandboxFailure, type SandboxNetwork } from './pod-sandbox.ts';

const podType = resourceForKind('Pod')!;

/** Time from binding to containers running: image present, sandbox and start. */
const startDelayMs = 2_000;
/** How long a stopping pod's containers take to exit before the kubelet confirms deletion. */
const stopDelayMs = 1_000;
/**
 * The kubelet's CRI client deadline, --runtime-request-timeout (2 min); RunPodSandbox gets
 * twice that ("Use 2 times longer timeout for sandbox operation (4 mins by default)") and
 * StopContainer the grace period on top (k8s.io/cri-client remote_runtime.go).
 */
const runtimeRequestTimeoutMs = 2 * 60_000;
/** The pod worker's back-off after a failed sync (pkg/kubelet/pod_workers.go backOffPeriod). */
const workerBackOffMs = 10_000;
/** What a CRI call that ran out of time returns (the gRPC status of an expired context). */
const deadlineExceeded = 'rpc error: code = DeadlineExceeded desc = context deadline exceeded';

interface PodView {
  metadata: KubeObject['metadata'];
  spec?: {
    nodeName?: string;
    hostNetwork?: boolean;
    containers?: { name: string; image?: string; imagePullPolicy?: string }[];
    terminationGracePeriodSeconds?: number;
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
  /** Pods whose worker last called a stalled runtime at this time; it waits for a newer relist. */
  private readonly calledAt = new Map<string, number>();
  /** Pods a stalled runtime left in ContainerCreating. */
  private readonly sandboxWaiting = new Set<string>();

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
    kubeletVersion?: ContainerRuntimeOptions['kubeletVersion'];
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
      kubeletVersion: o.kubeletVersion,
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
        this.sandboxWaiting.delete(`${ev.entry.namespace}/${ev.entry.name}`);
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

  /** The runtime stopped answering: statuses, exits and restarts freeze where they are. */
  runtimeStalled(): void {
    this.runtime.setStalled(true);
  }

  /** A slow relist got through: statuses catch up and waiting pod workers make one more call. */
  relisted(): void {
    this.runtime.relisted();
    this.reconsiderAll();
  }

  /** The runtime answers again: everything catches up, as after any gap. */
  runtimeAnswering(): void {
    this.calledAt.clear();
    this.runtime.setStalled(false);
    this.reconsiderAll();
  }

  private reconsiderAll(): void {
    for (const e of this.store.list(podType, { filter: (x) => x.fields['spec.nodeName'] === this.node })
      .entries)
      this.consider(e.namespace, e.name);
  }

  private consider(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    if (this.busy.has(key) || !this.live()) return;
    const pod = this.store.find(podType, namespace, name) as (KubeObject & PodView) | undefined;
    if (!pod) return;
    if (this.health.runtime) {
      this.callStalledRuntime(key, pod);
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      this.busy.add(key);
      this.clock.after(stopDelayMs, () => {
        this.busy.delete(key);
        if (this.health.runtime) return this.consider(namespace, name);
        if (this.live() && this.store.find(podType, namespace, name))
          this.store.delete(podType, namespace, name, { gracePeriodSeconds: 0 });
      });
      return;
    }
    // A pod left waiting for its sandbox by a stalled runtime is started now; any other pod
    // with container statuses is the runtime's already (or its own retry's).
    const waited = this.sandboxWaiting.delete(key);
    if (this.runtime.has(namespace, name) || (pod.status?.containerStatuses?.length && !waited)) return;
    if (this.images?.has(key)) return;
    this.busy.add(key);
    this.clock.after(startDelayMs, () => {
      this.busy.delete(key);
      if (this.health.runtime) return this.consider(namespace, name);
      if (this.live()) this.run(namespace, name);
    });
  }

  /**
   * Pod work against a runtime that does not answer. The sync loop dispatches nothing while
   * a runtime error stands; a pod worker that synced before waits for a relist newer than
   * that sync (pod_workers.go, podCache.GetNewerThan), while a new pod's first sync does not
   * wait. A call made runs into its deadline: RunPodSandbox after 4 min gives
   * `FailedCreatePodSandBox`, stopping a pod's containers and sandbox after grace + 2 + 2 min
   * gives `FailedKillPod` (kubelet.go killPod, "error killing pod: %v" over the PodSyncResult
   * errors). The worker then backs off 10 s and tries again.
   */
  private callStalledRuntime(key: string, pod: KubeObject & PodView): void {
    const stall = this.health.runtime;
    const now = this.clock.now();
    if (!stall || !syncLoopRunning(stall, now)) return;
    const last = this.calledAt.get(key);
    if (last !== undefined && stall.lastRelistMs <= last) return;
    const namespace = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    const uid = pod.metadata.uid;
    const known = this.runtime.has(namespace, name);
    const deleting = pod.metadata.deletionTimestamp !== undefined;
    // A running pod with nothing to change makes no call; a pod that never ran has nothing to kill.
    if (known === !deleting) return;
    if (!known && deleting) {
      this.store.delete(podType, namespace, name, { gracePeriodSeconds: 0 });
      return;
    }
    if (!deleting) {
      markContainerCreating(this.store, this.clock, pod);
      this.sandboxWaiting.add(key);
    }
    const graceMs =
      (pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
    const deadlineMs = deleting ? graceMs + 2 * runtimeRequestTimeoutMs : 2 * runtimeRequestTimeoutMs;
    this.calledAt.set(key, now);
    this.busy.add(key);
    this.clock.after(deadlineMs, () => {
      this.busy.delete(key);
      if (!this.live()) return;
      const current = this.store.find(podType, namespace, name) as (KubeObject & PodView) | undefined;
      if (!current || current.metadata.uid !== uid) return;
      // It answered in the end: the sync goes through as usual.
      if (!this.health.runtime) {
        this.consider(namespace, name);
        return;
      }
      if (deleting) this.killFailed(current);
      else recordSandboxFailure(this.store, this.clock, this.node, current, deadlineExceeded);
      this.clock.after(workerBackOffMs, () => this.consider(namespace, name));
    });
  }

  /** `FailedKillPod`: each container's StopContainer and the sandbox's StopPodSandbox ran out of time. */
  private killFailed(pod: KubeObject & PodView): void {
    const failures = [
      ...(pod.spec?.containers ?? []).map(
        (c) => `failed to "KillContainer" for "${c.name}" with KillContainerError: "${deadlineExceeded}"`,
      ),
      `failed to "KillPodSandbox" for "${pod.metadata.uid}" with KillPodSandboxError: "${deadlineExceeded}"`,
    ];
    recordEvent(this.store, this.clock, {
      involved: podInvolved(pod),
      type: 'Warning',
      reason: 'FailedKillPod',
      message: `error killing pod: ${failures.length === 1 ? failures[0] : `[${failures.join(', ')}]`}`,
      source: { component: 'kubelet', host: this.node },
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
