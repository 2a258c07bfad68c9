/**
 * The RBAC objects, derived from deploy/api-calls.ts: one identity, one set of rules, each
 * rule exactly the verbs called on that resource. Calls in a fixed namespace (events and the
 * kubernetes EndpointSlice in `default`, node leases in `kube-node-lease`) become a Role
 * there; calls in the release's own namespace (the leader Lease) a Role in it; the rest a
 * ClusterRole. Secrets appear nowhere.
 */
import { type ApiCall, apiCalls, type Identity, nonResourceCalls, resourceOf } from './api-calls.ts';

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}

export interface RoleSpec {
  /** undefined: cluster-wide (ClusterRole). `{release}`: the release namespace. */
  namespace: string | undefined;
  rules: PolicyRule[];
}

/** Rules for one identity, grouped by where they apply. */
export function rolesFor(identity: Identity, releaseNamespace = '{release}'): RoleSpec[] {
  const calls = apiCalls.filter((c) => c.identity === identity);
  const scopes = new Map<string, Map<string, Set<string>>>();
  for (const c of calls) {
    const ref = resourceOf(c.path);
    const scope = scopeOf(c, ref.namespace, releaseNamespace);
    const byResource = scopes.get(scope) ?? new Map<string, Set<string>>();
    const key = `${ref.group}\u0000${ref.resource}`;
    const verbs = byResource.get(key) ?? new Set<string>();
    for (const v of c.verbs) verbs.add(v);
    byResource.set(key, verbs);
    scopes.set(scope, byResource);
  }
  const out: RoleSpec[] = [];
  for (const [scope, byResource] of [...scopes].sort(([a], [b]) => a.localeCompare(b))) {
    const rules: PolicyRule[] = [...byResource]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, verbs]) => {
        const [group, resource] = key.split('\u0000');
        return { apiGroups: [group], resources: [resource], verbs: [...verbs].sort() };
      });
    if (identity === 'watcher' && scope === '') rules.push({ nonResourceURLs: nonResourceCalls, verbs: ['get'] });
    out.push({ namespace: scope === '' ? undefined : scope, rules });
  }
  return out;
}

function scopeOf(c: ApiCall, namespace: string | undefined, releaseNamespace: string): string {
  if (namespace === undefined) return '';
  if (!namespace.startsWith('{')) return namespace;
  if (namespace === '{release}') return releaseNamespace;
  // The leader Lease lives in the release's namespace; other `{ns}` calls can be anywhere.
  return c.identity === 'leader-election' ? releaseNamespace : '';
}
