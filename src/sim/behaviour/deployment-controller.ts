/**
 * The Deployment controller: one ReplicaSet per pod template (named by a hash of the
 * template, labelled pod-template-hash), and a rolling update that scales the new one up
 * and the old ones down within maxSurge and maxUnavailable (25 % each by default, surge
 * rounded up and unavailability down, as the real controller does), with
 * ScalingReplicaSet events and the Available/Progressing conditions. A rollout stalls,
 * as a real one does, while new pods do not become Ready. Each ReplicaSet carries its
 * revision (`deployment.kubernetes.io/revision`), and the Deployment the current one's.
 */
import { rfc3339 } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import type { LabelSelectorSpec } from '../api/selector-spec.ts';
import { nameSuffix } from '../cluster/objects.ts';
import { recordEvent } from './events.ts';
import { QueuedController } from './queued-controller.ts';

const deploymentType = resourceForKind('Deployment', 'apps')!;
const rsType = resourceForKind('ReplicaSet', 'apps')!;
const podType = resourceForKind('Pod')!;

interface PodView {
  metadata: KubeObject['metadata'];
  status?: { conditions?: { type: string; status: string }[] };
}

interface DeploymentView {
  metadata: KubeObject['metadata'];
  spec?: {
    replicas?: number;
    selector?: LabelSelectorSpec;
    template?: { metadata?: { labels?: Record<string, string> }; spec?: Record<string, unknown> };
    strategy?: {
      type?: string;
      rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
    };
  };
  status?: Record<string, unknown>;
}

interface ReplicaSetView {
  metadata: KubeObject['metadata'];
  spec?: { replicas?: number };
  status?: { readyReplicas?: number; availableReplicas?: number };
}

/** Which rollout a ReplicaSet is, on it and on its Deployment (deploymentutil.RevisionAnnotation). */
const revisionAnnotation = 'deployment.kubernetes.io/revision';

function revisionOf(rs: { metadata: KubeObject['metadata'] }): number {
  return Number(rs.metadata.annotations?.[revisionAnnotation] ?? 0) || 0;
}

function scaled(v: number | string | undefined, total: number, roundUp: boolean, fallback: string): number {
  const raw = v ?? fallback;
  if (typeof raw === 'number') return raw;
  const pct = (Number(raw.replace('%', '')) * total) / 100;
  return roundUp ? Math.ceil(pct) : Math.floor(pct);
}

export class DeploymentController extends QueuedController {
  protected watches(): ReturnType<QueuedController['watches']> {
    return [deploymentType.storage, rsType.storage];
  }

  syncAll(): void {
    for (const d of this.store.listObjects(deploymentType) as (KubeObject & DeploymentView)[]) this.sync(d);
  }

  private sync(d: KubeObject & DeploymentView): void {
    const ns = d.metadata.namespace ?? '';
    const name = d.metadata.name ?? '';
    const desired = d.spec?.replicas ?? 1;
    const hash = nameSuffix(JSON.stringify(d.spec?.template ?? {}), 10);
    const owned = (this.store.listObjects(rsType, ns) as (KubeObject & ReplicaSetView)[])
      .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === d.metadata.uid && o.controller))
      .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
    let current = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    const old = owned.filter((rs) => rs !== current);
    const involved = { kind: 'Deployment', name, namespace: ns, uid: d.metadata.uid, apiVersion: 'apps/v1' };
    const source = { component: 'deployment-controller' };
    const scale = (rs: KubeObject & ReplicaSetView, to: number): void => {
      const from = rs.spec?.replicas ?? 0;
      if (from === to) return;
      this.store.update(rsType, { ...rs, spec: { ...rs.spec, replicas: to } });
      recordEvent(this.store, this.clock, {
        involved,
        type: 'Normal',
        reason: 'ScalingReplicaSet',
        message: `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}`,
        source,
      });
    };
    // The new ReplicaSet's revision is one past the newest old one's (sync.go
    // getNewReplicaSet); a template rolled back to takes a fresh number too. `kubectl
    // rollout history` lists these.
    const revision = String(Math.max(0, ...old.map(revisionOf)) + 1);
    if (current && revisionOf(current) < Number(revision)) {
      current = this.store.update(rsType, {
        ...current,
        metadata: {
          ...current.metadata,
          annotations: { ...current.metadata.annotations, [revisionAnnotation]: revision },
        },
      }) as KubeObject & ReplicaSetView;
    }
    if (!current) {
      const labels = { ...d.spec?.template?.metadata?.labels, 'pod-template-hash': hash };
      current = this.store.create(rsType, {
        metadata: {
          name: `${name}-${hash}`,
          namespace: ns,
          labels,
          annotations: { [revisionAnnotation]: revision },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name,
              uid: d.metadata.uid ?? '',
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          replicas: 0,
          selector: { matchLabels: { ...(d.spec?.selector?.matchLabels ?? {}), 'pod-template-hash': hash } },
          template: { metadata: { labels }, spec: d.spec?.template?.spec ?? {} },
        },
      }) as KubeObject & ReplicaSetView;
    }
    let deployment = d;
    if (d.metadata.annotations?.[revisionAnnotation] !== String(revisionOf(current)))
      deployment = this.store.update(deploymentType, {
        ...d,
        metadata: {
          ...d.metadata,
          annotations: { ...d.metadata.annotations, [revisionAnnotation]: String(revisionOf(current)) },
        },
      }) as KubeObject & DeploymentView;
    const ru = d.spec?.strategy?.rollingUpdate;
    const recreate = d.spec?.strategy?.type === 'Recreate';
    const surge = recreate ? 0 : scaled(ru?.maxSurge, desired, true, '25%');
    let unavailable = recreate ? desired : scaled(ru?.maxUnavailable, desired, false, '25%');
    if (surge === 0 && unavailable === 0) unavailable = 1;
    const replicasOf = (rs: ReplicaSetView) => rs.spec?.replicas ?? 0;
    // Availability is counted from the pods themselves: ReplicaSet status lags a pass behind.
    const pods = this.store.listObjects(podType, ns) as (KubeObject & PodView)[];
    const readyOf = (rs: ReplicaSetView) =>
      pods.filter(
        (p) =>
          !p.metadata.deletionTimestamp &&
          p.metadata.ownerReferences?.some((o) => o.uid === rs.metadata.uid) &&
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;

    if (old.every((rs) => replicasOf(rs) === 0)) {
      scale(current, desired);
    } else {
      // Scale up the new ReplicaSet as far as the surge allows.
      const total = replicasOf(current) + old.reduce((s, rs) => s + replicasOf(rs), 0);
      const up = Math.min(desired, replicasOf(current) + Math.max(0, desired + surge - total));
      scale(current, up);
      // Scale old ones down as far as availability allows, oldest first
      // (rolling.go reconcileOldReplicaSets): never below desired − maxUnavailable,
      // counting the new ReplicaSet's pods that are not available yet as missing.
      const minAvailable = desired - unavailable;
      const allPods = replicasOf(current) + old.reduce((s, rs) => s + replicasOf(rs), 0);
      const newUnavailable = Math.max(0, replicasOf(current) - readyOf(current));
      let budget = Math.max(0, allPods - minAvailable - newUnavailable);
      // First the old pods that are not available anyway: removing them costs nothing.
      for (const rs of old) {
        const cut = Math.min(budget, Math.max(0, replicasOf(rs) - readyOf(rs)));
        if (cut > 0) scale(rs, replicasOf(rs) - cut);
        budget -= cut;
      }
      const available = readyOf(current) + old.reduce((s, rs) => s + readyOf(rs), 0);
      let down = Math.min(budget, Math.max(0, available - minAvailable));
      for (const rs of old) {
        const fresh = this.store.get(rsType, ns, rs.metadata.name ?? '') as KubeObject & ReplicaSetView;
        const cut = Math.min(down, replicasOf(fresh));
        if (cut > 0) scale(fresh, replicasOf(fresh) - cut);
        down -= cut;
      }
    }
    const all = [current, ...old];
    const ready = all.reduce((s, rs) => s + readyOf(rs), 0);
    const stamp = rfc3339(this.clock.now());
    const available = ready >= desired - unavailable;
    const status = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas: all.reduce((s, rs) => s + replicasOf(rs), 0),
      updatedReplicas: replicasOf(current),
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: Math.max(0, desired - ready),
      conditions: [
        available
          ? {
              type: 'Available',
              status: 'True',
              reason: 'MinimumReplicasAvailable',
              message: 'Deployment has minimum availability.',
              lastUpdateTime: stamp,
              lastTransitionTime: stamp,
            }
          : {
              type: 'Available',
              status: 'False',
              reason: 'MinimumReplicasUnavailable',
              message: 'Deployment does not have minimum availability.',
              lastUpdateTime: stamp,
              lastTransitionTime: stamp,
            },
        readyOf(current) >= desired
          ? {
              type: 'Progressing',
              status: 'True',
              reason: 'NewReplicaSetAvailable',
              message: `ReplicaSet "${current.metadata.name}" has successfully progressed.`,
              lastUpdateTime: stamp,
              lastTransitionTime: stamp,
            }
          : {
              type: 'Progressing',
              status: 'True',
              reason: 'ReplicaSetUpdated',
              message: `ReplicaSet "${current.metadata.name}" is progressing.`,
              lastUpdateTime: stamp,
              lastTransitionTime: stamp,
            },
      ],
    };
    // Keep condition times when nothing but the time would change, so no-op syncs stay no-ops.
    const prev = d.status as
      | {
          conditions?: {
            type: string;
            status: string;
            reason: string;
            lastUpdateTime?: string;
            lastTransitionTime?: string;
          }[];
        }
      | undefined;
    status.conditions = status.conditions.map((c) => {
      const p = prev?.conditions?.find((x) => x.type === c.type);
      return p && p.status === c.status && p.reason === c.reason
        ? {
            ...c,
            lastUpdateTime: p.lastUpdateTime ?? stamp,
            lastTransitionTime: p.lastTransitionTime ?? stamp,
          }
        : c;
    });
    this.store.update(deploymentType, { ...deployment, status }, { subresource: 'status' });
  }
}
