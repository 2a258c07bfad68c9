/**
 * The pod sandbox's network, as the CNI plugin's IPAM sets it up: each pod on a node takes
 * one address from what the node may hold (its ENI slots or its pod CIDR, `perNode`),
 * and nodes draw from one pool (the VPC subnets, the Calico IPPool) that may run dry.
 * When no address is left the plugin's ADD fails, and the kubelet reports it the way it
 * reports every failed RunPodSandbox: a `FailedCreatePodSandBox` warning whose message
 * wraps the plugin's error, the pod left Pending with its containers `ContainerCreating`,
 * and a retry on the pod worker's back-off (10 s, jittered; pkg/kubelet/pod_workers.go).
 *
 * Leaked addresses (an IPAM that lost track of them) and a pool others drained are the
 * faults; a mass reschedule onto fewer nodes is how exhaustion usually arrives on its own.
 */
import { type Clock, rfc3339 } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { hexId } from '../cluster/objects.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { podInvolved, recordEvent } from './events.ts';

const podType = resourceForKind('Pod')!;

/** The kubelet pod worker's back-off after a failed sync. */
const retryMs = 10_000;

export interface SandboxNetworkOptions {
  store: ObjectStore;
  clock: Clock;
  random: () => number;
  /** Addresses one node may hold. */
  perNode: number;
  /** Addresses in the whole pool; unlimited when unset. */
  poolSize?: number;
  /** The plugin's error when it has no address, for a node's pod CIDR. */
  exhausted: (podCidr: string) => string;
}

interface PodView {
  metadata: KubeObject['metadata'];
  spec?: { containers?: { name: string; image?: string }[]; hostNetwork?: boolean };
  status?: Record<string, unknown>;
}

export class SandboxNetwork {
  private readonly o: SandboxNetworkOptions;
  /** Per node: pod key → address slot. */
  private readonly used = new Map<string, Map<string, number>>();
  /** Per node and fault: addresses held with no pod. */
  private readonly leaked = new Map<string, Map<string, number>>();
  /** Addresses the pool can still give out beyond what nodes hold, when something drained it. */
  private poolCap: number | undefined;

  constructor(o: SandboxNetworkOptions) {
    this.o = o;
    this.poolCap = o.poolSize;
  }

  /**
   * Sets up a pod's network on `node`: its address, or the plugin's error. Pods on the
   * host network take no address.
   */
  setUp(node: string, pod: KubeObject & PodView, cidrPrefix: string): { ip: string } | { error: string } {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (pod.spec?.hostNetwork) return { ip: '' };
    const mine = this.used.get(node) ?? new Map<string, number>();
    this.used.set(node, mine);
    const existing = mine.get(key);
    if (existing !== undefined) return { ip: `${cidrPrefix}.${existing}` };
    const held = mine.size + this.leakedOn(node);
    if (held >= this.o.perNode || (this.poolCap !== undefined && this.heldTotal() >= this.poolCap))
      return { error: this.o.exhausted(`${cidrPrefix}.1-${cidrPrefix}.254`) };
    const taken = new Set(mine.values());
    let slot = 2;
    while (taken.has(slot)) slot++;
    mine.set(key, slot);
    return { ip: `${cidrPrefix}.${slot}` };
  }

  /** The pod is gone: its address returns to the node. */
  tearDown(node: string, podKey: string): void {
    this.used.get(node)?.delete(podKey);
  }

  /** The machine is gone: everything it held returns to the pool. */
  forgetNode(node: string): void {
    this.used.delete(node);
    this.leaked.delete(node);
  }

  /** Addresses on `node` the IPAM lost track of, by the fault that did it (0 clears). */
  setLeak(node: string, source: string, addresses: number): void {
    const m = this.leaked.get(node) ?? new Map<string, number>();
    if (addresses > 0) m.set(source, addresses);
    else m.delete(source);
    this.leaked.set(node, m);
  }

  /** Leaves the pool only `free` more addresses than nodes hold now; undefined restores it. */
  drainPool(free: number | undefined): void {
    this.poolCap = free === undefined ? this.o.poolSize : this.heldTotal() + free;
  }

  /** Reports a failed sandbox on the pod and retries after the pod worker's back-off. */
  failed(node: string, pod: KubeObject & PodView, error: string, retry: () => void): void {
    const { store, clock, random } = this.o;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    // One id per pod: retries then aggregate into one Event with a count, as the
    // recorder's correlator folds repeats (a real kubelet names a new sandbox each time).
    const sandboxId = hexId(`${key}/${pod.metadata.uid}/sandbox`, 64);
    markContainerCreating(store, clock, pod);
    recordSandboxFailure(
      store,
      clock,
      node,
      pod,
      `rpc error: code = Unknown desc = failed to setup network for sandbox "${sandboxId}": ${error}`,
    );
    clock.after(retryMs * (1 + random() * 0.5), retry);
  }

  private leakedOn(node: string): number {
    let n = 0;
    for (const v of this.leaked.get(node)?.values() ?? []) n += v;
    return n;
  }

  private heldTotal(): number {
    let n = 0;
    for (const [node, m] of this.used) n += m.size + this.leakedOn(node);
    for (const node of this.leaked.keys()) if (!this.used.has(node)) n += this.leakedOn(node);
    return n;
  }
}

/**
 * The status the kubelet writes for a pod whose sandbox is not up yet, before it asks the
 * runtime for one: Pending, containers waiting in ContainerCreating (pkg/kubelet/kubelet_pods.go
 * generateAPIPodStatus). Written once; a pod that has container statuses keeps them.
 */
export function markContainerCreating(store: ObjectStore, clock: Clock, pod: KubeObject & PodView): void {
  if (pod.status?.containerStatuses) return;
  const stamp = rfc3339(clock.now());
  const cond = (type: string, status: string, extra: Record<string, string> = {}) => ({
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: stamp,
    ...extra,
  });
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const notReady = {
    reason: 'ContainersNotReady',
    message: `containers with unready status: [${names.join(' ')}]`,
  };
  store.update(
    podType,
    {
      ...pod,
      status: {
        ...pod.status,
        phase: 'Pending',
        conditions: [
          cond('PodReadyToStartContainers', 'False'),
          cond('Initialized', 'True'),
          cond('Ready', 'False', notReady),
          cond('ContainersReady', 'False', notReady),
          cond('PodScheduled', 'True'),
        ],
        containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
          name: c.name,
          state: { waiting: { reason: 'ContainerCreating' } },
          lastState: {},
          ready: false,
          restartCount: 0,
          image: c.image ?? '',
          imageID: '',
          started: false,
        })),
        startTime: stamp,
      },
    },
    { subresource: 'status' },
  );
}

/**
 * The kubelet's event for a failed RunPodSandbox: `FailedCreatePodSandBox`, "Failed to create
 * pod sandbox: <the runtime's error>" (pkg/kubelet/kuberuntime/kuberuntime_manager.go SyncPod).
 */
export function recordSandboxFailure(
  store: ObjectStore,
  clock: Clock,
  node: string,
  pod: KubeObject & PodView,
  error: string,
): void {
  recordEvent(store, clock, {
    involved: podInvolved(pod),
    type: 'Warning',
    reason: 'FailedCreatePodSandBox',
    message: `Failed to create pod sandbox: ${error}`,
    source: { component: 'kubelet', host: node },
  });
}
