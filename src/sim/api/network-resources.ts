/**
 * The networking resources beyond the core ones: Ingress in the versions Kubernetes served
 * it over the years (extensions/v1beta1 and networking.k8s.io/v1beta1 until 1.22, v1 from
 * 1.19; kubernetes.io/docs/reference/using-api/deprecation-guide/#v1-22), IngressClass, and
 * the Calico resources a BGP cluster configures its routing with (BGPPeer,
 * BGPConfiguration, IPPool, crd.projectcalico.org/v1 custom resources with the Kubernetes
 * datastore). One storage backs all three Ingress versions, as one etcd key does.
 */
import { resource, statusSub } from './resource-builder.ts';
import type { ResourceType } from './resources.ts';

function ingress(group: string, version: string, served: { servedFrom?: number; removedIn?: number }) {
  return resource({
    group,
    version,
    plural: 'ingresses',
    singular: 'ingress',
    kind: 'Ingress',
    namespaced: true,
    shortNames: ['ing'],
    subresources: [statusSub('Ingress')],
    storage: 'ingresses.networking.k8s.io',
    ...served,
  });
}

function calico(plural: string, kind: string): ResourceType {
  const singular = plural.replace(/s$/, '');
  return resource({
    group: 'crd.projectcalico.org',
    version: 'v1',
    plural,
    singular,
    kind,
    namespaced: false,
    addon: 'calico',
  });
}

export const networkResourceTypes: ResourceType[] = [
  ingress('networking.k8s.io', 'v1', { servedFrom: 19 }),
  resource({
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'ingressclasses',
    singular: 'ingressclass',
    kind: 'IngressClass',
    namespaced: false,
    servedFrom: 19,
  }),
  ingress('networking.k8s.io', 'v1beta1', { servedFrom: 14, removedIn: 22 }),
  ingress('extensions', 'v1beta1', { removedIn: 22 }),
  calico('bgppeers', 'BGPPeer'),
  calico('bgpconfigurations', 'BGPConfiguration'),
  calico('ippools', 'IPPool'),
];
