/**
 * A node's kubelet, as the control plane sees it: it renews its Lease in kube-node-lease
 * every 10 s (0.25 × leaseDurationSeconds 40) and posts node status when it changes or
 * every 5 min (nodeStatusReportFrequency), with the real condition reasons and messages
 * (kubernetes.md §3, §5.2). It does so only while it runs and can reach the API server from
 * its node; faults switch those off and the rest (Unknown, taints, evictions) is left to
 * the node lifecycle controller, as in a real cluster.
 */
import { type Clock, rfc3339, rfc3339Micro, type Timer } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import type { PodLogBook } from '../api/pod-log-book.ts';
import { resourceForKind } from '../api/resources.ts';
import type { ObjectStore } from '../store/object-store.ts';
import type { ContainerRuntimeOptions } from './container-runtime.ts';
import type { Dependencies } from './dependencies.ts';
import { recordEvent } from './events.ts';
import { MemoryEvictionManager } from './eviction-manager.ts';
import type { ImageRegistries } from './image-registry.ts';
import { defaultMemoryCapacityBytes } from './memory.ts';
import type { NodeCondition } from './node-condition.ts';
import { defaultThreadsMax } from './node-storage.ts';
import { PodLifecycle } from './pod-lifecycle.ts';
import type { SandboxNetwork } from './pod-sandbox.ts';
import { ResourceMetrics } from './resource-metrics.ts';
import { StorageEvictionManager, type StorageOptions } from './storage-eviction.ts';

const nodeType = resourceForKind('Node')!;
const leaseType = resourceForKind('Lease', 'coordination.k8s.io')!;
/** The kubelet's heartbeat client timeout: nodeStatusUpdateFrequency, 10 s by default. */
const heartbeatClientTimeoutMs = 10_000;

/**
 * PLEG's relist threshold: the kubelet's PLEG health check fails when its last successful
 * relist is older than this (pkg/kubelet/pleg/generic.go Healthy, RelistThreshold 3m).
 */
export const plegRelistThresholdMs = 3 * 60_000;
/**
 * How old the last answered runtime Status call may be before the kubelet says `container
 * runtime is down` (pkg/kubelet/runtime.go runtimeErrors, baseRuntimeSyncThreshold; the
 * kubelet builds it from maxWaitForContainerRuntime, 30 s; updateRuntimeUp runs every 5 s).
 */
export const runtimeSyncThresholdMs = 30_000;

export const leaseRenewIntervalMs = 10_000;
export const nodeStatusUpdateFrequencyMs = 10_000;
export const nodeStatusReportFrequencyMs = 5 * 60_000;

interface NodeView {
  status?: { conditions?: NodeCondition[]; nodeInfo?: { kubeletVersion?: string } };
}

/** What can be wrong on the node that the kubelet itself reports (Ready=False reasons). */
export interface KubeletHealth {
  /** The kubelet process runs (kubelet stop/flap faults clear this). */
  running: boolean;
  /** The node can reach the API server (node network loss clears this). */
  apiReachable: boolean;
  /** Share of status/lease updates that fail anyway (intermittent trouble), 0..1. */
  updateFailureRate: number;
  /** Reasons the kubelet reports NotReady (runtime down, network plugin not ready…). */
  notReadyReasons: string[];
  /** The container runtime stopped answering in time (a runtime-stall fault), while it lasts. */
  runtime?: RuntimeStall;
}

/** A container runtime that does not answer the kubelet in time. */
export interface RuntimeStall {
  stalledSinceMs: number;
  /** When PLEG's last relist got through (the stall's start, then each slow relist). */
  lastRelistMs: number;
  /** The runtime's Status call hangs too, so updateRuntimeUp stops succeeding. */
  statusHangs: boolean;
  /** A crawling runtime answers one relist this often; unset: none get through. */
  relistEveryMs?: number;
}

/**
 * The kubelet's runtime errors at `nowMs` (pkg/kubelet/runtime.go runtimeErrors): `container
 * runtime is down` once the last answered Status call is older than 30 s, and the PLEG health
 * check's `PLEG is not healthy: pleg was last seen active 3m5s ago; threshold is 3m0s` once the
 * last relist is older than 3 min (the elapsed time printed as Go prints a Duration).
 */
export function runtimeErrors(stall: RuntimeStall | undefined, nowMs: number): string[] {
  if (!stall) return [];
  const out: string[] = [];
  if (stall.statusHangs && nowMs - stall.stalledSinceMs >= runtimeSyncThresholdMs)
    out.push('container runtime is down');
  const elapsed = nowMs - stall.lastRelistMs;
  if (elapsed > plegRelistThresholdMs)
    out.push(
      `PLEG is not healthy: pleg was last seen active ${goDurationExact(elapsed)} ago; threshold is 3m0s`,
    );
  return out;
}

/**
 * Whether the kubelet's sync loop dispatches pod work: it skips every iteration while a
 * runtime error stands (pkg/kubelet/kubelet.go syncLoop, "Skipping pod synchronization").
 */
export function syncLoopRunning(stall: RuntimeStall | undefined, nowMs: number): boolean {
  return runtimeErrors(stall, nowMs).length === 0;
}

/** Go's Duration.String() to the millisecond (`3m5.012s`, `10m0s`), as `%v` prints an elapsed time. */
function goDurationExact(elapsedMs: number): string {
  const ms = Math.round(elapsedMs);
  const whole = Math.floor(ms / 1000);
  const frac = ms % 1000;
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const sec = `${whole % 60}${frac ? `.${String(frac).padStart(3, '0').replace(/0+$/, '')}` : ''}s`;
  if (h) return `${h}h${m}m${sec}`;
  if (m) return `${m}m${sec}`;
  return sec;
}

/**
 * The aggregate error's text (k8s.io/apimachinery/pkg/util/errors aggregate.Error): one error
 * as it is, several in brackets joined by `, `. The kubelet's Ready message is this over its
 * runtime, network and storage errors (pkg/kubelet/nodestatus/setters.go ReadyCondition).
 */
function aggregateText(errors: readonly string[]): string {
  const unique = [...new Set(errors)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

export class KubeletModel {
  readonly node: string;
  readonly health: KubeletHealth = {
    running: true,
    apiReachable: true,
    updateFailureRate: 0,
    notReadyReasons: [],
  };
  private readonly store: ObjectStore;
  private readonly clock: Clock;
  private readonly random: () => number;
  private timers: Timer[] = [];
  private lastReportMs = Number.NEGATIVE_INFINITY;
  private relistTimer: Timer | undefined;
  private wasLive = true;
  /** nodeInfo fields the next status report changes (a new kernel after a reboot, a new kubelet). */
  private pendingInfo: Record<string, string> | undefined;
  readonly pods: PodLifecycle | undefined;
  readonly eviction: MemoryEvictionManager | undefined;
  /** Disk and PIDs: image GC, DiskPressure and PIDPressure, their evictions. */
  readonly storage: StorageEvictionManager | undefined;
  /** `/metrics/resource`, from the same stats summary the eviction manager reads. */
  readonly resourceMetrics: ResourceMetrics | undefined;

  constructor(o: {
    node: string;
    store: ObjectStore;
    clock: Clock;
    random: () => number;
    /** With an address, the kubelet also runs the node's pods. */
    nodeIp?: string;
    deps?: Dependencies;
    logs?: PodLogBook;
    needsOf?: ContainerRuntimeOptions['needsOf'];
    memoryOf?: ContainerRuntimeOptions['memoryOf'];
    /** The node's memory capacity, which the eviction manager measures against. */
    memoryCapacityBytes?: number;
    sandbox?: SandboxNetwork;
    /** The node's disk and PIDs, which the eviction manager and image GC measure. */
    storage?: Omit<
      StorageOptions,
      'node' | 'store' | 'clock' | 'runtime' | 'health' | 'canReport' | 'threadsMax'
    >;
    /** The registries pods pull from, where the scenario can break one. */
    registries?: ImageRegistries;
    /** As nodeInfo has it (`containerd://1.7.2`): the words a failed pull is told in. */
    containerRuntime?: string;
  }) {
    this.node = o.node;
    this.store = o.store;
    this.clock = o.clock;
    this.random = o.random;
    if (o.nodeIp)
      this.pods = new PodLifecycle({
        ...o,
        nodeIp: o.nodeIp,
        health: this.health,
        kubeletVersion: () => this.version(),
      });
    if (this.pods) {
      const runtime = this.pods.runtime;
      this.resourceMetrics = new ResourceMetrics({
        clock: o.clock,
        summary: (nowMs) => runtime.summary(nowMs),
        kubeletVersion: () =>
          (o.store.find(nodeType, '', o.node) as (KubeObject & NodeView) | undefined)?.status?.nodeInfo
            ?.kubeletVersion,
      });
    }
    if (this.pods && o.memoryOf)
      this.eviction = new MemoryEvictionManager({
        node: o.node,
        store: o.store,
        clock: o.clock,
        runtime: this.pods.runtime,
        capacityBytes: o.memoryCapacityBytes ?? defaultMemoryCapacityBytes,
        canReport: () => this.health.running && this.health.apiReachable,
      });
    if (this.pods && o.storage)
      this.storage = new StorageEvictionManager({
        ...o.storage,
        threadsMax: defaultThreadsMax(o.memoryCapacityBytes ?? defaultMemoryCapacityBytes),
        node: o.node,
        store: o.store,
        clock: o.clock,
        runtime: this.pods.runtime,
        health: this.health,
        canReport: () => this.health.running && this.health.apiReachable,
      });
  }

  start(): void {
    this.pods?.start();
    // Kubelets do not tick in lockstep: start each at a random phase of its period.
    const phase = this.random() * leaseRenewIntervalMs;
    this.timers.push(
      this.clock.after(phase, () => this.every(leaseRenewIntervalMs, () => this.renewLease())),
    );
    this.timers.push(
      // The eviction manager's monitoring period (10 s) matches the status loop's; it runs
      // first so a threshold met shows in the status computed right after.
      this.clock.after(phase + 1, () =>
        this.every(nodeStatusUpdateFrequencyMs, () => {
          // One eviction per pass at most, memory first (byEvictionPriority).
          if (this.health.running && !this.eviction?.synchronize()) this.storage?.synchronize();
          this.syncNodeStatus();
        }),
      ),
    );
  }

  stop(): void {
    this.relistTimer?.cancel();
    this.pods?.stop();
    for (const t of this.timers) t.cancel();
    this.timers = [];
  }

  private every(ms: number, fn: () => void): void {
    fn();
    // Client-go's lease controller jitters by up to 4 %.
    this.timers.push(this.clock.after(ms * (1 + this.random() * 0.04), () => this.every(ms, fn)));
  }

  /**
   * The container runtime stops answering in time, or answers again. The kubelet's lease
   * controller never asks the runtime, so the Lease keeps being renewed (it runs on its own
   * in pkg/kubelet/kubelet.go, nodeLeaseController), while PLEG's relist hangs on the runtime:
   * the node goes Ready=False with the PLEG message after 3 min, pod work stops (podworkers
   * wait on a relist newer than their last sync), and calls the kubelet does make end in
   * `context deadline exceeded`. A crawling runtime (`relistEveryMs`) lets a relist through
   * now and then, so the node flaps back Ready until the next one is late.
   */
  setRuntimeStall(stall: Omit<RuntimeStall, 'stalledSinceMs' | 'lastRelistMs'> | undefined): void {
    const now = this.clock.now();
    const current = this.health.runtime;
    if (
      stall &&
      current &&
      current.statusHangs === stall.statusHangs &&
      current.relistEveryMs === stall.relistEveryMs
    )
      return;
    if (!stall && !current) return;
    this.relistTimer?.cancel();
    this.relistTimer = undefined;
    if (!stall) {
      this.health.runtime = undefined;
      // The runtime answers: the next relist sees everything that happened meanwhile.
      this.pods?.runtimeAnswering();
      return;
    }
    this.health.runtime = {
      ...stall,
      stalledSinceMs: current?.stalledSinceMs ?? now,
      lastRelistMs: current?.lastRelistMs ?? now,
    };
    if (!current) this.pods?.runtimeStalled();
    const every = stall.relistEveryMs;
    if (every) {
      const relist = (): void => {
        const rt = this.health.runtime;
        if (!rt) return;
        rt.lastRelistMs = this.clock.now();
        this.pods?.relisted();
        this.relistTimer = this.clock.after(every, relist);
      };
      this.relistTimer = this.clock.after(every, relist);
    }
  }

  /** The machine goes down: the kubelet and every container stop, nothing is written. */
  halt(): void {
    this.health.running = false;
    this.pods?.runtime.haltAll();
  }

  /**
   * The machine (or just the kubelet) starts: a new boot id and whatever else changed
   * (kernel, OS image, kubelet version) go out with the next status, with the kubelet's
   * `Starting` event and, after a reboot, its `Rebooted` warning.
   */
  boot(o: { reboot: boolean; nodeInfo?: Record<string, string> }): void {
    this.health.running = true;
    const info = { ...o.nodeInfo };
    if (o.reboot) info.bootID = hexUuid(this.random);
    this.setNodeInfo(info);
    if (o.reboot) this.pods?.runtime.resumeAll();
    // New probe workers, of this kubelet's version, for every container it finds running.
    else this.pods?.runtime.proberRestarted();
    // A starting kubelet lists every pod bound to its node and finishes what it finds,
    // deletions included (its pod config source starts from a full list).
    this.wasLive = false;
    if (!this.canWrite()) return;
    const involved = { kind: 'Node', name: this.node, uid: this.node, apiVersion: 'v1' };
    const source = { component: 'kubelet', host: this.node };
    recordEvent(this.store, this.clock, {
      involved,
      type: 'Normal',
      reason: 'Starting',
      message: 'Starting kubelet.',
      source,
    });
    if (o.reboot)
      recordEvent(this.store, this.clock, {
        involved,
        type: 'Warning',
        reason: 'Rebooted',
        message: `Node ${this.node} has been rebooted, boot id: ${info.bootID}`,
        source,
      });
    this.syncNodeStatus();
  }

  /** This kubelet's version: the one it is about to report, else the one it reported. */
  version(): string | undefined {
    return (
      this.pendingInfo?.kubeletVersion ??
      (this.store.find(nodeType, '', this.node) as (KubeObject & NodeView) | undefined)?.status?.nodeInfo
        ?.kubeletVersion
    );
  }

  /**
   * The machine as this kubelet finds it (kernel, boot ID, OS image): what it is about to
   * report over what it reported, so a machine just rebooted shows its new kernel before the
   * kubelet's next status reaches the API server.
   */
  machineInfo(): Record<string, string | undefined> {
    const reported = (this.store.find(nodeType, '', this.node) as (KubeObject & NodeView) | undefined)?.status
      ?.nodeInfo;
    return { ...reported, ...this.pendingInfo };
  }

  /** A version or kernel change the kubelet reports with its next status. */
  setNodeInfo(info: Record<string, string>): void {
    if (Object.keys(info).length) this.pendingInfo = { ...this.pendingInfo, ...info };
  }

  /** Whether an update from this kubelet reaches the API server right now. */
  private canWrite(): boolean {
    const h = this.health;
    return h.running && h.apiReachable && !(h.updateFailureRate > 0 && this.random() < h.updateFailureRate);
  }

  /**
   * Whether this write of the kubelet's fails in admission: a webhook failing closed, or
   * webhook calls outlasting the kubelet's heartbeat client, which gives up after
   * nodeStatusUpdateFrequency (10 s; cmd/kubelet/app/server.go sets
   * heartbeatClientConfig.Timeout from it) for lease renewals and status posts alike.
   */
  private refused(operation: 'CREATE' | 'UPDATE', group: string, resource: string, sub?: string): boolean {
    const namespace = resource === 'leases' ? 'kube-node-lease' : undefined;
    return Boolean(
      this.store.admission?.reviewNow(
        {
          operation,
          group,
          version: 'v1',
          resource,
          subresource: sub,
          namespace,
          namespaced: namespace !== undefined,
          name: this.node,
        },
        heartbeatClientTimeoutMs,
      ),
    );
  }

  renewLease(): void {
    if (!this.canWrite()) return;
    const lease = this.store.find(leaseType, 'kube-node-lease', this.node);
    if (this.refused(lease ? 'UPDATE' : 'CREATE', 'coordination.k8s.io', 'leases')) return;
    const spec = {
      holderIdentity: this.node,
      leaseDurationSeconds: 40,
      renewTime: rfc3339Micro(this.clock.now()),
    };
    if (!lease) {
      this.store.create(leaseType, { metadata: { name: this.node, namespace: 'kube-node-lease' }, spec });
      return;
    }
    this.store.update(leaseType, { ...lease, spec: { ...(lease.spec as object), ...spec } });
  }

  syncNodeStatus(): void {
    // Back in touch with the API server: catch up on pods bound or deleted meanwhile.
    const live = this.health.running && this.health.apiReachable;
    if (live && !this.wasLive) this.pods?.resync();
    this.wasLive = live;
    if (!this.canWrite()) return;
    const node = this.store.find(nodeType, '', this.node) as (KubeObject & NodeView) | undefined;
    if (!node || this.refused('UPDATE', '', 'nodes', 'status')) return;
    const now = this.clock.now();
    const notReady = [...runtimeErrors(this.health.runtime, now), ...this.health.notReadyReasons];
    const ready: NodeCondition = notReady.length
      ? { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: aggregateText(notReady) }
      : { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' };
    const current = node.status?.conditions?.find((c) => c.type === 'Ready');
    // Each pressure condition follows its eviction signal (nodestatus/setters.go
    // MemoryPressureCondition, DiskPressureCondition, PIDPressureCondition).
    const underPressure: Record<string, boolean> = {
      MemoryPressure: this.eviction?.underPressure() ?? false,
      DiskPressure: this.storage?.diskPressure() ?? false,
      PIDPressure: this.storage?.pidPressure() ?? false,
    };
    // What the API server has: True, False, or Unknown (the node controller's) counted as not True.
    const pressureBefore = new Map(
      (node.status?.conditions ?? [])
        .filter((c) => c.type in underPressure)
        .map((c) => [c.type, { was: c.status === 'True', unknown: c.status === 'Unknown' }]),
    );
    const pressureChanged = [...pressureBefore].some(
      ([type, c]) => !c.unknown && c.was !== underPressure[type],
    );
    // The status is sent when anything but heartbeat times changed (a PLEG message whose
    // elapsed time moved counts); the transition time moves only with the status.
    const readyChanged = current?.status !== ready.status || current?.message !== ready.message;
    const readyFlipped = current?.status !== ready.status;
    const changed = readyChanged || pressureChanged;
    // Status is computed every 10 s but only sent on change or every 5 minutes.
    if (!changed && !this.pendingInfo && now - this.lastReportMs < nodeStatusReportFrequencyMs) return;
    this.lastReportMs = now;
    const stamp = rfc3339(now);
    const conditions = (node.status?.conditions ?? []).map((c): NodeCondition => {
      if (c.type === 'Ready') {
        return {
          ...ready,
          lastHeartbeatTime: stamp,
          lastTransitionTime: readyFlipped ? stamp : c.lastTransitionTime,
        };
      }
      if (underPressure[c.type])
        return {
          ...pressedCondition(c.type),
          lastHeartbeatTime: stamp,
          lastTransitionTime: c.status === 'True' ? c.lastTransitionTime : stamp,
        };
      if (c.type in underPressure && c.status === 'True')
        return { ...healthyPressure(c.type), lastHeartbeatTime: stamp, lastTransitionTime: stamp };
      if (c.status === 'Unknown')
        return { ...healthyPressure(c.type), lastHeartbeatTime: stamp, lastTransitionTime: stamp };
      return { ...c, lastHeartbeatTime: stamp };
    });
    const status = node.status as (NodeView['status'] & { nodeInfo?: Record<string, string> }) | undefined;
    const nodeInfo = this.pendingInfo ? { ...status?.nodeInfo, ...this.pendingInfo } : status?.nodeInfo;
    this.pendingInfo = undefined;
    this.store.update(
      nodeType,
      { ...node, status: { ...node.status, conditions, ...(nodeInfo ? { nodeInfo } : {}) } },
      { subresource: 'status' },
    );
    // The node controller marked this node Unknown and its pods Ready=False; the kubelet's
    // status manager reconciles pod statuses that differ from its own (status_manager.go
    // syncBatch, needsReconcile) and puts them back as it sees them.
    if (current?.status === 'Unknown') this.pods?.runtime.reportAll();
    // The setter records its transition as a Normal event: NodeHasInsufficientMemory,
    // NodeHasDiskPressure, NodeHasInsufficientPID, or the healthy one when it clears.
    for (const [type, c] of pressureBefore)
      if (c.was !== underPressure[type]) this.statusEvent(pressureEvents[type][underPressure[type] ? 0 : 1]);
    // The kubelet compares its Ready with the node as the API server has it, so a node the
    // controller marked Unknown gets a NodeReady when its kubelet is heard again; both
    // events are Normal (nodestatus/setters.go ReadyCondition, recordEventFunc).
    if (current?.status !== ready.status)
      this.statusEvent(ready.status === 'True' ? 'NodeReady' : 'NodeNotReady');
  }

  /** A node status setter's transition, as the kubelet records it: a Normal event on the Node. */
  private statusEvent(reason: string): void {
    recordEvent(this.store, this.clock, {
      involved: { kind: 'Node', name: this.node, uid: this.node, apiVersion: 'v1' },
      type: 'Normal',
      reason,
      message: `Node ${this.node} status is now: ${reason}`,
      source: { component: 'kubelet', host: this.node },
    });
  }
}

/** A boot id as the kernel writes it (`/proc/sys/kernel/random/boot_id`), from the seeded dice. */
function hexUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const pressure: Record<string, [string, string]> = {
  MemoryPressure: ['KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  DiskPressure: ['KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  PIDPressure: ['KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
};

/** A pressure condition True, as the kubelet's setters write it (kubernetes.md §3). */
const pressed: Record<string, [string, string]> = {
  MemoryPressure: ['KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'],
  DiskPressure: ['KubeletHasDiskPressure', 'kubelet has disk pressure'],
  PIDPressure: ['KubeletHasInsufficientPID', 'kubelet has insufficient PID available'],
};

/** The setters' transition events: [to True, to False]. */
const pressureEvents: Record<string, [string, string]> = {
  MemoryPressure: ['NodeHasInsufficientMemory', 'NodeHasSufficientMemory'],
  DiskPressure: ['NodeHasDiskPressure', 'NodeHasNoDiskPressure'],
  PIDPressure: ['NodeHasInsufficientPID', 'NodeHasSufficientPID'],
};

function pressedCondition(type: string): NodeCondition {
  const [reason, message] = pressed[type];
  return { type, status: 'True', reason, message };
}

function healthyPressure(type: string): NodeCondition {
  const [reason, message] = pressure[type] ?? ['', ''];
  return { type, status: 'False', reason, message };
}
