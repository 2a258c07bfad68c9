/**
 * The traffic path from outside: a cloud load balancer with node targets in front of the
 * ingress controller. Deregistered or failing targets give users 503s or timeouts while
 * every pod inside is healthy; Envoy-based controllers count requests in Envoy's names.
 */
import { describe, expect, it } from 'vitest';
import { resourceForKind } from '../api/resources.ts';
import { minute, runNetworkCase } from './network-fixture.ts';

const serviceType = resourceForKind('Service')!;

const lb = {
  kind: 'aws-alb',
  hostname: 'k8s-shop-1234.eu-west-1.elb.amazonaws.com',
  targetPools: ['workers'],
};

function statuses(answers: { status: number | 'timeout' }[]): string[] {
  return [...new Set(answers.map((a) => String(a.status)))].sort();
}

describe('external load balancer', () => {
  it('healthy: every request through the ALB ends 200, the Service shows the LB hostname', async () => {
    const w = await runNetworkCase(
      {
        cni: { kind: 'aws-vpc-cni', mode: 'vpc' },
        controller: 'envoy',
        ingress: { kind: 'contour', loadBalancer: lb },
      },
      10 * minute,
    );
    const balancer = w.sim.runner!.loadBalancer!;
    const answers = Array.from({ length: 20 }, () => balancer.request('shop.example.com', '/'));
    expect(statuses(answers)).toEqual(['200']);
    expect(balancer.targetHealth().every((t) => t.state === 'healthy')).toBe(true);
    const svc = w.sim.store.listObjects(serviceType, 'ingress')[0] as {
      status?: { loadBalancer?: { ingress?: { hostname?: string }[] } };
    };
    expect(svc.status?.loadBalancer?.ingress?.[0]?.hostname).toBe(lb.hostname);
    await w.stop();
  });

  it('lb-targets-deregistered: the ALB answers 503 itself while every pod is Ready', async () => {
    const w = await runNetworkCase(
      {
        cni: { kind: 'aws-vpc-cni', mode: 'vpc' },
        controller: 'envoy',
        ingress: { kind: 'contour', loadBalancer: lb },
        timeline: [{ at: '+5m', fault: { type: 'lb-targets-deregistered' } }],
      },
      8 * minute,
    );
    const balancer = w.sim.runner!.loadBalancer!;
    expect(statuses(Array.from({ length: 10 }, () => balancer.request('shop.example.com', '/')))).toEqual([
      '503',
    ]);
    expect(w.pods().filter((p) => !w.ready(p))).toEqual([]);
    await w.stop();
  });

  it('register-lb-targets brings traffic back', async () => {
    const w = await runNetworkCase(
      {
        cni: { kind: 'aws-vpc-cni', mode: 'vpc' },
        controller: 'nginx',
        ingress: { kind: 'ingress-nginx', loadBalancer: lb },
        timeline: [
          { at: '+5m', fault: { type: 'lb-targets-deregistered' } },
          { at: '+8m', action: { type: 'register-lb-targets' } },
        ],
      },
      10 * minute,
    );
    const balancer = w.sim.runner!.loadBalancer!;
    expect(statuses(Array.from({ length: 10 }, () => balancer.request('shop.example.com', '/')))).toEqual([
      '200',
    ]);
    await w.stop();
  });

  it('lb-health-checks-failing on some targets: they leave rotation and users still get 200', async () => {
    const w = await runNetworkCase(
      {
        cni: { kind: 'aws-vpc-cni', mode: 'vpc' },
        controller: 'envoy',
        ingress: { kind: 'contour', loadBalancer: { ...lb, kind: 'aws-nlb' } },
        timeline: [
          {
            at: '+5m',
            fault: { type: 'lb-health-checks-failing', nodes: { names: ['worker-0', 'worker-1'] } },
          },
        ],
      },
      8 * minute,
    );
    const balancer = w.sim.runner!.loadBalancer!;
    const health = Object.fromEntries(balancer.targetHealth().map((t) => [t.node, t.state]));
    expect(health).toEqual({
      'worker-0': 'unhealthy',
      'worker-1': 'unhealthy',
      'worker-2': 'healthy',
      'worker-3': 'healthy',
    });
    expect(statuses(Array.from({ length: 10 }, () => balancer.request('shop.example.com', '/')))).toEqual([
      '200',
    ]);
    await w.stop();
  });
});

describe('Envoy-based ingress metrics', () => {
  it('counts requests under envoy_cluster_upstream_rq_xx with the 5xx class when the backend is cut off', async () => {
    const w = await runNetworkCase(
      {
        cni: { kind: 'flannel', mode: 'overlay' },
        controller: 'envoy',
        ingress: { kind: 'contour' },
        frontendNeeds: [],
        timeline: [{ at: '+5m', fault: { type: 'overlay-tunnel-blocked', nodes: { pools: ['workers'] } } }],
      },
      10 * minute,
    );
    const envoy = w.pods().filter((p) => p.metadata.namespace === 'ingress');
    const text = envoy
      .map((p) => w.sim.nodeProxy.lookup(`pods/ingress/${p.metadata.name}`, 8002))
      .map((h) => h?.({ method: 'GET', path: '/stats/prometheus', query: new URLSearchParams() }).body ?? '')
      .join('\n');
    expect(text).toMatch(
      /^envoy_cluster_upstream_rq_xx\{envoy_response_code_class="2",envoy_cluster_name="shop\/frontend\/80\/[0-9a-f]{10}"\} \d+$/m,
    );
    expect(text).toMatch(
      /^envoy_cluster_upstream_rq\{envoy_response_code="504",envoy_cluster_name="shop\/frontend\/80\/[0-9a-f]{10}"\} \d+$/m,
    );
    expect(text).toMatch(
      /^envoy_http_downstream_rq_xx\{envoy_response_code_class="5",envoy_http_conn_manager_prefix="ingress_http"\} \d+$/m,
    );
    await w.stop();
  });
});
