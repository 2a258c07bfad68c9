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
});
