/**
 * Every resource the simulated API server serves, with its kind, group, version and
 * discovery facts in one place (the way Headlamp keeps one module per kind). The HTTP
 * layer, discovery, tables and the store all read from this registry; adding a resource is
 * adding one entry.
 */
import { networkResourceTypes } from './network-resources.ts';
import { resource, statusSub } from './resource-builder.ts';

export interface SubresourceType {
  /** e.g. `status`, `log`, `eviction`, `proxy`. */
  name: string;
  kind: string;
  verbs: string[];
  /** Set when the subresource's kind lives in another group (pods/eviction → policy/v1). */
  group?: string;
  version?: string;
}

export interface ResourceType {
  group: string;
  version: string;
  /** Plural resource name as in URLs: `pods`. */
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: SubresourceType[];
  /**
   * Which stored collection holds this resource. Two API versions of one thing share a
   * store (core/v1 events and events.k8s.io/v1 events are the same objects).
   */
  storage: string;
  /** Kubernetes minor versions that serve it: from `servedFrom`, until just before `removedIn`. */
  servedFrom?: number;
  removedIn?: number;
  /** Served only where this add-on installed its CustomResourceDefinitions (`calico`). */
  addon?: string;
}

export const resourceTypes: ResourceType[] = [
  resource({
    group: '',
    version: 'v1',
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [statusSub('Namespace')],
  }),
  resource({
    group: '',
    version: 'v1',
    plural: 'nodes',
    singular: 'node',
    kind: 'Node',
    namespaced: false,
    shortNames: ['no'],
    subresources: [
      statusSub('Node'),
      { name: 'proxy', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
    ],
  }),
  resource({
    group: '',
    version: 'v1',
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      statusSub('Pod'),
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'eviction', kind: 'Eviction', verbs: ['create'], group: 'policy', version: 'v1' },
      { name: 'proxy', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
    ],
  }),
  resource({
    group: '',
    version: 'v1',
    plural: 'services',
    singular: 'service',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [statusSub('Service')],
  }),
  resource({
    group: '',
    version: 'v1',
    plural: 'endpoints',
    singular: 'endpoints',
    kind: 'Endpoints',
    namespaced: true,
    shortNames: ['ep'],
  }),
  resource({
    group: '',
    version: 'v1',
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    storage: 'events',
  }),
  resource({
    group: '',
    version: 'v1',
    plural: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    shortNames: ['cm'],
  }),
  resource({
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [statusSub('Deployment')],
  }),
  resource({
    group: 'apps',
    version: 'v1',
    plural: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    namespaced: true,
    shortNames: ['rs'],
    categories: ['all'],
    subresources: [statusSub('ReplicaSet')],
  }),
  resource({
    group: 'apps',
    version: 'v1',
    plural: 'daemonsets',
    singular: 'daemonset',
    kind: 'DaemonSet',
    namespaced: true,
    shortNames: ['ds'],
    categories: ['all'],
    subresources: [statusSub('DaemonSet')],
  }),
  resource({
    group: 'discovery.k8s.io',
    version: 'v1',
    plural: 'endpointslices',
    singular: 'endpointslice',
    kind: 'EndpointSlice',
    namespaced: true,
  }),
  resource({
    group: 'coordination.k8s.io',
    version: 'v1',
    plural: 'leases',
    singular: 'lease',
    kind: 'Lease',
    namespaced: true,
  }),
  resource({
    group: 'policy',
    version: 'v1',
    plural: 'poddisruptionbudgets',
    singular: 'poddisruptionbudget',
    kind: 'PodDisruptionBudget',
    namespaced: true,
    shortNames: ['pdb'],
    subresources: [statusSub('PodDisruptionBudget')],
  }),
  resource({
    group: 'batch',
    version: 'v1',
    plural: 'jobs',
    singular: 'job',
    kind: 'Job',
    namespaced: true,
    categories: ['all'],
    subresources: [statusSub('Job')],
  }),
  resource({
    group: 'batch',
    version: 'v1',
    plural: 'cronjobs',
    singular: 'cronjob',
    kind: 'CronJob',
    namespaced: true,
    shortNames: ['cj'],
    categories: ['all'],
    subresources: [statusSub('CronJob')],
  }),
  resource({
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'ingresses',
    singular: 'ingress',
    kind: 'Ingress',
    namespaced: true,
    shortNames: ['ing'],
    subresources: [statusSub('Ingress')],
  }),
  resource({
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: 'validatingwebhookconfigurations',
    singular: 'validatingwebhookconfiguration',
    kind: 'ValidatingWebhookConfiguration',
    namespaced: false,
    categories: ['api-extensions'],
  }),
  resource({
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: 'mutatingwebhookconfigurations',
    singular: 'mutatingwebhookconfiguration',
    kind: 'MutatingWebhookConfiguration',
    namespaced: false,
    categories: ['api-extensions'],
  }),
  resource({
    group: 'flowcontrol.apiserver.k8s.io',
    version: 'v1',
    plural: 'flowschemas',
    singular: 'flowschema',
    kind: 'FlowSchema',
    namespaced: false,
    subresources: [statusSub('FlowSchema')],
  }),
  resource({
    group: 'flowcontrol.apiserver.k8s.io',
    version: 'v1',
    plural: 'prioritylevelconfigurations',
    singular: 'prioritylevelconfiguration',
    kind: 'PriorityLevelConfiguration',
    namespaced: false,
    subresources: [statusSub('PriorityLevelConfiguration')],
  }),
  resource({
    group: 'events.k8s.io',
    version: 'v1',
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    storage: 'events',
  }),
  ...networkResourceTypes,
];

/** `v1` or `apps/v1`. */
export function groupVersion(r: Pick<ResourceType, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

const byPath = new Map(resourceTypes.map((r) => [`${groupVersion(r)}/${r.plural}`, r]));

/** Looks a resource up by the group/version and plural found in a URL. */
export function findResource(group: string, version: string, plural: string): ResourceType | undefined {
  return byPath.get(`${group ? `${group}/` : ''}${version}/${plural}`);
}

/** The resource a kind is stored as in its preferred (first registered) group/version. */
export function resourceForKind(kind: string, group = ''): ResourceType | undefined {
  return resourceTypes.find((r) => r.kind === kind && r.group === group);
}

/** Which resources a server serves: by its Kubernetes minor and the add-ons installed. */
export type ServedFilter = (r: ResourceType) => boolean;

export const servesAll: ServedFilter = () => true;

/** The served group/versions, in discovery order. */
export function groupVersions(served: ServedFilter = servesAll): { group: string; version: string }[] {
  const seen = new Set<string>();
  const out: { group: string; version: string }[] = [];
  for (const r of resourceTypes) {
    if (!served(r)) continue;
    const gv = groupVersion(r);
    if (!seen.has(gv)) {
      seen.add(gv);
      out.push({ group: r.group, version: r.version });
    }
  }
  return out;
}

/** What a server of Kubernetes minor `minor` with these add-ons serves. */
export function servedBy(minor: number, addons: ReadonlySet<string> = new Set()): ServedFilter {
  return (r) =>
    (r.servedFrom === undefined || minor >= r.servedFrom) &&
    (r.removedIn === undefined || minor < r.removedIn) &&
    (r.addon === undefined || addons.has(r.addon));
}
