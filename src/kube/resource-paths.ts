/**
 * Where each watched resource lives in the API. Leases are watched only in
 * kube-node-lease: those are the kubelet heartbeats.
 */
import type { WatchedResource } from './observations.ts';

const paths: Record<WatchedResource, string> = {
  nodes: '/api/v1/nodes',
  pods: '/api/v1/pods',
  events: '/api/v1/events',
  leases: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
  services: '/api/v1/services',
  endpointslices: '/apis/discovery.k8s.io/v1/endpointslices',
  deployments: '/apis/apps/v1/deployments',
  replicasets: '/apis/apps/v1/replicasets',
  daemonsets: '/apis/apps/v1/daemonsets',
  poddisruptionbudgets: '/apis/policy/v1/poddisruptionbudgets',
  validatingwebhookconfigurations: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
  mutatingwebhookconfigurations: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
};

export function listPath(resource: WatchedResource): string {
  return paths[resource];
}
