import type { KubeObject } from '../api/k8s-types.ts';
import { parseLabelSelector } from '../api/label-selector.ts';
import { resourceForKind } from '../api/resources.ts';
import { type LabelSelectorSpec, selectorText } from '../api/selector-spec.ts';
import { nameSuffix } from '../cluster/objects.ts';
import { createOwnedPod, deleteOwnedPod, type PodOwner } from './owned-pods.ts';
import { podReadinessChanges, QueuedController } from './queued-controller.ts';

const podType = resourceForKind('Pod')!;
const rsType = resourceForKind('ReplicaSet', 'apps')!;

interface ReplicaSetView {
  metadata: KubeObject['metadata'];
  spec?: {
    replicas?: number;
    selector?: LabelSelectorSpec;
    template?: { metadata?: { labels?: Record<string, string> }; spec?: Record<string, unknown> };
  };
  status?: Record<string, unknown>;
}

interface PodView {
  metadata: KubeObject['metadata'];
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

export class ReplicaSetController extends QueuedController {
  private seq = 0;

  protected watches(): ReturnType<QueuedController['watches']> {
    // Daemon pods are never a ReplicaSet's, and only existence and readiness move its counts.
    return [
      [podType.storage, podReadinessChanges((e) => e.labels?.['pod-template-generation'] === undefined)],
      rsType.storage,
    ];
  }

  syncAll(): void {
    for (const rs of this.store.listObjects(rsType) as (KubeObject & ReplicaSetView)[]) this.sync(rs);
  }

  private sync(rs: KubeObject & ReplicaSetView): void {
    const ns = rs.metadata.namespace ?? '';
    const uid = rs.metadata.uid;
    const selector = parseLabelSelector(selectorText(rs.spec?.selector));
    const owned = (this.store.listObjects(podType, ns) as (KubeObject & PodView)[]).filter(
      (p) =>
        p.metadata.ownerReferences?.some((o) => o.uid === uid && o.controller) &&
        selector.matches(p.metadata.labels),
    );
    // controller.FilterActivePods: a Failed pod (evicted by its kubelet) no longer counts,
    // and stays until it is deleted, as on a real cluster.
    const live = owned.filter(
      (p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded',
    );
    const want = rs.spec?.replicas ?? 1;
    const name = rs.metadata.name ?? '';
    const owner: PodOwner = { kind: 'ReplicaSet', name, namespace: ns, uid: uid ?? '' };
    for (let i = live.length; i < want; i++) {
      const created = createOwnedPod(this.store, this.clock, owner, {
        name: `${name}-${nameSuffix(`${name}/${this.seq++}/${this.clock.now()}`, 5)}`,
        labels: { ...rs.spec?.template?.metadata?.labels },
        spec: structuredClone(rs.spec?.template?.spec ?? {}),
      });
      // A refused create ends this sync; the work queue brings the ReplicaSet back later.
      if (!created) {
        this.retryLater();
        break;
      }
    }
    for (const extra of live.slice(want))
      deleteOwnedPod(this.store, this.clock, owner, extra.metadata.name ?? '');
    const ready = live.filter((p) =>
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    ).length;
    const status = {
      ...rs.status,
      replicas: want,
      fullyLabeledReplicas: want,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    this.store.update(rsType, { ...rs, status }, { subresource: 'status' });
  }
}
