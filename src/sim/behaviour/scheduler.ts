/**
 * The default scheduler, reduced to what the outages exercise: a pending pod goes to a
 * Ready, schedulable node whose NoSchedule taints it tolerates and which has room
 * (allocatable pods), least-loaded first; otherwise it stays Pending with
 * PodScheduled=False/Unschedulable and a FailedScheduling event in the real wording
 * (`0/N nodes are available: …`, kubernetes.md §4).
 */
import { rfc3339 } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { recordEvent } from './events.ts';
import { nodePlacementChanges, QueuedController } from './queued-controller.ts';

const podType = resourceForKind('Pod')!;
const nodeType = resourceForKind('Node')!;

interface Taint {
  key: string;
  effect: string;
  value?: string;
}

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

interface NodeView {
  metadata: KubeObject['metadata'];
  spec?: { unschedulable?: boolean; taints?: Taint[] };
  status?: { conditions?: { type: string; status: string }[]; allocatable?: { pods?: string } };
}

interface PodView {
  metadata: KubeObject['metadata'];
  spec?: { nodeName?: string; tolerations?: Toleration[]; nodeSelector?: Record<string, string> };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

function tolerates(tolerations: Toleration[], taint: Taint): boolean {
  return tolerations.some(
    (t) =>
      (t.effect === undefined || t.effect === taint.effect) &&
      ((t.operator === 'Exists' && (t.key === undefined || t.key === taint.key)) ||
        (t.key === taint.key && (t.value ?? '') === (taint.value ?? ''))),
  );
}

export class Scheduler extends QueuedController {
  protected watches(): ReturnType<QueuedController['watches']> {
    // A pass matters when a pod waits for a node, a bound pod leaves (room frees up), or a
    // node's placement (taints, labels, schedulability) changes; status churn does not.
    return [
      [podType.storage, (e, type) => type === 'DELETED' || e.fields['spec.nodeName'] === ''],
      [nodeType.storage, nodePlacementChanges()],
    ];
  }

  syncAll(): void {
    this.scheduleAll();
  }

  scheduleAll(): void {
    const pending = this.store.list(podType, {
      filter: (e) => e.fields['spec.nodeName'] === '' && !e.terminating,
    }).entries;
    if (pending.length === 0) return;
    const nodes = this.store.listObjects(nodeType) as (KubeObject & NodeView)[];
    const load = new Map<string, number>();
    // Pods that ended (evicted: Failed) hold no place on their node.
    const placed = (x: { fields: Record<string, string> }) =>
      x.fields['spec.nodeName'] !== '' &&
      x.fields['status.phase'] !== 'Failed' &&
      x.fields['status.phase'] !== 'Succeeded';
    for (const e of this.store.list(podType, { filter: placed }).entries) {
      load.set(e.fields['spec.nodeName'], (load.get(e.fields['spec.nodeName']) ?? 0) + 1);
    }
    for (const e of pending) {
      const pod = this.store.find(podType, e.namespace, e.name) as (KubeObject & PodView) | undefined;
      if (pod) this.scheduleOne(pod, nodes, load);
    }
  }

  private scheduleOne(
    pod: KubeObject & PodView,
    nodes: (KubeObject & NodeView)[],
    load: Map<string, number>,
  ): void {
    const reasons = new Map<string, number>();
    const why = (r: string): false => {
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
      return false;
    };
    const tolerations = pod.spec?.tolerations ?? [];
    const fits = nodes.filter((n) => {
      const name = n.metadata.name ?? '';
      if (n.spec?.unschedulable) return why('node(s) were unschedulable');
      const blocking = (n.spec?.taints ?? []).find(
        (t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(tolerations, t),
      );
      if (blocking) return why(`node(s) had untolerated taint {${blocking.key}: ${blocking.value ?? ''}}`);
      const selector = pod.spec?.nodeSelector ?? {};
      if (Object.entries(selector).some(([k, v]) => n.metadata.labels?.[k] !== v))
        return why("node(s) didn't match Pod's node affinity/selector");
      if ((load.get(name) ?? 0) >= Number(n.status?.allocatable?.pods ?? 110)) return why('Too many pods');
      return true;
    });
    const name = pod.metadata.name ?? '';
    const ns = pod.metadata.namespace ?? '';
    const involved = { kind: 'Pod', name, namespace: ns, uid: pod.metadata.uid, apiVersion: 'v1' };
    const source = { component: 'default-scheduler' };
    if (fits.length === 0) {
      const detail = [...reasons.entries()].map(([r, c]) => `${c} ${r}`).join(', ');
      const message = `0/${nodes.length} nodes are available: ${detail}. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`;
      const conditions = [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message,
          lastProbeTime: null,
          lastTransitionTime: rfc3339(this.clock.now()),
        },
      ];
      const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
      if (current?.message === message) return;
      this.store.update(
        podType,
        { ...pod, status: { ...pod.status, phase: 'Pending', conditions } },
        { subresource: 'status' },
      );
      recordEvent(this.store, this.clock, {
        involved,
        type: 'Warning',
        reason: 'FailedScheduling',
        message,
        source,
      });
      return;
    }
    fits.sort(
      (a, b) =>
        (load.get(a.metadata.name ?? '') ?? 0) - (load.get(b.metadata.name ?? '') ?? 0) ||
        (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    );
    const target = fits[0].metadata.name ?? '';
    load.set(target, (load.get(target) ?? 0) + 1);
    // The binding subresource sets nodeName and the PodScheduled condition together
    // (pkg/registry/core/pod/storage assignPod); here they are two writes, and the node's
    // kubelet may already have written status in between (it reacts to the binding at once),
    // so the condition goes onto the pod as it is now, keeping what the kubelet wrote.
    this.store.update(podType, { ...pod, spec: { ...pod.spec, nodeName: target } });
    const now = this.store.find(podType, ns, name) as (KubeObject & PodView) | undefined;
    if (!now) return;
    const scheduled = {
      type: 'PodScheduled',
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: rfc3339(this.clock.now()),
    };
    const conditions = [
      ...(now.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'),
      scheduled,
    ];
    this.store.update(
      podType,
      { ...now, status: { ...now.status, phase: now.status?.phase ?? 'Pending', conditions } },
      { subresource: 'status' },
    );
    recordEvent(this.store, this.clock, {
      involved,
      type: 'Normal',
      reason: 'Scheduled',
      message: `Successfully assigned ${ns}/${name} to ${target}`,
      source,
    });
  }
}
