import { describe, expect, it } from 'vitest';
import { t0, viewOf } from './fixtures.ts';
import { ingressErrors } from './ingress-errors.ts';
import { ofKind } from './signal.ts';

const scrape = (atMs: number, counts: Record<string, number>) => ({
  type: 'metrics' as const,
  node: 'n1',
  component: 'ingress-nginx' as const,
  pod: 'ingress/ctrl-1',
  atMs,
  text: Object.entries(counts)
    .map(
      ([k, v]) =>
        `nginx_ingress_controller_requests{namespace="api",service="${k.split('|')[0]}",status="${k.split('|')[1]}"} ${v}`,
    )
    .join('\n'),
});

describe('ingress errors', () => {
  it('reports a Service whose requests fail with 5xx over the window, with the status mix', () => {
    const view = viewOf({}, t0 - 300_000, [
      scrape(t0 - 240_000, { 'pilot|200': 1000, 'pilot|503': 10, 'tiles|200': 500 }),
      scrape(t0, { 'pilot|200': 1100, 'pilot|503': 310, 'tiles|200': 700 }),
    ]);
    const all = ingressErrors(view, t0);
    const [s] = ofKind(all, 'service-errors');
    expect(all).toEqual([s]);
    expect(s.subject).toBe('service/api/pilot');
    expect(s.facts.requests).toBe(400);
    expect(s.facts.errors).toBe(300);
    expect(s.severity).toBe('critical');
    expect(s.facts.statuses).toEqual(['503=300', '200=100']);
  });

  it('stays quiet on a trickle of errors, on too few requests, and on a restarted counter', () => {
    const view = viewOf({}, t0 - 300_000, [
      scrape(t0 - 240_000, { 'pilot|200': 1000, 'pilot|500': 1, 'tiles|200': 5 }),
      scrape(t0, { 'pilot|200': 2000, 'pilot|500': 3, 'tiles|200': 5, 'tiles|503': 10 }),
    ]);
    expect(ingressErrors(view, t0)).toEqual([]);
    const restarted = viewOf({}, t0 - 300_000, [
      scrape(t0 - 240_000, { 'pilot|200': 5000 }),
      scrape(t0, { 'pilot|200': 300 }),
    ]);
    expect(ingressErrors(restarted, t0)).toEqual([]);
  });

  it('stays quiet once the last minute is clean again, while the window still holds the errors', () => {
    const recovered = viewOf({}, t0 - 300_000, [
      scrape(t0 - 240_000, { 'pilot|200': 1000, 'pilot|503': 10 }),
      scrape(t0 - 60_000, { 'pilot|200': 1100, 'pilot|503': 600 }),
      scrape(t0, { 'pilot|200': 1400, 'pilot|503': 600 }),
    ]);
    expect(ingressErrors(recovered, t0)).toEqual([]);
    // Still failing in its last minute: reported over the whole window.
    const failing = viewOf({}, t0 - 300_000, [
      scrape(t0 - 240_000, { 'pilot|200': 1000, 'pilot|503': 10 }),
      scrape(t0 - 60_000, { 'pilot|200': 1100, 'pilot|503': 600 }),
      scrape(t0, { 'pilot|200': 1200, 'pilot|503': 800 }),
    ]);
    const [s] = ofKind(ingressErrors(failing, t0), 'service-errors');
    expect([s.facts.requests, s.facts.errors]).toEqual([990, 790]);
    // Too few requests in the last minute to say it recovered: the window decides.
    const quietMinute = viewOf({}, t0 - 300_000, [
      scrape(t0 - 240_000, { 'pilot|200': 1000, 'pilot|503': 10 }),
      scrape(t0 - 60_000, { 'pilot|200': 1100, 'pilot|503': 600 }),
      scrape(t0, { 'pilot|200': 1105, 'pilot|503': 600 }),
    ]);
    expect(ofKind(ingressErrors(quietMinute, t0), 'service-errors')).toHaveLength(1);
  });

  // Envoy's stat names (envoyproxy.io/docs/envoy/latest/configuration/upstream/cluster_manager/cluster_stats,
  // .../http/http_conn_man/stats) with Contour's upstream cluster names `<ns>/<service>/<port>/<hash>`.
  const envoy = (atMs: number, lines: string[]) => ({
    type: 'metrics' as const,
    node: 'n1',
    component: 'ingress-envoy' as const,
    pod: 'projectcontour/envoy-7x2kq',
    atMs,
    text: `${lines.join('\n')}\n`,
  });

  it("reads Envoy's per-cluster counters, its own 503s for no healthy upstream, and exact codes over classes", () => {
    const cluster = 'shop/frontend/80/da39a3ee5e';
    const view = viewOf({}, t0 - 300_000, [
      envoy(t0 - 240_000, [
        `envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="${cluster}"} 1000`,
        `envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="${cluster}"} 1000`,
        `envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="billing/api/8080/0a1b2c3d4e"} 400`,
        `envoy_cluster_upstream_cx_none_healthy{envoy_cluster_name="billing/api/8080/0a1b2c3d4e"} 0`,
      ]),
      envoy(t0, [
        `envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="${cluster}"} 1100`,
        `envoy_cluster_upstream_rq{envoy_response_code="504",envoy_cluster_name="${cluster}"} 200`,
        `envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="${cluster}"} 1100`,
        `envoy_cluster_upstream_rq_xx{envoy_response_code_class="5",envoy_cluster_name="${cluster}"} 200`,
        `envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="billing/api/8080/0a1b2c3d4e"} 400`,
        `envoy_cluster_upstream_cx_none_healthy{envoy_cluster_name="billing/api/8080/0a1b2c3d4e"} 90`,
      ]),
    ]);
    const out = ofKind(ingressErrors(view, t0), 'service-errors');
    expect(out.map((s) => [s.subject, s.facts.statuses, s.severity])).toEqual([
      ['service/billing/api', ['503=90'], 'critical'],
      ['service/shop/frontend', ['504=200', '200=100'], 'critical'],
    ]);
    expect(out[1].facts.controllers).toEqual(['projectcontour/envoy-7x2kq']);
    expect(out[1].evidence[0].text).toContain('envoy_cluster_upstream_rq for shop/frontend');
  });

  it("falls back to the listener's downstream classes when no upstream cluster is counted", () => {
    const line = (cls: string, n: number) =>
      `envoy_http_downstream_rq_xx{envoy_response_code_class="${cls}",envoy_http_conn_manager_prefix="ingress_http"} ${n}`;
    const view = viewOf({}, t0 - 300_000, [
      envoy(t0 - 240_000, [line('2', 500), line('5', 0)]),
      envoy(t0, [line('2', 500), line('5', 120)]),
    ]);
    const [s] = ofKind(ingressErrors(view, t0), 'service-errors');
    expect(s.subject).toBe('service/projectcontour/listener:ingress_http');
    expect(s.facts.statuses).toEqual(['5xx=120']);
  });
});
