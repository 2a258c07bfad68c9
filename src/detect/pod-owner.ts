/**
 * Which workload a pod belongs to, the way an operator names it: a ReplicaSet's pods
 * belong to its Deployment, a mirror pod (`kube-apiserver-<node>`) to its static manifest,
 * a pod without a controller to itself. Resolved once per distinct owner, not per pod.
 */
import type { KubeObject } from '../kube/observations.ts';
import type { ClusterView } from '../observe/cluster-view.ts';

export interface WorkloadRef {
  namespace: string;
  kind: string;
  name: string;
  /** `namespace/Kind/name`, as in `Scope.workloads`. */
  key: string;
}

/** The pod-template-hash suffix the Deployment controller appends to ReplicaSet names. */
const templateHash = /^(.+)-[0-9a-z]{5,10}$/;

export function controllerOf(o: KubeObject): { kind: string; name: string } | undefined {
  const refs = o.metadata.ownerReferences;
  if (!refs?.length) return undefined;
  return refs.find((r) => r.controller) ?? refs[0];
}

function ref(namespace: string, kind: string, name: string): WorkloadRef {
  return { namespace, kind, name, key: `${namespace}/${kind}/${name}` };
}

/** A resolver that remembers what it looked up: call it for every pod of a pass. */
export function workloadResolver(view: ClusterView): (pod: KubeObject) => WorkloadRef {
  // Pods of one controller share one owner-reference list (the trimmer shares equal
  // values), so the list itself is the cheapest key; the namespace tells apart equal lists.
  const memo = new WeakMap<object, Map<string, WorkloadRef>>();
  return (pod) => {
    const namespace = pod.metadata.namespace ?? '';
    const refs = pod.metadata.ownerReferences;
    if (!refs?.length) return ref(namespace, 'Pod', pod.metadata.name);
    let byNamespace = memo.get(refs);
    if (!byNamespace) {
      byNamespace = new Map();
      memo.set(refs, byNamespace);
    }
    let w = byNamespace.get(namespace);
    if (!w) {
      const owner = controllerOf(pod)!;
      w = owner.kind === 'Node' ? ref(namespace, 'Node', owner.name) : resolveOwner(view, namespace, owner);
      byNamespace.set(namespace, w);
    }
    // All mirror pods of one node share that node as owner: the pod's name tells them apart.
    return w.kind === 'Node' ? staticPod(namespace, pod.metadata.name, w.name) : w;
  };
}

/** The workload an owner reference names (a ReplicaSet's Deployment, found through the view). */
export function resolveOwner(
  view: ClusterView,
  namespace: string,
  owner: { kind: string; name: string },
): WorkloadRef {
  if (owner.kind !== 'ReplicaSet') return ref(namespace, owner.kind, owner.name);
  const rs = view.get('replicasets', `${namespace}/${owner.name}`);
  const up = rs && controllerOf(rs);
  if (up) return ref(namespace, up.kind, up.name);
  const guess = templateHash.exec(owner.name)?.[1];
  return rs || !guess ? ref(namespace, 'ReplicaSet', owner.name) : ref(namespace, 'Deployment', guess);
}

/** Mirror pods are named <manifest>-<node>; the manifest is the workload across nodes. */
function staticPod(namespace: string, podName: string, nodeName: string): WorkloadRef {
  const suffix = `-${nodeName}`;
  return ref(namespace, 'StaticPod', podName.endsWith(suffix) ? podName.slice(0, -suffix.length) : podName);
}
