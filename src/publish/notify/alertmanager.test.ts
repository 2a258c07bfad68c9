import { describe, expect, it } from 'vitest';
import { incident, t0 } from '../../incident/fixtures.ts';
import { AlertBook, alertOf, alertsUrl } from './alertmanager.ts';

const ctx = { cluster: 'prod', publicUrl: 'https://t.example' };

describe('alertmanager alerts', () => {
  it.each([
    ['http://am:9093', 'http://am:9093/api/v2/alerts'],
    ['http://am:9093/', 'http://am:9093/api/v2/alerts'],
    ['https://proxy.example/alertmanager', 'https://proxy.example/alertmanager/api/v2/alerts'],
    ['http://am:9093/api/v2/alerts', 'http://am:9093/api/v2/alerts'],
    ['https://proxy.example/am/api/v2/alerts/', 'https://proxy.example/am/api/v2/alerts'],
  ])('posts to %s → %s', (base, url) => expect(alertsUrl(base)).toBe(url));

  it('is a postableAlert with identity labels and no endsAt while open', () => {
    expect(alertOf(incident(), ctx)).toEqual({
      labels: {
        alertname: 'KubetriageIncident',
        cluster: 'prod',
        incident: 'INC-0001',
        pattern: 'node-network',
        severity: 'critical',
        family: 'nodes',
      },
      annotations: {
        summary: 'Nodes lost their network',
        description:
          '3 nodes NotReady since 15:02, all in pool agentpool; kubelet cannot reach the API server.',
        status: 'identified',
        confidence: '82%',
        next_step: 'Check the nodes’ conditions: kubectl describe node aks-1',
        runbook: 'kubetriage remediate restart-nodes',
      },
      startsAt: '2026-01-01T15:02:00Z',
      generatorURL: 'https://t.example/incidents/INC-0001',
    });
  });

  it('ends at the resolution time once resolved', () => {
    const a = alertOf(incident({ status: 'resolved', resolvedAtMs: t0 + 90_000 }), { cluster: 'prod' });
    expect(a.endsAt).toBe('2026-01-01T15:03:30Z');
    expect(a.generatorURL).toBeUndefined();
  });

  it('resolves the previous label set when severity or pattern changes, and forgets resolved incidents', () => {
    const book = new AlertBook(ctx);
    book.delivered(book.alerts(t0, [incident({ severity: 'warning' })]));
    const critical = incident({ severity: 'critical' });
    const next = book.alerts(t0 + 60_000, [critical]);
    expect(next.map((a) => [a.labels.severity, a.endsAt])).toEqual([
      ['warning', '2026-01-01T15:03:00Z'],
      ['critical', undefined],
    ]);
    book.delivered(next);
    expect(book.alerts(t0 + 120_000, [critical])).toHaveLength(1);
    const resolved = incident({ status: 'resolved', resolvedAtMs: t0 + 130_000 });
    book.delivered(book.alerts(t0 + 130_000, [resolved]));
    expect(book.size).toBe(0);
  });

  it('keeps only the labels it last posted: a reopened incident starts afresh', () => {
    const book = new AlertBook(ctx);
    book.delivered(book.alerts(t0, [incident({ severity: 'warning' })]));
    book.delivered(book.alerts(t0 + 60_000, [incident({ status: 'resolved', resolvedAtMs: t0 + 60_000 })]));
    // The warning alert was resolved with the incident; nothing is left to resolve on reopening.
    const reopened = book.alerts(t0 + 120_000, [incident({ severity: 'critical' })]);
    expect(reopened.map((a) => [a.labels.severity, a.endsAt])).toEqual([['critical', undefined]]);
  });
});
