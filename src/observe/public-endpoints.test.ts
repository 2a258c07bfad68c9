import { describe, expect, it } from 'vitest';
import { trimObject } from '../kube/trim.ts';
import { ClusterView } from './cluster-view.ts';
import { publicEndpointLimit, publicEndpoints } from './public-endpoints.ts';

const svc = (
  name: string,
  type: string,
  ports: number[],
  ingress: { hostname?: string; ip?: string }[] = [],
) =>
  trimObject('services', {
    metadata: { name, namespace: 'web' },
    spec: { type, clusterIP: '10.96.0.10', ports: ports.map((port) => ({ port })) },
    status: { loadBalancer: { ingress } },
  });

const viewWith = (items: ReturnType<typeof svc>[]) => {
  const view = new ClusterView();
  view.apply({ type: 'listed', resource: 'services', items, resourceVersion: '1', atMs: 0 });
  return view;
};

describe('publicEndpoints', () => {
  it('reads the addresses load balancers publish, by the port users reach', () => {
    const view = viewWith([
      svc('elb', 'LoadBalancer', [80, 443], [{ hostname: 'a1.elb.amazonaws.com' }]),
      svc('tls-only', 'LoadBalancer', [443], [{ ip: '203.0.113.7' }]),
      svc('v6', 'LoadBalancer', [80], [{ ip: '2001:db8::7' }]),
      svc('pending', 'LoadBalancer', [80]),
      svc('grpc', 'LoadBalancer', [9090], [{ ip: '203.0.113.8' }]),
      svc('inside', 'ClusterIP', [80]),
      svc('nodeport', 'NodePort', [80]),
    ]);
    expect(publicEndpoints(view)).toEqual([
      'http://[2001:db8::7]/',
      'http://a1.elb.amazonaws.com/',
      'https://203.0.113.7/',
    ]);
  });

  it('samples a cluster with many public Services', () => {
    const many = Array.from({ length: 30 }, (_, i) =>
      svc(`s${i}`, 'LoadBalancer', [80], [{ ip: `203.0.113.${i + 1}` }]),
    );
    expect(publicEndpoints(viewWith(many))).toHaveLength(publicEndpointLimit);
  });
});
