/**
 * What the probes tell the optional stats listener: one latency per probe, named by check
 * or source kind (never by node or pod), from the client's own measure on success and
 * from the feed's clock on failure. A ManualClock makes the failure latency exact.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../time/manual-clock.ts';
import { type ApiClient, ApiRequestError, type ApiResponse } from './api-client.ts';
import type { FeedStats } from './feed-stats.ts';
import type { Observation } from './observations.ts';
import { LogTailer, type ProbeContext, probeApiServer, scrapeIngress, scrapeKubeProxy } from './probes.ts';

/** Answers by path: a latency for a success, or a failure after that long on the clock. */
function fakeClient(clock: ManualClock, answers: Record<string, { ms: number; fail?: boolean }>): ApiClient {
  return {
    getText: (path: string): Promise<ApiResponse<string>> => {
      const a = answers[path] ?? { ms: 1, fail: true };
      if (a.fail) {
        clock.advance(a.ms);
        return Promise.reject(new ApiRequestError(`${path}: refused`, { status: 0, reason: 'ECONNREFUSED' }));
      }
      return Promise.resolve({ status: 200, body: 'ok', latencyMs: a.ms });
    },
  } as unknown as ApiClient;
}

function rig(answers: Record<string, { ms: number; fail?: boolean }>, stats?: FeedStats) {
  const clock = new ManualClock();
  const seen: Observation[] = [];
  const heard: [string, number, boolean][] = [];
  const ctx: ProbeContext = {
    client: fakeClient(clock, answers),
    clock,
    sink: (o) => seen.push(o),
    stats: stats ?? { probeObserved: (probe, seconds, ok) => heard.push([probe, seconds, ok]) },
  };
  return { ctx, seen, heard };
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
