import { describe, expect, it } from 'vitest';
import { allows, forbiddenMessage, requestAttributes, type TokenSubject } from './rbac.ts';

const at = (method: string, path: string) => requestAttributes(method, new URL(`https://sim${path}`));

describe('requestAttributes: verbs as kube-apiserver resolves them', () => {
  it.each([
    ['GET', '/api/v1/nodes', 'list'],
    ['GET', '/api/v1/nodes?watch=true', 'watch'],
    ['GET', '/api/v1/watch/nodes', 'watch'],
    ['GET', '/api/v1/nodes/n1', 'get'],
    ['PATCH', '/api/v1/nodes/n1', 'patch'],
    ['DELETE', '/api/v1/nodes/n1', 'delete'],
    ['DELETE', '/api/v1/namespaces/default/pods', 'deletecollection'],
    ['POST', '/api/v1/namespaces/default/pods/p/eviction', 'create'],
    ['PUT', '/apis/coordination.k8s.io/v1/namespaces/kt/leases/l', 'update'],
    ['GET', '/livez', 'get'],
  ])('%s %s is %s', (method, path, verb) => {
    expect(at(method, path).verb).toBe(verb);
  });

  it('names the subresource and namespace', () => {
    expect(at('POST', '/api/v1/namespaces/shop/pods/web-1/eviction')).toEqual({
      kind: 'resource',
      verb: 'create',
      group: '',
      resource: 'pods',
      subresource: 'eviction',
      namespace: 'shop',
      name: 'web-1',
    });
  });
});

describe('allows: rules as RBAC evaluates them', () => {
  const subject: TokenSubject = {
    user: 'system:serviceaccount:kubetriage:kubetriage',
    roles: [
      {
        rules: [
          { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'patch'] },
          { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
          { nonResourceURLs: ['/livez', '/metrics'], verbs: ['get'] },
        ],
      },
      {
        namespace: 'kubetriage',
        rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['*'] }],
      },
    ],
  };

  it('grants exactly the listed verbs on the listed resources', () => {
    expect(allows(subject, at('PATCH', '/api/v1/nodes/n1'))).toBe(true);
    expect(allows(subject, at('DELETE', '/api/v1/nodes/n1'))).toBe(false);
    expect(allows(subject, at('GET', '/api/v1/nodes?watch=1'))).toBe(false);
  });

  it('keeps a subresource apart from its resource', () => {
    expect(allows(subject, at('POST', '/api/v1/namespaces/a/pods/p/eviction'))).toBe(true);
    expect(allows(subject, at('GET', '/api/v1/namespaces/a/pods/p'))).toBe(false);
  });

  it('applies a Role only in its namespace', () => {
    expect(allows(subject, at('PUT', '/apis/coordination.k8s.io/v1/namespaces/kubetriage/leases/l'))).toBe(
      true,
    );
    expect(allows(subject, at('PUT', '/apis/coordination.k8s.io/v1/namespaces/default/leases/l'))).toBe(
      false,
    );
  });

  it('matches non-resource URLs by path', () => {
    expect(allows(subject, at('GET', '/metrics'))).toBe(true);
    expect(allows(subject, at('GET', '/logs/'))).toBe(false);
  });

  it('lets any authenticated user discover the API and read the health checks, as the bootstrap policy does', () => {
    const nobody: TokenSubject = { user: 'someone', roles: [] };
    for (const path of ['/api', '/apis/apps/v1', '/openapi/v3', '/readyz', '/version'])
      expect(allows(nobody, at('GET', path)), path).toBe(true);
    expect(allows(nobody, at('GET', '/metrics'))).toBe(false);
    expect(allows(nobody, at('GET', '/api/v1/nodes'))).toBe(false);
  });
});

describe('forbiddenMessage: in kube-apiserver words', () => {
  const user = 'system:serviceaccount:kubetriage:kubetriage';
  it('for a cluster-scoped object', () => {
    expect(forbiddenMessage(user, at('DELETE', '/api/v1/nodes/n1'))).toBe(
      `nodes "n1" is forbidden: User "${user}" cannot delete resource "nodes" in API group "" at the cluster scope`,
    );
  });
  it('for a namespaced subresource in a named group', () => {
    expect(forbiddenMessage(user, at('PATCH', '/apis/apps/v1/namespaces/shop/deployments/web'))).toBe(
      `deployments.apps "web" is forbidden: User "${user}" cannot patch resource "deployments" in API group "apps" in the namespace "shop"`,
    );
  });
  it('for a subresource: the sentence names it, the prefix does not', () => {
    expect(forbiddenMessage(user, at('POST', '/api/v1/namespaces/shop/pods/web-1/eviction'))).toBe(
      `pods "web-1" is forbidden: User "${user}" cannot create resource "pods/eviction" in API group "" in the namespace "shop"`,
    );
  });
  it('for a path', () => {
    expect(forbiddenMessage(user, at('GET', '/readyz'))).toBe(
      `forbidden: User "${user}" cannot get path "/readyz"`,
    );
  });
});
