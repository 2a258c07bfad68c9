/**
 * The DaemonSet controller: one pod per eligible node (node selector matched, NoSchedule
 * taints tolerated), bound directly to its node, with the tolerations DaemonSet pods get
 * automatically (not-ready and unreachable NoExecute without a time limit, pressure and
 * unschedulable NoSchedule), so they are never evicted from a failing node. New nodes get
 * a pod; pods of removed nodes are deleted. A changed template rolls out as the default
 * RollingUpdate strategy does: old pods (an older `pod-template-generation`) are deleted
 * while fewer than maxUnavailable (default 1) daemon pods are unavailable.
 */

import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { nameSuffix } from '../cluster/objects.ts';
import { recordEvent } from './events.ts';
import { createOwnedPod, deleteOwnedPod, type PodOwner } from './owned-pods.ts';
import { nodePlacementChanges, QueuedController } from './queued-controller.ts';

const dsType = resourceForKind('DaemonSet', 'apps')!;
const nodeType = resourceForKind('Node')!;
const podType = resourceForKind('Pod')!;

/** Added by the DaemonSet controller to every daemon pod (pkg/controller/daemon/util). */
const daemonTolerations = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

interface DaemonSetView {
  metadata: KubeObject['metadata'];
  spec?: {
    updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } };
    selector?: { matchLabels?: Record<string, string> };
    template?: {
      metadata?: { labels?: Record<string, string> };
      spec?: {
        nodeSelector?: Record<string, string>;
        tolerations?: { key?: string; operator?: string; effect?: string }[];
      } & Record<string, unknown>;
    };
  };
  status?: Record<string, unknown>;
}

interface NodeView {
  metadata: KubeObject['metadata'];
  spec?: { taints?: { key: string; effect: string }[] };
}

interface PodView {
  metadata: KubeObject['metadata'];
  spec?: { nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

export class DaemonSetController extends QueuedController {
  protected watches(): ReturnType<QueuedController['watches']> {
    // Daemon pods carry pod-template-generation; other pods' churn is not this controller's.
    return [
      dsType.storage,
      [nodeType.storage, nodePlacementChanges()],
      [podType.storage, (e) => e.labels?.['pod-template-generation'] !== undefined],
    ];
  }

  syncAll(): void {
    const nodes = this.store.listObjects(nodeType) as (KubeObject & NodeView)[];
    for (const ds of this.store.listObjects(dsType) as (KubeObject & DaemonSetView)[]) this.sync(ds, nodes);
  }

  private sync(ds: KubeObject & DaemonSetView, nodes: (KubeObject & NodeView)[]): void {
    const ns = ds.metadata.namespace ?? '';
    const name = ds.metadata.name ?? '';
    const template = ds.spec?.template ?? {};
    const tolerations = [...(template.spec?.tolerations ?? []), ...daemonTolerations];
    const tolerated = (n: NodeView, effects: string[]) =>
      (n.spec?.taints ?? []).every(
        (t) =>
          !effects.includes(t.effect) ||
          tolerations.some(
            (x) =>
              x.operator === 'Exists' && (!x.key || x.key === t.key) && (!x.effect || x.effect === t.effect),
          ),
      );
    const selected = (n: KubeObject) =>
      Object.entries(template.spec?.nodeSelector ?? {}).every(([k, v]) => n.metadata.labels?.[k] === v);
    // A daemon pod keeps running unless a NoExecute taint is untolerated; a new one is
    // placed only where NoSchedule taints are tolerated too (daemon/util nodeShouldRunDaemonPod).
    const eligible = nodes.filter((n) => selected(n) && tolerated(n, ['NoSchedule', 'NoExecute']));
    const canRun = new Set(
      nodes.filter((n) => selected(n) && tolerated(n, ['NoExecute'])).map((n) => n.metadata.name),
    );
    const pods = (this.store.listObjects(podType, ns) as (KubeObject & PodView)[]).filter((p) =>
      p.metadata.ownerReferences?.some((o) => o.uid === ds.metadata.uid && o.controller),
    );
    const owner: PodOwner = { kind: 'DaemonSet', name, namespace: ns, uid: ds.metadata.uid ?? '' };
    // A failed daemon pod (evicted by its kubelet) is deleted, and a new one made
    // (daemon_controller.go podsShouldBeOnNode: "Found failed daemon pod … will try to kill it").
    for (const p of pods) {
      if (p.status?.phase !== 'Failed' || p.metadata.deletionTimestamp) continue;
      const pod = p.metadata.name ?? '';
      recordEvent(this.store, this.clock, {
        involved: { kind: 'DaemonSet', name, namespace: ns, uid: ds.metadata.uid, apiVersion: 'apps/v1' },
        type: 'Warning',
        reason: 'FailedDaemonPod',
        message: `Found failed daemon pod ${ns}/${pod} on node ${p.spec?.nodeName ?? ''}, will try to kill it`,
        source: { component: 'daemonset-controller' },
      });
      deleteOwnedPod(this.store, this.clock, owner, pod);
    }
    const byNode = new Map(
      pods
        .filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Failed')
        .map((p) => [p.spec?.nodeName ?? '', p]),
    );
    for (const n of eligible) {
      const node = n.metadata.name ?? '';
      if (byNode.has(node)) continue;
      const created = createOwnedPod(this.store, this.clock, owner, {
        name: `${name}-${nameSuffix(`${name}/${node}/${this.clock.now()}`, 5)}`,
        labels: {
          ...template.metadata?.labels,
          'pod-template-generation': String(ds.metadata.generation ?? 1),
        },
        spec: { ...structuredClone(template.spec ?? {}), nodeName: node, tolerations },
      });
      if (!created) {
        this.retryLater();
        break;
      }
    }
    for (const [node, p] of byNode) {
      if (!canRun.has(node)) deleteOwnedPod(this.store, this.clock, owner, p.metadata.name ?? '');
    }
    const isReady = (p: PodView) =>
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    const ready = pods.filter((p) => !p.metadata.deletionTimestamp && isReady(p)).length;
    const generation = String(ds.metadata.generation ?? 1);
    const old = [...byNode.values()].filter(
      (p) => p.metadata.labels?.['pod-template-generation'] !== generation,
    );
    if (ds.spec?.updateStrategy?.type !== 'OnDelete' && old.length) {
      const maxUnavailable = scaledCount(
        ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable,
        eligible.length,
      );
      const unavailable = eligible.filter((n) => {
        const p = byNode.get(n.metadata.name ?? '');
        return !p || !isReady(p);
      }).length;
      // Unready old pods go first: replacing them costs no availability.
      old.sort((a, b) => Number(Boolean(isReady(a))) - Number(Boolean(isReady(b))));
      let budget = maxUnavailable - unavailable;
      for (const p of old) {
        if (isReady(p) && budget <= 0) break;
        if (isReady(p)) budget--;
        deleteOwnedPod(this.store, this.clock, owner, p.metadata.name ?? '');
      }
    }
    const status = {
      currentNumberScheduled: byNode.size,
      desiredNumberScheduled: eligible.length,
      numberMisscheduled: [...byNode.keys()].filter((n) => !canRun.has(n)).length,
      numberReady: ready,
      numberAvailable: ready,
      updatedNumberScheduled: byNode.size - old.length,
      observedGeneration: ds.metadata.generation ?? 1,
    };
    this.store.update(dsType, { ...ds, status }, { subresource: 'status' });
  }
}

/** maxUnavailable as a count: an integer, or a percentage of the desired pods rounded up (at least 1). */
function scaledCount(v: number | string | undefined, total: number): number {
  if (v === undefined) return 1;
  if (typeof v === 'number') return Math.max(1, v);
  return Math.max(1, Math.ceil((Number.parseInt(v, 10) / 100) * total));
}
