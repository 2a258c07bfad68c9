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

function event(
  store: ObjectStore,
  clock: Clock,
  owner: PodOwner,
  reason: string,
  message: string,
  type: 'Normal' | 'Warning' = 'Normal',
): void {
  recordEvent(store, clock, {
    involved: {
      kind: owner.kind,
      name: owner.name,
      namespace: owner.namespace,
      uid: owner.uid,
      apiVersion: 'apps/v1',
    },
    type,
    reason,
    message,
    source: { component: owner.kind === 'ReplicaSet' ? 'replicaset-controller' : 'daemonset-controller' },
  });
}

/** Creates the pod; false when admission refused it (a FailedCreate event says why). */
export function createOwnedPod(
  store: ObjectStore,
  clock: Clock,
  owner: PodOwner,
  pod: { name: string; labels: Record<string, string>; spec: Record<string, unknown> },
): boolean {
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
  // The controller's create goes through the API server's admission like anyone's.
  const refused = store.admission?.reviewNow({
    operation: 'CREATE',
    group: '',
    version: 'v1',
    resource: 'pods',
    namespace: owner.namespace,
    namespaced: true,
    name: pod.name,
    labels: pod.labels,
  });
  if (refused) {
    event(store, clock, owner, 'FailedCreate', `Error creating: ${refused.message}`, 'Warning');
    return false;
  }
  store.create(podType, obj);
  event(store, clock, owner, 'SuccessfulCreate', `Created pod: ${pod.name}`);
  return true;
}

export function deleteOwnedPod(store: ObjectStore, clock: Clock, owner: PodOwner, name: string): void {
  store.delete(podType, owner.namespace, name);
  event(store, clock, owner, 'SuccessfulDelete', `Deleted pod: ${name}`);
}
