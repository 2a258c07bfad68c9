/**
 * The live feed with exactly the default read role (deploy/rbac.ts, kubetriage-read), as a
 * default install runs it: the simulator authorizes every request by that role as RBAC
 * would. The only refusals must be the proxy scrapes the opt-in kubetriage-read-proxy role
 * grants; they read as forbidden sources, logged once each with the role to apply, and
 * never as trouble in the cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolesFor } from '../../deploy/rbac.ts';
import { detectAll } from '../../src/detect/all.ts';
import { diagnose } from '../../src/diagnose/diagnose.ts';
import type { LiveFeed } from '../../src/kube/live-feed.ts';
import { ClusterView } from '../../src/observe/cluster-view.ts';
import { componentTargets } from '../../src/observe/component-targets.ts';
import { buildStatusReport } from '../../src/observe/status-report.ts';
import { resourceForKind } from '../../src/sim/api/resources.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { realClock } from '../../src/time/clock.ts';
import { syncedLiveFeed } from '../support/live-feed.ts';
import { type SimCluster, serveSimCluster } from '../support/sim-cluster.ts';
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

describe('live feed with only the default read role', () => {
  let c: SimCluster;
  let feed: LiveFeed;
  const view = new ClusterView();
  const warnings: string[] = [];

  beforeAll(async () => {
    const sim = new Simulator({ tokens: new Map([[readerToken, reader]]) });
    c = await serveSimCluster(sim, readerToken);
    // An ingress controller, so the pods/proxy scrape is tried too.
    sim.store.create(resourceForKind('Pod')!, {
      metadata: { name: 'ingress-nginx-controller-0', namespace: 'kube-system' },
      spec: {
        nodeName: 'worker-1',
        containers: [{ name: 'controller', image: 'registry.k8s.io/ingress-nginx/controller:v1.11.2' }],
      },
      status: { phase: 'Running' },
    });
    feed = await syncedLiveFeed(c, view, {
      targets: () => componentTargets(view),
      metricsIntervalMs: 100,
      logsIntervalMs: 100,
      warn: (m) => warnings.push(m),
    });
    const sources = () => view.freshness(realClock.now(), 60_000);
    await waitFor(
      'three rounds of refused scrapes and the logs read',
      () =>
        c.sim.server.forbidden.filter((f) => f.path.includes(':10254/')).length >= 3 &&
        sources().some((s) => s.source.startsWith('logs/') && s.state === 'fresh'),
    );
    await feed.probeNow();
  });

  afterAll(async () => {
    await feed?.stop();
    await c?.stop();
  });

  it('is refused nothing but the proxy scrapes', () => {
    const refused = c.sim.server.forbidden;
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.filter((f) => !proxyScrape.test(f.path))).toEqual([]);
  });

  it('records those scrapes as forbidden sources, and every other source fresh', () => {
    const sources = view.freshness(realClock.now(), 60_000);
    const scrapes = sources.filter((s) => /^metrics\/(kube-proxy|ingress-nginx)\//.test(s.source));
    expect(scrapes.length).toBeGreaterThan(0);
    expect(scrapes.filter((s) => s.state !== 'forbidden')).toEqual([]);
    expect(sources.filter((s) => !scrapes.includes(s) && s.state !== 'fresh')).toEqual([]);
    // The status page and `kubetriage status` count them apart from the dark sources.
    const report = buildStatusReport(view, realClock.now()).sources;
    expect(report.stale).toEqual([]);
    expect(report.forbidden.map((s) => s.source).sort()).toEqual(scrapes.map((s) => s.source).sort());
  });

  it('logs each forbidden scrape once, naming the opt-in role', () => {
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(/kube-proxy[^\n]*kubetriage-read-proxy/);
    expect(warnings.join('\n')).toMatch(/ingress-nginx[^\n]*kubetriage-read-proxy/);
  });

  it('raises no trouble from it: no critical signal, no api-access-denied, no hypothesis', () => {
    const nowMs = realClock.now();
    const signals = detectAll(view, nowMs);
    expect(signals.filter((s) => s.severity === 'critical' || s.kind === 'api-access-denied')).toEqual([]);
    const proxy = signals.find(
      (s) => s.kind === 'source-status' && s.subject === 'source/metrics/kube-proxy',
    );
    expect(proxy?.kind === 'source-status' && proxy.facts.state).toBe('forbidden');
    expect(diagnose(signals, nowMs).hypotheses).toEqual([]);
  });
});
