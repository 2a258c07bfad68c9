import { describe, expect, it } from 'vitest';
import { parseApiPath } from './request-path.ts';

describe('parseApiPath', () => {
  it.each([
    ['/api', { type: 'api' }],
    ['/apis', { type: 'apis' }],
    ['/version', { type: 'version' }],
    ['/livez/etcd', { type: 'health', check: 'livez', sub: 'etcd' }],
    ['/api/v1', { type: 'groupVersion', group: '', version: 'v1' }],
    ['/apis/apps', { type: 'group', group: 'apps' }],
    ['/apis/apps/v1', { type: 'groupVersion', group: 'apps', version: 'v1' }],
    ['/api/v1/nodes', { type: 'resource', group: '', version: 'v1', plural: 'nodes', watchPrefix: false }],
    [
      '/api/v1/nodes/n1/status',
      {
        type: 'resource',
        group: '',
        version: 'v1',
        plural: 'nodes',
        name: 'n1',
        subresource: 'status',
        watchPrefix: false,
      },
    ],
    [
      '/api/v1/namespaces/kube-system',
      {
        type: 'resource',
        group: '',
        version: 'v1',
        plural: 'namespaces',
        name: 'kube-system',
        watchPrefix: false,
      },
    ],
    [
      '/api/v1/namespaces/ns1/status',
      {
        type: 'resource',
        group: '',
        version: 'v1',
        plural: 'namespaces',
        name: 'ns1',
        subresource: 'status',
        watchPrefix: false,
      },
    ],
    [
      '/api/v1/namespaces/ns1/pods',
      { type: 'resource', group: '', version: 'v1', plural: 'pods', namespace: 'ns1', watchPrefix: false },
    ],
    [
      '/api/v1/namespaces/ns1/pods/p1/log',
      {
        type: 'resource',
        group: '',
        version: 'v1',
        plural: 'pods',
        namespace: 'ns1',
        name: 'p1',
        subresource: 'log',
        watchPrefix: false,
      },
    ],
    [
      '/apis/apps/v1/namespaces/ns1/deployments/d1/status',
      {
        type: 'resource',
        group: 'apps',
        version: 'v1',
        plural: 'deployments',
        namespace: 'ns1',
        name: 'd1',
        subresource: 'status',
        watchPrefix: false,
      },
    ],
    [
      '/api/v1/watch/namespaces/ns1/pods',
      { type: 'resource', group: '', version: 'v1', plural: 'pods', namespace: 'ns1', watchPrefix: true },
    ],
    ['/api/v1/namespaces/ns1/pods/p1/log/extra', { type: 'unknown' }],
    ['/foo', { type: 'unknown' }],
  ])('%s', (path, expected) => {
    const parsed = parseApiPath(path);
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(expected);
  });

  it('keeps the raw remainder of a node proxy path', () => {
    const p = parseApiPath('/api/v1/nodes/n1:10249/proxy/metrics');
    expect(p).toMatchObject({ plural: 'nodes', name: 'n1:10249', subresource: 'proxy', rest: '/metrics' });
  });
});
