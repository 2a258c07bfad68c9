import { admitCreate, ClusterIpAllocator } from '../api/admission.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { parseLabelSelector } from '../api/label-selector.ts';
import { resourceForKind } from '../api/resources.ts';
import { type LabelSelectorSpec, selectorText } from '../api/selector-spec.ts';
import { nameSuffix } from '../cluster/objects.ts';
import { recordEvent } from './events.ts';
import { QueuedController } from './queued-controller.ts';

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
  status?: { conditions?: { type: string; status: string }[] };
}

export class ReplicaSetController extends QueuedController {
  private seq = 0;
  private readonly clusterIps = new ClusterIpAllocator();

  protected watches(): string[] {
    return [podType.storage, rsType.storage];
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
    const live = owned.filter((p) => !p.metadata.deletionTimestamp);
    const want = rs.spec?.replicas ?? 1;
    const name = rs.metadata.name ?? '';
    const involved = { kind: 'ReplicaSet', name, namespace: ns, uid, apiVersion: 'apps/v1' };
    const source = { component: 'replicaset-controller' };
    for (let i = live.length; i < want; i++) {
      const podName = `${name}-${nameSuffix(`${name}/${this.seq++}/${this.clock.now()}`, 5)}`;
      const pod: KubeObject = {
        metadata: {
          name: podName,
          namespace: ns,
          labels: { ...rs.spec?.template?.metadata?.labels },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name,
              uid: uid ?? '',
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: structuredClone(rs.spec?.template?.spec ?? {}),
      };
      // Created through the API server in a real cluster, so admission defaults apply.
      admitCreate(podType, pod, this.clusterIps);
      this.store.create(podType, pod);
      recordEvent(this.store, this.clock, {
        involved,
        type: 'Normal',
        reason: 'SuccessfulCreate',
        message: `Created pod: ${podName}`,
        source,
      });
    }
    for (const extra of live.slice(want)) {
      this.store.delete(podType, ns, extra.metadata.name ?? '');
      recordEvent(this.store, this.clock, {
        involved,
        type: 'Normal',
        reason: 'SuccessfulDelete',
        message: `Deleted pod: ${extra.metadata.name}`,
        source,
      });
    }
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
