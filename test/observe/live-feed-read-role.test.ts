/**
 * The live feed with exactly the default read role (deploy/rbac.ts, kubetriage-read), as a
 * default install runs it: the simulator authorizes every request by that role as RBAC
 * would. The only refusals must be the proxy scrapes the opt-in kubetriage-read-proxy role
 * grants; they read as forbidden sources, logged once each with the role to apply, and
 * never as trouble in the cluster. Running in the cluster, the ingress controller is
 * scraped at its pod IP instead, and needs no grant at all.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolesFor } from '../../deploy/rbac.ts';
import { detectAll } from '../../src/detect/all.ts';
import { diagnose } from '../../src/diagnose/diagnose.ts';

import { type PodGet, podHttpGet } from '../../src/kube/pod-http.ts';
import { ClusterView } from '../../src/observe/cluster-view.ts';
import { componentTargets } from '../../src/observe/component-targets.ts';
import { buildStatusReport } from '../../src/observe/status-report.ts';
import { resourceForKind } from '../../src/sim/api/resources.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { realClock } from '../../src/time/clock.ts';
import { syncedLiveFeed } from '../support/live-feed.ts';
import { serveSimCluster } from '../support/sim-cluster.ts';
import { waitFor } from '../support/wait-for.ts';

const readerToken = 'kubetriage-read-token-0123456789';
const reader = {
  user: 'system:serviceaccount:kubetriage:kubetriage',
  roles: rolesFor('watcher', 'kubetriage').map((r) => ({
    ...(r.namespace ? { namespace: r.namespace } : {}),
    rules: r.rules,
  })),
};
const proxyScrape = /^\/api\/v1\/(nodes\/[^/]+:10249|namespaces\/[^/]+\/pods\/[^/]+:(10254|8002))\/proxy\//;
const controllerIP = '10.244.1.5';

/** The default install's view of the static cluster plus an ingress controller, after a few scrape rounds. */
async function readRoleFeed(podGet?: PodGet) {
  const view = new ClusterView();
  const warnings: string[] = [];
  const sim = new Simulator({ tokens: new Map([[readerToken, reader]]) });
  const c = await serveSimCluster(sim, readerToken);
  // An ingress controller, so the pods/proxy scrape is tried too.
  sim.store.create(resourceForKind('Pod')!, {
    metadata: { name: 'ingress-nginx-controller-0', namespace: 'kube-system' },
    spec: {
      nodeName: 'worker-1',
      containers: [{ name: 'controller', image: 'registry.k8s.io/ingress-nginx/controller:v1.11.2' }],
    },
    status: { phase: 'Running', podIP: controllerIP },
  });
  const feed = await syncedLiveFeed(c, view, {
    targets: () => componentTargets(view),
    metricsIntervalMs: 100,
    logsIntervalMs: 100,
    warn: (m) => warnings.push(m),
    podGet,
  });
  const sources = () => view.freshness(realClock.now(), 60_000);
  await waitFor(
    'three rounds of refused kube-proxy scrapes, the ingress scraped and the logs read',
    () =>
      c.sim.server.forbidden.filter((f) => f.path.includes(':10249/')).length >= 12 &&
      sources().some((s) => s.source.startsWith('metrics/ingress-nginx/')) &&
      sources().some((s) => s.source.startsWith('logs/') && s.state === 'fresh'),
  );
  await feed.probeNow();
  return { c, feed, view, warnings };
}

describe('live feed with only the default read role', () => {
  let r: Awaited<ReturnType<typeof readRoleFeed>>;

  beforeAll(async () => {
    r = await readRoleFeed();
  });

  afterAll(async () => {
    await r?.feed.stop();
    await r?.c.stop();
  });

  it('is refused nothing but the proxy scrapes', () => {
    const refused = r.c.sim.server.forbidden;
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.filter((f) => !proxyScrape.test(f.path))).toEqual([]);
  });

  it('records those scrapes as forbidden sources, and every other source fresh', () => {
    const sources = r.view.freshness(realClock.now(), 60_000);
    const scrapes = sources.filter((s) => /^metrics\/(kube-proxy|ingress-nginx)\//.test(s.source));
    expect(scrapes.length).toBeGreaterThan(0);
    expect(scrapes.filter((s) => s.state !== 'forbidden')).toEqual([]);
    expect(sources.filter((s) => !scrapes.includes(s) && s.state !== 'fresh')).toEqual([]);
    // The status page and `kubetriage status` count them apart from the dark sources.
    const report = buildStatusReport(r.view, realClock.now()).sources;
    expect(report.stale).toEqual([]);
    expect(report.forbidden.map((s) => s.source).sort()).toEqual(scrapes.map((s) => s.source).sort());
  });

  it('logs each forbidden scrape once, naming the opt-in role', () => {
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings.join('\n')).toMatch(/kube-proxy[^\n]*kubetriage-read-proxy/);
    expect(r.warnings.join('\n')).toMatch(/ingress-nginx[^\n]*kubetriage-read-proxy/);
  });

  it('raises no trouble from it: no critical signal, no api-access-denied, no hypothesis', () => {
    const nowMs = realClock.now();
    const signals = detectAll(r.view, nowMs);
    expect(signals.filter((s) => s.severity === 'critical' || s.kind === 'api-access-denied')).toEqual([]);
    const proxy = signals.find(
      (s) => s.kind === 'source-status' && s.subject === 'source/metrics/kube-proxy',
    );
    expect(proxy?.kind === 'source-status' && proxy.facts.state).toBe('forbidden');
    expect(diagnose(signals, nowMs).hypotheses).toEqual([]);
  });
});

describe('live feed with only the default read role, running in the cluster', () => {
  let r: Awaited<ReturnType<typeof readRoleFeed>>;
  let controller: Server;

  beforeAll(async () => {
    // The controller's metrics port, at its pod IP as the pod network would route it.
    controller = createServer((_req, res) =>
      res.end('nginx_ingress_controller_requests{service="web",status="200"} 7\n'),
    );
    await new Promise<void>((done) => controller.listen(0, '127.0.0.1', done));
    const port = (controller.address() as AddressInfo).port;
    const get = podHttpGet(realClock);
    r = await readRoleFeed((ip, metricsPort, path, timeoutMs) =>
      ip === controllerIP && metricsPort === 10254
        ? get('127.0.0.1', port, path, timeoutMs)
        : Promise.reject(new Error(`no route to ${ip}:${metricsPort}`)),
    );
  });

  afterAll(async () => {
    await r?.feed.stop();
    await r?.c.stop();
    await new Promise((done) => controller?.close(done));
  });

  it('scrapes the ingress controller at its pod IP, with no pods/proxy request, so only kube-proxy is forbidden', () => {
    expect(r.c.sim.server.forbidden.filter((f) => !f.path.includes(':10249/'))).toEqual([]);
    const ingress = r.view
      .freshness(realClock.now(), 60_000)
      .filter((s) => s.source.startsWith('metrics/ingress'));
    expect(ingress.map((s) => [s.source, s.state])).toEqual([
      ['metrics/ingress-nginx/kube-system/ingress-nginx-controller-0', 'fresh'],
    ]);
    expect(r.view.metrics.toArray().some((m) => m.component === 'ingress-nginx')).toBe(true);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^kube-proxy metrics are forbidden/);
  });
});
