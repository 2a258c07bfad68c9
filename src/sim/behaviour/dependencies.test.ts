import { describe, expect, it } from 'vitest';
import { Dependencies } from './dependencies.ts';

const deps = () =>
  new Dependencies({ apiServerUp: true, dnsServing: () => true, serviceHasEndpoints: () => true });

describe('a pod’s lookups through the cluster DNS Service address', () => {
  it('are refused where the service proxy REJECTs the DNS Service (ICMP port unreachable)', () => {
    const d = deps();
    d.setFaults('n1', { brokenServices: ['kube-system/kube-dns'], routingEffect: 'reject' });
    expect(d.check('n1', ['dns'])?.error).toMatch(/read udp .*:53: connection refused/);
  });

  it('time out where its packets are dropped, or the node has no network', () => {
    const d = deps();
    d.setFaults('n1', { brokenServices: ['kube-system/kube-dns'] });
    d.setFaults('n2', {
      networkDown: true,
      brokenServices: ['kube-system/kube-dns'],
      routingEffect: 'reject',
    });
    expect(d.check('n1', ['dns'])?.error).toMatch(/i\/o timeout/);
    expect(d.check('n2', ['dns'])?.error).toMatch(/i\/o timeout/);
    expect(d.check('n3', ['dns'])).toBeUndefined();
  });
});
