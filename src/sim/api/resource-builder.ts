/**
 * Builds registry entries with the defaults most resources share (full CRUD verbs, no
 * subresources, storage named `<plural>.<group>`), for resources.ts and the registries it
 * gathers (network-resources.ts).
 */
import type { ResourceType, SubresourceType } from './resources.ts';

const crud = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const statusSub = (kind: string): SubresourceType => ({
  name: 'status',
  kind,
  verbs: ['get', 'patch', 'update'],
});

export function resource(
  r: Omit<ResourceType, 'verbs' | 'subresources' | 'shortNames' | 'categories' | 'storage'> &
    Partial<Pick<ResourceType, 'verbs' | 'subresources' | 'shortNames' | 'categories' | 'storage'>>,
): ResourceType {
  return {
    verbs: crud,
    subresources: [],
    shortNames: [],
    categories: [],
    storage: r.group ? `${r.plural}.${r.group}` : r.plural,
    ...r,
  };
}
