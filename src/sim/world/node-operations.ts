/**
 * What operators and providers do to machines, step by step in simulated time: cordon
 * (with the NodeSchedulable events kubectl's change brings), drain through the eviction
 * API so PodDisruptionBudgets hold (retrying a blocked eviction every 5 s, as `kubectl
 * drain` does), reboot (the machine is down, then boots with fresh service rules and any
 * kernel that was waiting), replace (the machine is deleted and a new one joins its pool
 * later), and staggered rolls over many nodes: batches of `maxUnavailable`, each node back
 * Ready before the next batch when asked, batches at least `interval` apart.
 */
import type { Clock } from '../../time/clock.ts';
import { evictPod } from '../api/eviction.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { ApiError } from '../api/status.ts';
import { recordEvent } from '../behaviour/events.ts';
import type { ObjectStore } from '../store/object-store.ts';
import type { NodeMachines } from './node-machines.ts';
import { isNodeReady } from './node-targets.ts';
import type { ScenarioWorld } from './scenario-world.ts';

const nodeType = resourceForKind('Node')!;
const podType = resourceForKind('Pod')!;

const evictionRetryMs = 5_000;
/** How long an operator lets a blocked drain retry before going ahead with the node anyway. */
const drainPatienceMs = 10 * 60_000;
/** How long to wait for a node to come back Ready before moving on without it. */
const readyPatienceMs = 15 * 60_000;

export interface NodeOps {
  cordon(node: string, on: boolean): void;
  drain(node: string): Promise<void>;
  reboot(node: string, downtimeMs: number, nodeInfo?: Record<string, string>): Promise<void>;
  restartKubelet(node: string, nodeInfo?: Record<string, string>): Promise<void>;
  replace(node: string, afterMs: number, image?: string): Promise<string>;
  waitReady(node: string): Promise<boolean>;
}

export interface RollPace {
  maxUnavailable: number;
  intervalMs?: number;
  waitReady: boolean;
}

interface PodView {
  metadata: KubeObject['metadata'];
  spec?: { nodeName?: string };
}

export function nodeOps(o: {
  store: ObjectStore;
  clock: Clock;
  world: ScenarioWorld;
  machines: NodeMachines;
}): NodeOps {
  const { store, clock, world, machines } = o;
  const ops: NodeOps = {
    cordon(node, on) {
      const n = store.find(nodeType, '', node);
      if (!n) return;
      const spec = (n.spec ?? {}) as { unschedulable?: boolean; taints?: { key: string; effect: string }[] };
      if (Boolean(spec.unschedulable) === on) return;
      const taints = (spec.taints ?? []).filter((t) => t.key !== 'node.kubernetes.io/unschedulable');
      if (on) taints.push({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' });
      const next = { ...spec, taints };
      if (on) (next as { unschedulable?: boolean }).unschedulable = true;
      else delete (next as { unschedulable?: boolean }).unschedulable;
      if (!taints.length) delete (next as { taints?: unknown }).taints;
      store.update(nodeType, { ...n, spec: next });
      recordEvent(store, clock, {
        involved: { kind: 'Node', name: node, uid: node, apiVersion: 'v1' },
        type: 'Normal',
        reason: on ? 'NodeNotSchedulable' : 'NodeSchedulable',
        message: `Node ${node} status is now: ${on ? 'NodeNotSchedulable' : 'NodeSchedulable'}`,
        source: { component: 'kubelet', host: node },
      });
    },

    async drain(node) {
      ops.cordon(node, true);
      const deadline = clock.now() + drainPatienceMs;
      for (;;) {
        const pods = (store.listObjects(podType) as (KubeObject & PodView)[]).filter(
          (p) =>
            p.spec?.nodeName === node &&
            !p.metadata.deletionTimestamp &&
            !p.metadata.ownerReferences?.some((r) => r.kind === 'DaemonSet') &&
            // kubectl drain skips mirror pods (filters.go mirrorPodFilter): the API server
            // cannot stop a static pod, only the kubelet's manifest directory can.
            !p.metadata.annotations?.['kubernetes.io/config.mirror'],
        );
        let blocked = 0;
        for (const p of pods) {
          try {
            evictPod({
              store,
              clock,
              namespace: p.metadata.namespace ?? '',
              name: p.metadata.name ?? '',
              body: {},
            });
          } catch (e) {
            if (!(e instanceof ApiError)) throw e;
            blocked++;
          }
        }
        if (blocked === 0 || clock.now() >= deadline) return;
        await clock.sleep(evictionRetryMs);
      }
    },

    async reboot(node, downtimeMs, nodeInfo = {}) {
      const kubelet = world.kubelets.get(node);
      if (!kubelet || machines.isDown(node)) return;
      kubelet.halt();
      machines.setDown(node, true);
      await clock.sleep(downtimeMs);
      if (!world.kubelets.has(node)) return;
      machines.clearBy(node, 'reboot');
      world.kubeProxies.get(node)?.restart();
      const pkg = machines.packageState(node);
      const info = { ...nodeInfo };
      if (pkg.pendingKernel) info.kernelVersion = pkg.pendingKernel;
      pkg.pendingKernel = undefined;
      pkg.bootedMs = clock.now();
      machines.setDown(node, false);
      kubelet.boot({ reboot: true, nodeInfo: info });
    },

    async restartKubelet(node, nodeInfo) {
      const kubelet = world.kubelets.get(node);
      if (!kubelet) return;
      machines.pauseKubelet(node, true);
      await clock.sleep(5_000);
      if (!world.kubelets.has(node)) return;
      machines.clearBy(node, 'kubelet-restart');
      machines.pauseKubelet(node, false);
      kubelet.boot({ reboot: false, nodeInfo });
    },

    async replace(node, afterMs, image) {
      const pool = world.pools.get(node);
      if (!pool) return node;
      world.removeNode(node);
      machines.forget(node);
      await clock.sleep(afterMs);
      return world.addNode(pool, { image });
    },

    async waitReady(node) {
      const deadline = clock.now() + readyPatienceMs;
      for (;;) {
        const n = store.find(nodeType, '', node);
        if (!n) return false;
        if (isNodeReady(n)) return true;
        if (clock.now() >= deadline) return false;
        await clock.sleep(10_000);
      }
    },
  };
  return ops;
}

/**
 * Runs `step` over `nodes` in batches of `maxUnavailable`, the next batch starting once
 * this one is done and at least `intervalMs` after this one started.
 */
export async function rollNodes(
  clock: Clock,
  nodes: readonly string[],
  pace: RollPace,
  step: (node: string) => Promise<void>,
): Promise<void> {
  const batch = Math.max(1, pace.maxUnavailable);
  for (let i = 0; i < nodes.length; i += batch) {
    const started = clock.now();
    await Promise.all(nodes.slice(i, i + batch).map(step));
    const wait = started + (pace.intervalMs ?? 0) - clock.now();
    if (wait > 0 && i + batch < nodes.length) await clock.sleep(wait);
  }
}
