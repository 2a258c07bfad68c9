import { describe, expect, it } from 'vitest';
import { pod, t0, viewOf } from './fixtures.ts';
import { ingressUnrouted } from './ingress-unrouted.ts';
import { ofKind } from './signal.ts';

const min = 60_000;
const oldImage = 'registry.k8s.io/ingress-nginx/controller:v0.51.0';
const newImage = 'registry.k8s.io/ingress-nginx/controller:v1.9.0';

/** One scrape of ingress-nginx's :10254/metrics: nginx's stub_status total and the per-host counters. */
const scrape = (name: string, atMs: number, answered: number, routed: Record<string, number>) => ({
  type: 'metrics' as const,
  node: 'n1',
  component: 'ingress-nginx' as const,
  pod: `ingress-nginx/${name}`,
  atMs,
  text: [
    `nginx_ingress_controller_nginx_process_requests_total{controller_class="k8s.io/ingress-nginx",controller_namespace="ingress-nginx",controller_pod="${name}"} ${answered}`,
    ...Object.entries(routed).map(
      ([host, n]) =>
        `nginx_ingress_controller_requests{host="${host}",namespace="shop",service="${host.split('.')[0]}",status="200"} ${n}`,
    ),
  ].join('\n'),
});

/** A pod's scrapes every 30 s from `fromMs` to `toMs`, counting `answered`/s and `routed`/s per host. */
function series(
  name: string,
  fromMs: number,
  toMs: number,
  answeredPerS: number,
  routedPerS: Record<string, number>,
) {
  const out = [];
  for (let t = fromMs, i = 0; t <= toMs; t += 30_000, i++) {
    const secs = i * 30;
    out.push(
      scrape(
        name,
        t,
        answeredPerS * secs,
        Object.fromEntries(Object.entries(routedPerS).map(([h, r]) => [h, r * secs])),
      ),
    );
  }
  return out;
}

const controller = (name: string, image: string, x: { deletedMs?: number; ready?: boolean } = {}) =>
  pod({
    name,
    namespace: 'ingress-nginx',
    node: 'n1',
    containers: [{ name: 'controller', image, ready: x.ready }],
    deletedMs: x.deletedMs,
  });

const hosts = { 'web.example.com': 15, 'api.example.com': 5 };

describe('ingress unrouted', () => {
  it('reports a controller that answers as many requests as before but has routed none since its pods were replaced', () => {
    // The old pod routed 20/s of its 21/s until t0-10m; the new one answers 21/s and routes nothing.
    const view = viewOf({ pods: [controller('new-1', newImage)] }, t0 - 60 * min, [
      ...series('old-1', t0 - 50 * min, t0 - 10 * min, 21, hosts),
      ...series('new-1', t0 - 10 * min, t0, 21, {}),
    ]);
    const [s, ...rest] = ofKind(ingressUnrouted(view, t0), 'ingress-unrouted');
    expect(rest).toEqual([]);
    expect(s.subject).toBe('ingress/ingress-nginx');
    expect(s.severity).toBe('critical');
    expect(s.facts).toMatchObject({
      controllers: ['ingress-nginx/new-1'],
      images: [newImage],
      podsReady: 1,
      pods: 1,
      routed: 0,
      routedPerSecondBefore: 20,
      hostsBefore: ['api.example.com', 'web.example.com'],
      servicesBefore: ['shop/api', 'shop/web'],
      hostsNow: [],
    });
    expect(s.facts.answered).toBe(21 * 300);
    // It stopped routing when the old pod last routed, not when the window began.
    expect(s.sinceMs).toBe(t0 - 10 * min);
    expect(s.scope.services).toEqual(['shop/api', 'shop/web']);
  });

  it('keeps reporting through an outage that lasts past the hour, at the rate it routed while it did', () => {
    const view = viewOf({ pods: [controller('new-1', newImage)] }, t0 - 180 * min, [
      ...series('old-1', t0 - 120 * min, t0 - 100 * min, 21, hosts),
      ...series('new-1', t0 - 100 * min, t0, 21, {}),
    ]);
    const [s] = ofKind(ingressUnrouted(view, t0), 'ingress-unrouted');
    expect(s.facts.routedPerSecondBefore).toBe(20);
    expect(s.sinceMs).toBe(t0 - 100 * min);
  });

  it('stays quiet while the controller routes, and on a pod that routed and is gone', () => {
    const routing = viewOf({ pods: [controller('new-1', oldImage)] }, t0 - 60 * min, [
      ...series('old-1', t0 - 50 * min, t0 - 10 * min, 21, hosts),
      ...series('new-1', t0 - 10 * min, t0, 21, hosts),
    ]);
    expect(ingressUnrouted(routing, t0)).toEqual([]);
  });

  it("stays quiet on a controller never seen routing (its own health checks and scrapes count in nginx's total)", () => {
    const view = viewOf({ pods: [controller('c-1', newImage)] }, t0 - 60 * min, [
      ...series('c-1', t0 - 50 * min, t0, 2, {}),
    ]);
    expect(ingressUnrouted(view, t0)).toEqual([]);
  });

  it('stays quiet when the requests stop arriving too: that is the path in front of it', () => {
    const view = viewOf({ pods: [controller('new-1', newImage)] }, t0 - 60 * min, [
      ...series('old-1', t0 - 50 * min, t0 - 10 * min, 21, hosts),
      ...series('new-1', t0 - 10 * min, t0, 1, {}),
    ]);
    expect(ingressUnrouted(view, t0)).toEqual([]);
  });

  it('stays quiet on a trickle of routed traffic before, and before a minute of counting', () => {
    const trickle = viewOf({ pods: [controller('new-1', newImage)] }, t0 - 60 * min, [
      ...series('old-1', t0 - 50 * min, t0 - 10 * min, 21, { 'web.example.com': 0.05 }),
      ...series('new-1', t0 - 10 * min, t0, 21, {}),
    ]);
    expect(ingressUnrouted(trickle, t0)).toEqual([]);
    const early = viewOf({ pods: [controller('new-1', newImage)] }, t0 - 60 * min, [
      ...series('old-1', t0 - 50 * min, t0 - 1 * min, 21, hosts),
      ...series('new-1', t0 - 0.5 * min, t0, 21, {}),
    ]);
    expect(ingressUnrouted(early, t0)).toEqual([]);
  });

  it("says how many of the controller's pods are Ready, and leaves out one being deleted that still drains requests", () => {
    const view = viewOf(
      {
        pods: [
          controller('new-1', newImage, { ready: false }),
          controller('new-2', newImage),
          controller('old-1', oldImage, { deletedMs: t0 - 4 * min }),
        ],
      },
      t0 - 60 * min,
      [
        // Terminating, it still counts the requests it drains.
        ...series('old-1', t0 - 50 * min, t0 - 3 * min, 21, hosts),
        ...series('new-1', t0 - 10 * min, t0, 10, {}),
        ...series('new-2', t0 - 10 * min, t0, 11, {}),
      ],
    );
    const [s] = ofKind(ingressUnrouted(view, t0), 'ingress-unrouted');
    expect(s.facts.controllers).toEqual(['ingress-nginx/new-1', 'ingress-nginx/new-2']);
    expect([s.facts.podsReady, s.facts.pods]).toEqual([1, 2]);
  });

  it('reads a restarted counter as counting from zero', () => {
    const view = viewOf({ pods: [controller('c-1', newImage)] }, t0 - 60 * min, [
      ...series('c-1', t0 - 50 * min, t0 - 10 * min, 21, hosts),
      // The same pod's container restarted: its counters begin again, and route nothing.
      ...series('c-1', t0 - 9.5 * min, t0, 21, {}),
    ]);
    const [s] = ofKind(ingressUnrouted(view, t0), 'ingress-unrouted');
    expect(s.facts.routed).toBe(0);
    expect(s.facts.answered).toBe(21 * 300);
  });
});
