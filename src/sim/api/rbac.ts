/**
 * RBAC for tokens bound to roles, so a client holding kubetriage's shipped roles gets from
 * the simulator exactly what it would get from a real API server: 403 Forbidden, in
 * kube-apiserver's own words, for anything its rules do not grant.
 *
 * Request attributes as kube-apiserver's RequestInfoResolver derives them
 * (staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go): GET of one object is
 * `get`, of a collection `list`, with `watch=true` (or the `/watch/` prefix) `watch`; POST
 * `create`, PUT `update`, PATCH `patch`, DELETE `delete` (of a collection
 * `deletecollection`). Rules match as rbac's RuleAllows does
 * (pkg/apis/rbac/v1/evaluation_helpers.go): the verb, the API group and the resource
 * (`resource/subresource` for a subresource) each listed or `*`; `resourceNames`, when set,
 * must name the object. Role rules apply only in their namespace.
 */
import type { IncomingMessage } from 'node:http';
import { parseApiPath } from './request-path.ts';
import { ApiError } from './status.ts';

export interface PolicyRule {
  apiGroups?: readonly string[];
  resources?: readonly string[];
  resourceNames?: readonly string[];
  nonResourceURLs?: readonly string[];
  verbs: readonly string[];
}

/** A ClusterRole (namespace unset) or a Role in one namespace, as bound to a subject. */
export interface BoundRole {
  namespace?: string;
  rules: readonly PolicyRule[];
}

/** Who holds a token, and the roles bound to them. */
export interface TokenSubject {
  /** As the API server names it, e.g. `system:serviceaccount:kubetriage:kubetriage`. */
  user: string;
  roles: readonly BoundRole[];
}

export type RequestAttributes =
  | {
      kind: 'resource';
      verb: string;
      group: string;
      resource: string;
      subresource?: string;
      namespace?: string;
      name?: string;
    }
  | { kind: 'nonResource'; verb: string; path: string };

const verbOfMethod: Record<string, string> = {
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

export function requestAttributes(method: string, url: URL): RequestAttributes {
  const p = parseApiPath(url.pathname);
  const lower = method.toLowerCase();
  if (p.type !== 'resource')
    return { kind: 'nonResource', verb: lower === 'head' ? 'get' : lower, path: url.pathname };
  let verb: string;
  if (method === 'GET' || method === 'HEAD') {
    const watch = p.watchPrefix || ['true', '1'].includes(url.searchParams.get('watch') ?? '');
    verb = watch ? 'watch' : p.name === undefined ? 'list' : 'get';
  } else
    verb = method === 'DELETE' && p.name === undefined ? 'deletecollection' : (verbOfMethod[method] ?? lower);
  return {
    kind: 'resource',
    verb,
    group: p.group,
    resource: p.plural,
    ...(p.subresource ? { subresource: p.subresource } : {}),
    ...(p.namespace ? { namespace: p.namespace } : {}),
    ...(p.name ? { name: p.name } : {}),
  };
}

const has = (list: readonly string[] | undefined, v: string) =>
  !!list && (list.includes('*') || list.includes(v));

function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (a.kind === 'nonResource') {
    return (rule.nonResourceURLs ?? []).some(
      (u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))),
    );
  }
  if (!has(rule.apiGroups, a.group)) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resources = rule.resources ?? [];
  const resourceOk =
    resources.includes('*') ||
    resources.includes(combined) ||
    (a.subresource !== undefined && resources.includes(`*/${a.subresource}`));
  if (!resourceOk) return false;
  return !rule.resourceNames?.length || (a.name !== undefined && rule.resourceNames.includes(a.name));
}

/**
 * What every authenticated user may do on a real cluster, from the bootstrap policy's
 * ClusterRoles bound to system:authenticated (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/
 * policy.go): system:discovery, system:public-info-viewer and system:basic-user. Without
 * them kubectl could not even discover the API.
 */
const authenticatedRoles: readonly BoundRole[] = [
  {
    rules: [
      {
        nonResourceURLs: [
          '/api',
          '/api/*',
          '/apis',
          '/apis/*',
          '/healthz',
          '/livez',
          '/openapi',
          '/openapi/*',
          '/readyz',
          '/version',
          '/version/',
        ],
        verbs: ['get'],
      },
      {
        apiGroups: ['authorization.k8s.io'],
        resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
        verbs: ['create'],
      },
      { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
    ],
  },
];

export function allows(subject: TokenSubject, a: RequestAttributes): boolean {
  return [...authenticatedRoles, ...subject.roles].some(
    (role) =>
      // A Role grants only in its own namespace, and never non-resource URLs.
      (role.namespace === undefined ||
        (a.kind === 'resource' && a.namespace !== undefined && a.namespace === role.namespace)) &&
      role.rules.some((r) => ruleAllows(r, a)),
  );
}

/**
 * kube-apiserver's message (endpoints/handlers/responsewriters/errors.go, forbiddenMessage,
 * wrapped by apierrors.NewForbidden as `<resource> "<name>" is forbidden: …`).
 */
export function forbiddenMessage(user: string, a: RequestAttributes): string {
  if (a.kind === 'nonResource') return `forbidden: User "${user}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const what = `User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${where}`;
  // NewForbidden names the group and resource alone; the subresource is only in the sentence.
  const qualified = a.group ? `${a.resource}.${a.group}` : a.resource;
  return `${qualified}${a.name ? ` "${a.name}"` : ''} is forbidden: ${what}`;
}

/** Authorizes a request from a token holder; throws 403 in the API server's words. */
export function authorize(subject: TokenSubject, req: IncomingMessage, url: URL): void {
  const a = requestAttributes(req.method ?? 'GET', url);
  if (allows(subject, a)) return;
  const details =
    a.kind === 'resource'
      ? { ...(a.name ? { name: a.name } : {}), group: a.group, kind: a.resource }
      : undefined;
  throw new ApiError(403, 'Forbidden', forbiddenMessage(subject.user, a), details);
}
