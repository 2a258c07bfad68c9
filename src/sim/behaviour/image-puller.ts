/**
 * A kubelet's image pulls when a registry is broken (pkg/kubelet/images/image_manager.go
 * EnsureImageExists). The node keeps the images of the pods it already ran; a container
 * pulls when its image is not on the node, or always with imagePullPolicy Always. A pull
 * records `Pulling image "x"`, then on failure the Warning `Failed` with `Failed to pull
 * image "x": <runtime error>` and the kuberuntime's `Error: ErrImagePull`; the container
 * waits with reason ErrImagePull and the runtime's error as message (images/types.go,
 * evalCRIPullErr). The pull back-off per pod and image is flowcontrol.Backoff(10 s,
 * MaxImageBackOff 300 s): each failure doubles it, a rest of twice the maximum resets it.
 * The pod worker retries a failed sync every 10 s (pod_workers.go backOffPeriod); inside
 * the back-off a sync records the Normal `BackOff` `Back-off pulling image "x"` and
 * `Error: ImagePullBackOff`, and the container waits with reason ImagePullBackOff and
 * message `Back-off pulling image "x": ErrImagePull: <error>`. Events go through
 * client-go's spam filter: 25 per pod, then one every 5 minutes (events_cache.go
 * defaultSpamBurst, defaultSpamQPS). Event reasons from pkg/kubelet/events.
 *
 * Only pulls from a broken registry are modelled; every other image behaves as before
 * (`already present on machine`), so scenarios without a registry fault replay unchanged.
 * A pod starts when all its images are there (a real kubelet starts the others meanwhile;
 * the simulator's runtime starts a pod's containers together).
 */
import { type Clock, rfc3339, type Timer } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { recordEvent } from './events.ts';
import { type ImageRegistries, imageSizeBytes } from './image-registry.ts';

const podType = resourceForKind('Pod')!;

/** flowcontrol.NewBackOff(backOffPeriod, MaxImageBackOff) in pkg/kubelet/kubelet.go. */
export const imageBackoffInitialMs = 10_000;
export const imageBackoffMaxMs = 300_000;
/** The pod worker's requeue after a failed sync (pod_workers.go, kubelet.go backOffPeriod). */
export const podSyncRetryMs = 10_000;
const spamBurst = 25;
const spamRefillMs = 300_000;

interface PullContainer {
  name: string;
  image: string;
  policy: string;
}

interface ContainerPull {
  name: string;
  image: string;
  policy: string;
  pulled: boolean;
  backoffMs: number;
  lastFailureMs?: number;
  lastError?: string;
  waiting?: { reason: string; message: string };
}

interface PodPull {
  namespace: string;
  name: string;
  uid: string;
  containers: ContainerPull[];
  timer?: Timer;
  tokens: number;
  tokensAtMs: number;
  /** The waiting states last written, as one comparable string. */
  written?: string;
}

interface PodSpecView {
  spec?: { containers?: { name: string; image?: string; imagePullPolicy?: string }[] };
}

export class ImagePuller {
  /** Images on this node's disk: those of the pods it ran. */
  readonly present = new Set<string>();
  private readonly pods = new Map<string, PodPull>();
  private readonly o: {
    node: string;
    store: ObjectStore;
    clock: Clock;
    registries: ImageRegistries;
    containerRuntime?: string;
    live: () => boolean;
  };

  constructor(o: ImagePuller['o']) {
    this.o = o;
  }

  /** The node ran these containers: their images are on its disk now. */
  ran(pod: KubeObject & PodSpecView): void {
    for (const c of pod.spec?.containers ?? []) if (c.image) this.present.add(c.image);
  }

  private needsPull(c: PullContainer): boolean {
    if (c.policy === 'Never') return false;
    return c.policy === 'Always' || !this.present.has(c.image);
  }

  /** Whether starting this pod means pulling from a broken registry. */
  mustPull(pod: KubeObject & PodSpecView): boolean {
    if (!this.o.registries.broken) return false;
    return (pod.spec?.containers ?? []).some((c) => {
      const pc = { name: c.name, image: c.image ?? '', policy: c.imagePullPolicy ?? 'IfNotPresent' };
      return this.needsPull(pc) && this.o.registries.affects(pc.image, this.o.node);
    });
  }

  has(key: string): boolean {
    return this.pods.has(key);
  }

  /**
   * Pulls the pod's images; `status` is the pod's status with its sandbox up (IPs, start
   * time). Calls `started` once every image is there, with the Pulled events to record.
   */
  pull(pod: KubeObject & PodSpecView, status: Record<string, unknown>, started: () => void): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (this.pods.has(key)) return;
    const p: PodPull = {
      namespace: pod.metadata.namespace ?? '',
      name: pod.metadata.name ?? '',
      uid: pod.metadata.uid ?? '',
      containers: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        policy: c.imagePullPolicy ?? 'IfNotPresent',
        pulled: false,
        backoffMs: 0,
      })),
      tokens: spamBurst,
      tokensAtMs: this.o.clock.now(),
    };
    this.pods.set(key, p);
    this.sync(key, p, status, started);
  }

  forget(key: string): void {
    this.pods.get(key)?.timer?.cancel();
    this.pods.delete(key);
  }

  stop(): void {
    for (const key of [...this.pods.keys()]) this.forget(key);
  }

  private sync(key: string, p: PodPull, status: Record<string, unknown>, started: () => void): void {
    p.timer = undefined;
    const pod = this.o.store.find(podType, p.namespace, p.name);
    if (!pod || pod.metadata.uid !== p.uid || pod.metadata.deletionTimestamp) {
      this.pods.delete(key);
      return;
    }
    // A stopped or cut-off kubelet pulls nothing; it tries again when it is back.
    if (this.o.live()) {
      const now = this.o.clock.now();
      for (const c of p.containers) if (!c.pulled) this.ensure(p, pod, c, now);
      if (p.containers.every((c) => c.pulled)) {
        this.pods.delete(key);
        started();
        return;
      }
      this.write(p, pod, status);
    }
    p.timer = this.o.clock.after(podSyncRetryMs, () => this.sync(key, p, status, started));
  }

  /** EnsureImageExists for one container. */
  private ensure(p: PodPull, pod: KubeObject, c: ContainerPull, now: number): void {
    if (!this.needsPull(c) || !this.o.registries.affects(c.image, this.o.node)) {
      c.pulled = true;
      if (!this.needsPull(c))
        this.event(p, pod, c, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
      return;
    }
    if (c.lastFailureMs !== undefined && now - c.lastFailureMs < c.backoffMs) {
      this.event(p, pod, c, 'Normal', 'BackOff', `Back-off pulling image "${c.image}"`);
      this.event(p, pod, c, 'Warning', 'Failed', 'Error: ImagePullBackOff');
      c.waiting = {
        reason: 'ImagePullBackOff',
        message: `Back-off pulling image "${c.image}": ErrImagePull: ${c.lastError}`,
      };
      return;
    }
    this.event(p, pod, c, 'Normal', 'Pulling', `Pulling image "${c.image}"`);
    const error = this.o.registries.pull(c.image, this.o.containerRuntime, this.o.node);
    if (error === undefined) {
      c.pulled = true;
      this.present.add(c.image);
      const size = imageSizeBytes(c.image);
      // About 40 MB/s from the registry, as a round virtual figure.
      const took = `${(size / 40_000_000).toFixed(3)}s`;
      this.event(
        p,
        pod,
        c,
        'Normal',
        'Pulled',
        `Successfully pulled image "${c.image}" in ${took} (${took} including waiting). Image size: ${size} bytes.`,
      );
      return;
    }
    this.event(p, pod, c, 'Warning', 'Failed', `Failed to pull image "${c.image}": ${error}`);
    this.event(p, pod, c, 'Warning', 'Failed', 'Error: ErrImagePull');
    // flowcontrol.Backoff.Next: the first failure, or one after a long rest, starts at 10 s.
    const rested = c.lastFailureMs === undefined || now - c.lastFailureMs > 2 * imageBackoffMaxMs;
    c.backoffMs = rested ? imageBackoffInitialMs : Math.min(imageBackoffMaxMs, c.backoffMs * 2);
    c.lastFailureMs = now;
    c.lastError = error;
    c.waiting = { reason: 'ErrImagePull', message: error };
  }

  /** The recorder's spam filter: a token bucket per source and object. */
  private event(
    p: PodPull,
    pod: KubeObject,
    c: ContainerPull,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void {
    const now = this.o.clock.now();
    p.tokens = Math.min(spamBurst, p.tokens + (now - p.tokensAtMs) / spamRefillMs);
    p.tokensAtMs = now;
    if (p.tokens < 1) return;
    p.tokens -= 1;
    recordEvent(this.o.store, this.o.clock, {
      involved: {
        kind: 'Pod',
        name: p.name,
        namespace: p.namespace,
        uid: pod.metadata.uid,
        apiVersion: 'v1',
        fieldPath: `spec.containers{${c.name}}`,
      },
      type,
      reason,
      message,
      source: { component: 'kubelet', host: this.o.node },
    });
  }

  /** The pod as the kubelet reports it while images are missing: Pending, containers waiting. */
  private write(p: PodPull, pod: KubeObject, base: Record<string, unknown>): void {
    const written = p.containers.map((c) => `${c.waiting?.reason}|${c.waiting?.message}`).join('\n');
    if (written === p.written && pod.status && (pod.status as { phase?: string }).phase === 'Pending') return;
    p.written = written;
    const stamp = rfc3339(this.o.clock.now());
    const unready = p.containers.map((c) => c.name);
    const prior = (pod.status ?? {}) as { conditions?: { type: string; lastTransitionTime?: string }[] };
    const since = (type: string) =>
      prior.conditions?.find((x) => x.type === type)?.lastTransitionTime ?? stamp;
    const cond = (type: string, status: 'True' | 'False') => ({
      type,
      status,
      ...(status === 'False'
        ? { reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` }
        : {}),
      lastProbeTime: null,
      lastTransitionTime: since(type),
    });
    const containerStatuses = p.containers.map((c) => ({
      name: c.name,
      state: { waiting: c.waiting ?? { reason: 'ContainerCreating' } },
      lastState: {},
      ready: false,
      restartCount: 0,
      image: c.image,
      imageID: '',
      started: false,
    }));
    this.o.store.update(
      podType,
      {
        ...pod,
        status: {
          ...(pod.status as object),
          ...base,
          phase: 'Pending',
          conditions: [
            cond('PodReadyToStartContainers', 'True'),
            cond('Initialized', 'True'),
            cond('Ready', 'False'),
            cond('ContainersReady', 'False'),
            cond('PodScheduled', 'True'),
          ],
          containerStatuses,
        },
      },
      { subresource: 'status' },
    );
  }
}
