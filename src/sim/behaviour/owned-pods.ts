/**
 * How workload controllers create and delete the pods they own: through admission (as a
 * real controller's pods go through the API server), owned by the controller object, with
 * the SuccessfulCreate / SuccessfulDelete events the real controllers record.
 */
import type { Clock } from '../../time/clock.ts';
import { admitCreate } from '../api/admission.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { recordEvent } from './events.ts';

const podType = resourceForKind('Pod')!;

export interface PodOwner {
  kind: 'ReplicaSet' | 'DaemonSet';
  name: string;
  namespace: string;
  uid: string;
}

function event(store: ObjectStore, clock: Clock, owner: PodOwner, reason: string, message: string): void {
  recordEvent(store, clock, {
    involved: {
      kind: owner.kind,
      name: owner.name,
      namespace: owner.namespace,
      uid: owner.uid,
      apiVersion: 'apps/v1',
    },
    type: 'Normal',
    reason,
    message,
    source: { component: owner.kind === 'ReplicaSet' ? 'replicaset-controller' : 'daemonset-controller' },
  });
}

export function createOwnedPod(
  store: ObjectStore,
  clock: Clock,
  owner: PodOwner,
  pod: { name: string; labels: Record<string, string>; spec: Record<string, unknown> },
): void {
  const obj: KubeObject = {
    metadata: {
      name: pod.name,
      namespace: owner.namespace,
      labels: pod.labels,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: owner.kind,
          name: owner.name,
          uid: owner.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: pod.spec,
  };
  admitCreate(podType, obj);
  store.create(podType, obj);
  event(store, clock, owner, 'SuccessfulCreate', `Created pod: ${pod.name}`);
}

export function deleteOwnedPod(store: ObjectStore, clock: Clock, owner: PodOwner, name: string): void {
  store.delete(podType, owner.namespace, name);
  event(store, clock, owner, 'SuccessfulDelete', `Deleted pod: ${name}`);
}
