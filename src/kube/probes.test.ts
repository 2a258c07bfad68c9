/**
 * What the probes tell the optional stats listener: one latency per probe, named by check
 * or source kind (never by node or pod), from the client's own measure on success and
 * from the feed's clock on failure. A ManualClock makes the failure latency exact. And how
 * a proxy scrape refused with 403 is told: a forbidden source, once, without retrying.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../time/manual-clock.ts';
import { type ApiClient, ApiRequestError, type ApiResponse } from './api-client.ts';
import type { FeedStats } from './feed-stats.ts';
import { ForbiddenScrapes } from './forbidden-scrapes.ts';
import type { Observation } from './observations.ts';
import { LogTailer, type ProbeContext, probeApiServer, scrapeIngress, scrapeKubeProxy } from './probes.ts';

type Answer = { ms: number; fail?: boolean; status?: number };

/** Answers by path: a latency for a success, or a failure (refused, or `status`) after that long on the clock. */
function fakeClient(clock: ManualClock, answers: Record<string, Answer>, asked: string[] = []): ApiClient {
  return {
    getText: (path: string): Promise<ApiResponse<string>> => {
      asked.push(path);
      const a = answers[path] ?? { ms: 1, fail: true };
      if (a.fail) {
        clock.advance(a.ms);
        const status = a.status ?? 0;
        return Promise.reject(
          new ApiRequestError(`${path}: ${status ? 'forbidden' : 'refused'}`, {
            status,
            reason: status ? 'Forbidden' : 'ECONNREFUSED',
          }),
        );
      }
      return Promise.resolve({ status: 200, body: 'ok', latencyMs: a.ms });
    },
  } as unknown as ApiClient;
}

function rig(answers: Record<string, Answer>, stats?: FeedStats) {
  const clock = new ManualClock();
  const seen: Observation[] = [];
  const heard: [string, number, boolean][] = [];
  const asked: string[] = [];
  const warned: string[] = [];
  const ctx: ProbeContext = {
    client: fakeClient(clock, answers, asked),
    clock,
    sink: (o) => seen.push(o),
    stats: stats ?? { probeObserved: (probe, seconds, ok) => heard.push([probe, seconds, ok]) },
    forbidden: new ForbiddenScrapes((m) => warned.push(m)),
  };
  return { ctx, seen, heard, asked, warned };
}

describe('probe latency to the stats listener', () => {
  it('reports each API check with the latency its observation carries', async () => {
    const r = rig({ '/livez': { ms: 12 }, '/readyz': { ms: 2_500, fail: true }, '/version': { ms: 40 } });
    await probeApiServer(r.ctx);
    expect(r.heard.sort()).toEqual([
      ['livez', 0.012, true],
      ['readyz', 2.5, false],
      ['version', 0.04, true],
    ]);
    const readyz = r.seen.find((o) => o.type === 'probe' && o.check === 'readyz');
    expect(readyz).toMatchObject({ ok: false, latencyMs: 2_500 });
  });

  it('reports scrapes and log reads by kind, one observation per request', async () => {
    const r = rig({
      '/api/v1/nodes/n1:10249/proxy/metrics': { ms: 30 },
      '/api/v1/nodes/n2:10249/proxy/metrics': { ms: 5_000, fail: true },
      '/api/v1/namespaces/ingress/pods/ctl-1:10254/proxy/metrics': { ms: 20 },
      '/api/v1/namespaces/kube-system/pods/coredns-1/log': { ms: 8 },
    });
    await scrapeKubeProxy(r.ctx, ['n1', 'n2']);
    await scrapeIngress(r.ctx, [{ namespace: 'ingress', pod: 'ctl-1' }]);
    await new LogTailer(r.ctx).read([{ namespace: 'kube-system', pod: 'coredns-1', container: 'coredns' }]);
    expect(r.heard.sort()).toEqual([
      ['ingress-nginx', 0.02, true],
      ['kube-proxy', 0.03, true],
      ['kube-proxy', 5, false],
      ['logs', 0.008, true],
    ]);
  });

  it('probes on as before when the listener throws', async () => {
    const r = rig(
      { '/livez': { ms: 1 }, '/readyz': { ms: 1 }, '/version': { ms: 1 } },
      {
        probeObserved: () => {
          throw new Error('broken counter');
        },
      },
    );
    await probeApiServer(r.ctx);
    expect(r.seen.filter((o) => o.type === 'probe').every((o) => o.type === 'probe' && o.ok)).toBe(true);
  });
});

describe('proxy scrapes refused with 403 (the opt-in role not granted)', () => {
  it('records a proxy scrape refused with 403 as forbidden, tries no more nodes that round, and tells once', async () => {
    const forbidden = { ms: 3, fail: true, status: 403 };
    const r = rig({
      '/api/v1/nodes/n1:10249/proxy/metrics': forbidden,
      '/api/v1/nodes/n2:10249/proxy/metrics': forbidden,
      '/api/v1/nodes/n3:10249/proxy/metrics': forbidden,
      '/api/v1/namespaces/ingress/pods/ctl-1:10254/proxy/metrics': forbidden,
      '/api/v1/namespaces/ingress/pods/ctl-2:10254/proxy/metrics': forbidden,
    });
    const ingress = [
      { namespace: 'ingress', pod: 'ctl-1' },
      { namespace: 'ingress', pod: 'ctl-2' },
    ];
    for (let round = 0; round < 2; round++) {
      await scrapeKubeProxy(r.ctx, ['n1', 'n2', 'n3'], 1);
      await scrapeIngress(r.ctx, ingress);
    }
    // RBAC refuses every node and pod alike: one request per kind and round.
    expect(r.asked).toEqual([
      '/api/v1/nodes/n1:10249/proxy/metrics',
      '/api/v1/namespaces/ingress/pods/ctl-1:10254/proxy/metrics',
      '/api/v1/nodes/n1:10249/proxy/metrics',
      '/api/v1/namespaces/ingress/pods/ctl-1:10254/proxy/metrics',
    ]);
    expect(r.seen.filter((o) => o.type === 'source').every((o) => o.type === 'source' && o.forbidden)).toBe(
      true,
    );
    expect(r.warned).toHaveLength(2);
    expect(r.warned[0]).toMatch(
      /^kube-proxy metrics are forbidden.*kubetriage-read-proxy.*read-proxy-rbac\.yaml/,
    );
    expect(r.warned[1]).toMatch(/^ingress-nginx metrics are forbidden/);
  });

  it('keeps scraping the other nodes after a failure that is not a refusal', async () => {
    const r = rig({
      '/api/v1/nodes/n1:10249/proxy/metrics': { ms: 5_000, fail: true },
      '/api/v1/nodes/n2:10249/proxy/metrics': { ms: 30 },
    });
    await scrapeKubeProxy(r.ctx, ['n1', 'n2'], 1);
    expect(r.asked).toHaveLength(2);
    expect(r.seen.some((o) => o.type === 'source' && o.forbidden)).toBe(false);
    expect(r.warned).toEqual([]);
  });
});

describe('ingress scrapes in the cluster: at the pod IP, no pods/proxy', () => {
  it('asks the pod itself on its metrics port, reports the same source, and waits for a pod without an IP', async () => {
    const r = rig({});
    const direct: string[] = [];
    r.ctx.podGet = (ip, port, path) => {
      direct.push(`${ip}:${port}${path}`);
      return Promise.resolve({ status: 200, body: 'envoy_cluster_upstream_rq{x="1"} 1\n', latencyMs: 4 });
    };
    await scrapeIngress(r.ctx, [
      { namespace: 'projectcontour', pod: 'envoy-1', podIP: '10.1.2.3', kind: 'envoy' },
      { namespace: 'projectcontour', pod: 'envoy-2', kind: 'envoy' },
    ]);
    expect(direct).toEqual(['10.1.2.3:8002/stats/prometheus']);
    expect(r.asked).toEqual([]);
    expect(r.seen.filter((o) => o.type === 'source')).toMatchObject([
      { source: 'metrics/ingress-envoy/projectcontour/envoy-1', ok: true },
    ]);
    expect(r.seen.find((o) => o.type === 'metrics')).toMatchObject({ pod: 'projectcontour/envoy-1' });
  });
});
