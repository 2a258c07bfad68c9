/**
 * kube-controller-manager's node lifecycle controller and taint-eviction controller, with
 * v1.32 defaults (kubernetes.md §3):
 *
 * - every 5 s (--node-monitor-period) it looks at each node's last sign of life: the later
 *   of its Lease renewTime and its Ready lastHeartbeatTime;
 * - silent for more than 50 s (--node-monitor-grace-period, 40 s before v1.32): Ready,
 *   MemoryPressure, DiskPressure and PIDPressure become Unknown / NodeStatusUnknown /
 *   "Kubelet stopped posting node status."; the node gets a NodeNotReady event and its
 *   pods Ready=False with a pod event NodeNotReady "Node is not ready";
 * - taints follow Ready: False → not-ready, Unknown → unreachable (NoSchedule at once,
 *   NoExecute through the rate-limited queue), True → none; and, with TaintNodesByCondition
 *   (doNoScheduleTaintingPass), MemoryPressure/DiskPressure/PIDPressure True add the
 *   memory-pressure/disk-pressure/pid-pressure NoSchedule taints;
 * - a pod on a NoExecute-tainted node is deleted when its toleration runs out (300 s by
 *   the DefaultTolerationSeconds admission plugin; DaemonSet pods tolerate forever), with
 *   TaintManagerEviction events and DisruptionTarget=True/DeletionByTaintManager;
 * - evictions are rate-limited per zone (0.1 node/s); a partially disrupted zone of at
 *   most 50 nodes stops evicting, and nothing is evicted when every zone is fully down.
 *
 * A pod deleted on an unreachable node stays Terminating: only its kubelet could confirm.
 */
import { type Clock, rfc3339, type Timer } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { podInvolved, recordEvent } from './events.ts';
import type { NodeCondition } from './node-condition.ts';

const nodeType = resourceForKind('Node')!;
const podType = resourceForKind('Pod')!;
const leaseType = resourceForKind('Lease', 'coordination.k8s.io')!;

export interface NodeLifecycleSettings {
  monitorPeriodMs: number;
  gracePeriodMs: number;
  /** Nodes per second that may start evicting in a healthy zone. */
  evictionRate: number;
  /** Share of unhealthy nodes that makes a zone unhealthy. */
  unhealthyZoneThreshold: number;
  largeClusterSizeThreshold: number;
  secondaryEvictionRate: number;
}

export const v132Defaults: NodeLifecycleSettings = {
  monitorPeriodMs: 5_000,
  gracePeriodMs: 50_000,
  evictionRate: 0.1,
  unhealthyZoneThreshold: 0.55,
  largeClusterSizeThreshold: 50,
  secondaryEvictionRate: 0.01,
};

interface Taint {
  key: string;
  effect: string;
  value?: string;
  timeAdded?: string;
}

interface NodeView {
  metadata: KubeObject['metadata'];
  spec?: { taints?: Taint[]; unschedulable?: boolean };
  status?: { conditions?: NodeCondition[] };
}

interface PodView {
  metadata: KubeObject['metadata'];
  spec?: {
    nodeName?: string;
    tolerations?: { key?: string; operator?: string; effect?: string; tolerationSeconds?: number }[];
  };
  status?: { phase?: string; conditions?: NodeCondition[] };
}

const notReadyTaint = 'node.kubernetes.io/not-ready';
const unreachableTaint = 'node.kubernetes.io/unreachable';
/** nodeConditionToTaintKeyStatusMap: the pressure conditions that taint a node NoSchedule when True. */
const pressureTaints: Record<string, string> = {
  MemoryPressure: 'node.kubernetes.io/memory-pressure',
  DiskPressure: 'node.kubernetes.io/disk-pressure',
  PIDPressure: 'node.kubernetes.io/pid-pressure',
};
const pressureTaintKeys = new Set(Object.values(pressureTaints));
const zoneLabel = 'topology.kubernetes.io/zone';

export class NodeLifecycleController {
  private readonly store: ObjectStore;
  private readonly clock: Clock;
  private readonly s: NodeLifecycleSettings;
  private timer: Timer | undefined;
  /** When each node's NoExecute taint took effect; eviction deadlines count from here. */
  private readonly tainted = new Map<string, number>();
  /** When each zone may next start evicting a node (rate limit). */
  private readonly zoneNextEvictionMs = new Map<string, number>();
  private readonly evicting = new Set<string>();
  private readonly apiUp: () => boolean;
  /**
   * When the controller last got the API server back. It judges heartbeats by when it saw
   * them (probeTimestamp in node_lifecycle_controller.go), so after an outage of its own it
   * starts every node's grace period afresh instead of declaring them all dead at once.
   */
  private observingSinceMs = Number.NEGATIVE_INFINITY;
  private wasDown = false;

  constructor(o: {
    store: ObjectStore;
    clock: Clock;
    settings?: Partial<NodeLifecycleSettings>;
    /** Whether the controller-manager reaches the API server (it stops while it does not). */
    apiUp?: () => boolean;
  }) {
    this.store = o.store;
    this.clock = o.clock;
    this.s = { ...v132Defaults, ...o.settings };
    this.apiUp = o.apiUp ?? (() => true);
  }

  start(): void {
    const tick = (): void => {
      this.monitor();
      this.timer = this.clock.after(this.s.monitorPeriodMs, tick);
    };
    this.timer = this.clock.after(this.s.monitorPeriodMs, tick);
  }

  stop(): void {
    this.timer?.cancel();
  }

  /** One pass of monitorNodeHealth plus taint-based eviction. */
  monitor(): void {
    const now = this.clock.now();
    if (!this.apiUp()) {
      this.wasDown = true;
      return;
    }
    if (this.wasDown) {
      this.wasDown = false;
      this.observingSinceMs = now;
      this.tainted.clear();
    }
    const nodes = this.store.listObjects(nodeType) as (KubeObject & NodeView)[];
    for (const node of nodes) this.checkHeartbeat(node, now);
    const fresh = this.store.listObjects(nodeType) as (KubeObject & NodeView)[];
    for (const node of fresh) this.syncTaints(node, now);
    this.evict(fresh, now);
  }

  private lastSignOfLifeMs(node: NodeView): number {
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    const heartbeat = ready?.lastHeartbeatTime ? parseTime(ready.lastHeartbeatTime) : 0;
    const lease = this.store.find(leaseType, 'kube-node-lease', node.metadata.name ?? '') as
      | { spec?: { renewTime?: string } }
      | undefined;
    const renewed = lease?.spec?.renewTime ? parseTime(lease.spec.renewTime) : 0;
    const created = node.metadata.creationTimestamp ? parseTime(node.metadata.creationTimestamp) : 0;
    return Math.max(heartbeat, renewed, created, this.observingSinceMs);
  }

  private checkHeartbeat(node: KubeObject & NodeView, now: number): void {
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'Unknown') return;
    if (now - this.lastSignOfLifeMs(node) <= this.s.gracePeriodMs) return;
    const stamp = rfc3339(now);
    const conditions = (node.status?.conditions ?? []).map(
      (c): NodeCondition =>
        ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].includes(c.type)
          ? {
              ...c,
              status: 'Unknown',
              reason: 'NodeStatusUnknown',
              message: 'Kubelet stopped posting node status.',
              lastTransitionTime: stamp,
            }
          : c,
    );
    this.store.update(
      nodeType,
      { ...node, status: { ...node.status, conditions } },
      { subresource: 'status' },
    );
    this.markNodeNotReady(node);
  }

  /** controller_utils MarkPodsNotReady plus the node event, when Ready leaves True. */
  private markNodeNotReady(node: KubeObject & NodeView): void {
    const name = node.metadata.name ?? '';
    recordEvent(this.store, this.clock, {
      involved: { kind: 'Node', name, uid: node.metadata.uid, apiVersion: 'v1' },
      type: 'Normal',
      reason: 'NodeNotReady',
      message: `Node ${name} status is now: NodeNotReady`,
      source: { component: 'node-controller' },
    });
    const stamp = rfc3339(this.clock.now());
    for (const pod of this.podsOn(name)) {
      const conditions = (pod.status?.conditions ?? []).map((c) =>
        c.type === 'Ready' && c.status !== 'False' ? { ...c, status: 'False', lastTransitionTime: stamp } : c,
      );
      this.store.update(
        podType,
        { ...pod, status: { ...pod.status, conditions } },
        { subresource: 'status' },
      );
      recordEvent(this.store, this.clock, {
        involved: podInvolved(pod),
        type: 'Warning',
        reason: 'NodeNotReady',
        message: 'Node is not ready',
        source: { component: 'node-controller' },
      });
    }
  }

  private podsOn(node: string): (KubeObject & PodView)[] {
    return (this.store.listObjects(podType) as (KubeObject & PodView)[]).filter(
      (p) => p.spec?.nodeName === node,
    );
  }

  private syncTaints(node: KubeObject & NodeView, now: number): void {
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
    const wanted = ready === 'True' ? undefined : ready === 'False' ? notReadyTaint : unreachableTaint;
    const current = node.spec?.taints ?? [];
    const others = current.filter(
      (t) =>
        t.key !== notReadyTaint &&
        t.key !== unreachableTaint &&
        !(pressureTaintKeys.has(t.key) && t.effect === 'NoSchedule'),
    );
    const pressure = (node.status?.conditions ?? [])
      .filter((c) => c.status === 'True' && pressureTaints[c.type] !== undefined)
      .map(
        (c) =>
          current.find((t) => t.key === pressureTaints[c.type] && t.effect === 'NoSchedule') ?? {
            key: pressureTaints[c.type],
            effect: 'NoSchedule',
            timeAdded: rfc3339(now),
          },
      );
    others.push(...pressure);
    const next = wanted
      ? [
          ...others,
          current.find((t) => t.key === wanted && t.effect === 'NoSchedule') ?? {
            key: wanted,
            effect: 'NoSchedule',
            timeAdded: rfc3339(now),
          },
          current.find((t) => t.key === wanted && t.effect === 'NoExecute') ?? {
            key: wanted,
            effect: 'NoExecute',
            timeAdded: rfc3339(now),
          },
        ]
      : others;
    const name = node.metadata.name ?? '';
    if (wanted) {
      if (!this.tainted.has(name)) this.tainted.set(name, now);
    } else {
      this.tainted.delete(name);
      this.evicting.delete(name);
    }
    if (JSON.stringify(next) === JSON.stringify(current)) return;
    const { taints: _old, ...rest } = node.spec ?? {};
    this.store.update(nodeType, { ...node, spec: next.length ? { ...rest, taints: next } : rest });
  }

  /**
   * Zone states decide the eviction rate (node_lifecycle_controller.go ComputeZoneState,
   * ReducedQPSFunc): a zone with no Ready node is in FullDisruption and evicts normally,
   * unless every zone is, when all evictions stop (the trouble is the control plane's
   * view, not the nodes). More than 2 not-ready nodes and at least 55 % of the zone is
   * PartialDisruption: at the secondary rate in large zones, not at all in zones of 50
   * nodes or fewer.
   */
  private evict(nodes: (KubeObject & NodeView)[], now: number): void {
    const zones = new Map<string, { ready: number; notReady: number }>();
    for (const n of nodes) {
      const zone = n.metadata.labels?.[zoneLabel] ?? '';
      const z = zones.get(zone) ?? { ready: 0, notReady: 0 };
      if (n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True') z.ready++;
      else z.notReady++;
      zones.set(zone, z);
    }
    const state = (z: {
      ready: number;
      notReady: number;
    }): 'Normal' | 'PartialDisruption' | 'FullDisruption' => {
      if (z.ready === 0 && z.notReady > 0) return 'FullDisruption';
      if (z.notReady > 2 && z.notReady / (z.ready + z.notReady) >= this.s.unhealthyZoneThreshold)
        return 'PartialDisruption';
      return 'Normal';
    };
    if ([...zones.values()].every((z) => state(z) === 'FullDisruption')) return;
    for (const n of nodes) {
      const name = n.metadata.name ?? '';
      const since = this.tainted.get(name);
      if (since === undefined) continue;
      const zone = n.metadata.labels?.[zoneLabel] ?? '';
      const z = zones.get(zone)!;
      let rate = this.s.evictionRate;
      if (state(z) === 'PartialDisruption') {
        rate = z.ready + z.notReady <= this.s.largeClusterSizeThreshold ? 0 : this.s.secondaryEvictionRate;
      }
      if (rate === 0) continue;
      if (!this.evicting.has(name)) {
        const next = this.zoneNextEvictionMs.get(zone) ?? 0;
        if (now < next) continue;
        this.zoneNextEvictionMs.set(zone, now + 1000 / rate);
        this.evicting.add(name);
      }
      this.evictExpiredPods(name, since, now);
    }
  }

  private evictExpiredPods(node: string, taintedSinceMs: number, now: number): void {
    for (const pod of this.podsOn(node)) {
      if (pod.metadata.deletionTimestamp) continue;
      const toleration = pod.spec?.tolerations?.find(
        (t) =>
          (t.key === unreachableTaint || t.key === notReadyTaint || (t.operator === 'Exists' && !t.key)) &&
          (t.effect === 'NoExecute' || !t.effect),
      );
      // No matching toleration: evict at once. Tolerated without a limit (DaemonSets): never.
      const seconds = toleration ? toleration.tolerationSeconds : 0;
      if (seconds === undefined) continue;
      if (now < taintedSinceMs + seconds * 1000) continue;
      const ns = pod.metadata.namespace ?? '';
      const name = pod.metadata.name ?? '';
      recordEvent(this.store, this.clock, {
        involved: { kind: 'Pod', name, namespace: ns, uid: pod.metadata.uid, apiVersion: 'v1' },
        type: 'Normal',
        reason: 'TaintManagerEviction',
        message: `Marking for deletion Pod ${ns}/${name}`,
        source: { component: 'taint-eviction-controller' },
      });
      const conditions = [
        ...(pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'),
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'DeletionByTaintManager',
          message: 'Taint manager: deleting due to NoExecute taint',
          lastTransitionTime: rfc3339(now),
        },
      ];
      this.store.update(
        podType,
        { ...pod, status: { ...pod.status, conditions } },
        { subresource: 'status' },
      );
      this.store.delete(podType, ns, name);
    }
  }
}

/** Timestamps are re-read every monitor pass and change rarely per node: parse each once. */
const parsedTimes = new Map<string, number>();
function parseTime(stamp: string): number {
  let t = parsedTimes.get(stamp);
  if (t === undefined) {
    if (parsedTimes.size > 50_000) parsedTimes.clear();
    t = Date.parse(stamp);
    parsedTimes.set(stamp, t);
  }
  return t;
}
