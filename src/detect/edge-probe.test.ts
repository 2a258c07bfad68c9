import { describe, expect, it } from 'vitest';
import type { Observation } from '../kube/observations.ts';
import { edgeProbe } from './edge-probe.ts';
import { node, t0, viewOf } from './fixtures.ts';
import { probeRounds } from './fixtures-components.ts';
import { ofKind } from './signal.ts';

const url = 'https://shop.example.com/';

function gets(
  fromMs: number,
  toMs: number,
  answer: Partial<Extract<Observation, { type: 'url-probe' }>>,
): Observation[] {
  const out: Observation[] = [];
  for (let at = fromMs; at <= toMs; at += 10_000)
    out.push({ type: 'url-probe', url, ok: true, latencyMs: 30, status: 200, ...answer, atMs: at });
  return out;
}

const nodes = ['n1', 'n2', 'n3'].map((name) => node({ name }));

describe('edgeProbe', () => {
  it('reports users failing from outside while the API and every node inside are healthy', () => {
    const view = viewOf({ nodes }, t0 - 10 * 60_000, [
      ...probeRounds(t0 - 60_000, t0),
      ...gets(t0 - 290_000, t0 - 190_000, {}),
      ...gets(t0 - 180_000, t0, { ok: false, status: 503, error: 'HTTP 503', errorKind: 'http-5xx' }),
    ]);
    const [s] = ofKind(edgeProbe(view, t0), 'edge-probe-failing');
    expect(s.subject).toBe(`url/${url}`);
    expect(s.severity).toBe('warning');
    expect(s.facts).toMatchObject({
      host: 'shop.example.com',
      attempts: 30,
      failures: 19,
      statuses: ['503=19', '200=11'],
      errorKinds: ['http-5xx'],
      lastStatus: 503,
      inClusterHealthy: true,
      apiHealthy: true,
      nodesReady: 3,
      nodesTotal: 3,
    });
    expect(s.evidence[0].raw).toMatchObject({ kind: 'probe', check: url, status: 503 });
  });

  it('names a certificate that expired, and is critical when nearly every GET fails', () => {
    const view = viewOf({ nodes }, t0 - 10 * 60_000, [
      ...gets(t0 - 120_000, t0, {
        ok: false,
        status: undefined,
        error: 'certificate has expired',
        errorKind: 'tls-expired',
      }),
    ]);
    const [s] = ofKind(edgeProbe(view, t0), 'edge-probe-failing');
    expect(s.severity).toBe('critical');
    expect(s.facts).toMatchObject({
      errorKinds: ['tls-expired'],
      statuses: [],
      apiHealthy: false,
      inClusterHealthy: false,
    });
  });

  it('stays quiet on a blip and once the site answers again', () => {
    const blip = viewOf({ nodes }, t0 - 10 * 60_000, [
      ...gets(t0 - 290_000, t0 - 20_000, {}),
      ...gets(t0 - 10_000, t0, {
        ok: false,
        errorKind: 'timeout',
        error: 'no answer within 5000 ms',
        status: undefined,
      }),
    ]);
    expect(edgeProbe(blip, t0)).toEqual([]);
    const back = viewOf({ nodes }, t0 - 10 * 60_000, [
      ...gets(t0 - 290_000, t0 - 10_000, { ok: false, status: 502, errorKind: 'http-5xx' }),
      ...gets(t0, t0, {}),
    ]);
    expect(edgeProbe(back, t0)).toEqual([]);
  });
});
