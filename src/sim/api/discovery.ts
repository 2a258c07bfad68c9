/**
 * Legacy discovery documents (/api, /apis, /api/v1, /apis/<g>/<v>) built from the
 * resource registry. The simulator always answers with plain `application/json`, so
 * client-go and kubectl use the legacy path and fetch each group/version in turn
 * (kubernetes.md §1.1); every group/version advertised here must answer.
 */
import {
  groupVersion,
  groupVersions,
  type ResourceType,
  resourceTypes,
  type ServedFilter,
  servesAll,
} from './resources.ts';

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(group: string, served: ServedFilter): unknown {
  const versions = groupVersions(served)
    .filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: groupVersion(gv), version: gv.version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(served: ServedFilter = servesAll): unknown {
  const groups = [...new Set(groupVersions(served).map((gv) => gv.group))].filter((g) => g !== '');
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => apiGroup(g, served)) };
}

export function apiGroupDoc(group: string, served: ServedFilter = servesAll): unknown | undefined {
  if (!groupVersions(served).some((gv) => gv.group === group && group !== '')) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...(apiGroup(group, served) as object) };
}

function resourceEntries(r: ResourceType): unknown[] {
  const main = {
    name: r.plural,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
  };
  const subs = r.subresources.map((s) => ({
    name: `${r.plural}/${s.name}`,
    singularName: '',
    namespaced: r.namespaced,
    ...(s.group !== undefined ? { group: s.group, version: s.version } : {}),
    kind: s.kind,
    verbs: s.verbs,
  }));
  return [main, ...subs];
}

export function apiResourceList(
  group: string,
  version: string,
  filter: ServedFilter = servesAll,
): unknown | undefined {
  const served = resourceTypes.filter((r) => r.group === group && r.version === version && filter(r));
  if (served.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion({ group, version }),
    resources: served.flatMap(resourceEntries),
  };
}
