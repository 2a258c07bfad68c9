import { describe, expect, it } from 'vitest';
import { t0, viewOf } from './fixtures.ts';
import { ofKind } from './signal.ts';
import { webhookCalls } from './webhook-calls.ts';

interface Hook {
  calls: number;
  refused?: number;
  failedOpen?: number;
  /** Calls answered within 10 s (the rest of `calls` took longer). */
  fast?: number;
}

/** The API server's /metrics as v1.32 prints the webhook families, for one replica. */
const scrape = (atMs: number, hooks: Record<string, Hook>, startedAt = 1_700_000_000) => {
  const lines = [`process_start_time_seconds ${startedAt}`];
  for (const [name, h] of Object.entries(hooks)) {
    const l = `name="${name}",operation="UPDATE",rejected="false",type="validating"`;
    lines.push(`apiserver_admission_webhook_request_total{code="200",${l}} ${h.calls}`);
    lines.push(
      `apiserver_admission_webhook_admission_duration_seconds_bucket{${l},le="2.5"} ${h.fast ?? h.calls}`,
    );
    lines.push(
      `apiserver_admission_webhook_admission_duration_seconds_bucket{${l},le="10"} ${h.fast ?? h.calls}`,
    );
    lines.push(`apiserver_admission_webhook_admission_duration_seconds_bucket{${l},le="+Inf"} ${h.calls}`);
    if (h.failedOpen !== undefined)
      lines.push(
        `apiserver_admission_webhook_fail_open_count{name="${name}",type="validating"} ${h.failedOpen}`,
      );
    if (h.refused !== undefined)
      lines.push(
        `apiserver_admission_webhook_rejection_count{error_type="calling_webhook_error",name="${name}",operation="UPDATE",rejection_code="0",type="validating"} ${h.refused}`,
      );
  }
  return {
    type: 'metrics' as const,
    node: '',
    component: 'kube-apiserver' as const,
    atMs,
    text: lines.join('\n'),
  };
};

const detect = (...scrapes: ReturnType<typeof scrape>[]) =>
  ofKind(webhookCalls(viewOf({}, t0 - 600_000, scrapes), t0), 'webhook-calls-failing');

describe('admission webhook calls from the API server metrics', () => {
  it('reports a webhook that fails open and makes every call wait past 10 s, as a warning', () => {
    const [s, ...rest] = detect(
      scrape(t0 - 240_000, { opa: { calls: 100, failedOpen: 0, fast: 100 } }),
      scrape(t0 - 120_000, { opa: { calls: 104, failedOpen: 4, fast: 100 } }),
      scrape(t0, { opa: { calls: 110, failedOpen: 10, fast: 100 } }),
    );
    expect(rest).toEqual([]);
    expect(s).toMatchObject({
      subject: 'webhook/opa',
      severity: 'warning',
      sinceMs: t0 - 240_000,
      facts: {
        webhook: 'opa',
        calls: 10,
        failed: 10,
        refused: 0,
        failedOpen: 10,
        slowCalls: 10,
        failedShare: 1,
      },
    });
    expect(s.facts.operations).toEqual(['UPDATE']);
    expect(s.facts.windowSeconds).toBe(240);
  });

  it('dates the trouble from the start of its unbroken run, further back than the window', () => {
    const at = (minAgo: number, failedOpen: number, calls: number) =>
      scrape(t0 - minAgo * 60_000, { opa: { calls, failedOpen, fast: calls - failedOpen } });
    // Clean until 50 minutes ago, failing every call since.
    const [s] = detect(
      at(60, 0, 100),
      at(50, 0, 120),
      at(40, 5, 125),
      at(20, 15, 135),
      at(1, 30, 150),
      at(0, 31, 151),
    );
    expect(s).toMatchObject({ severity: 'warning', sinceMs: t0 - 50 * 60_000, facts: { ongoing: true } });
  });

  it('is critical when calls fail closed and writes are refused', () => {
    const [s] = detect(
      scrape(t0 - 60_000, { kyverno: { calls: 50, refused: 0 } }),
      scrape(t0, { kyverno: { calls: 56, refused: 6 } }),
    );
    expect(s).toMatchObject({ severity: 'critical', facts: { refused: 6, failed: 6, calls: 6 } });
  });

  it('reports a webhook that answers, but only after 10 s, for a fifth of its calls or more', () => {
    const [s] = detect(
      scrape(t0 - 60_000, { slow: { calls: 10 } }),
      scrape(t0, { slow: { calls: 20, fast: 15 } }),
    );
    expect(s).toMatchObject({ severity: 'warning', facts: { failed: 0, slowCalls: 5, calls: 10 } });
  });

  it.each([
    ['healthy calls', { calls: 500 }, { calls: 900 }],
    ['one failure among many calls', { calls: 500, failedOpen: 0 }, { calls: 900, failedOpen: 1 }],
    ['a failure counted before the window', { calls: 10, failedOpen: 3 }, { calls: 20, failedOpen: 3 }],
  ])('stays quiet on %s', (_name, before: Hook, after: Hook) => {
    expect(detect(scrape(t0 - 60_000, { h: before }), scrape(t0, { h: after }))).toEqual([]);
  });

  it('keeps reporting trouble that stopped, as info, for 30 minutes', () => {
    const failing = [
      scrape(t0 - 20 * 60_000, { opa: { calls: 100, failedOpen: 0, fast: 100 } }),
      scrape(t0 - 19 * 60_000, { opa: { calls: 110, failedOpen: 10, fast: 100 } }),
    ];
    const since = [scrape(t0 - 10 * 60_000, { opa: { calls: 150, failedOpen: 10, fast: 140 } })];
    const [s, ...rest] = detect(
      ...failing,
      ...since,
      scrape(t0, { opa: { calls: 190, failedOpen: 10, fast: 180 } }),
    );
    expect(rest).toEqual([]);
    expect(s).toMatchObject({
      severity: 'info',
      facts: { ongoing: false, failedOpen: 10, slowCalls: 10, lastTrouble: '2024-01-15T11:41:00Z' },
    });
    const later = viewOf({}, t0 - 600_000, [...failing, ...since]);
    expect(webhookCalls(later, t0 + 12 * 60_000)).toEqual([]);
  });

  it('reads scrapes that arrive between rounds as a fresh view of them all would', () => {
    const first = [
      scrape(t0 - 240_000, { opa: { calls: 100, failedOpen: 0, fast: 100 } }),
      scrape(t0 - 120_000, { opa: { calls: 104, failedOpen: 4, fast: 100 } }),
    ];
    const later = scrape(t0, { opa: { calls: 110, failedOpen: 10, fast: 100 } });
    const live = viewOf({}, t0 - 600_000, first);
    webhookCalls(live, t0 - 120_000);
    live.apply(later);
    expect(webhookCalls(live, t0)).toEqual(webhookCalls(viewOf({}, t0 - 600_000, [...first, later]), t0));
  });

  it('needs two scrapes of one replica: a lone scrape has no increase', () => {
    expect(detect(scrape(t0, { h: { calls: 10, failedOpen: 10 } }))).toEqual([]);
  });

  it('compares each API server replica with itself, so a load balancer alternating replicas adds nothing', () => {
    const a = 1_700_000_000;
    const b = 1_700_000_500;
    const found = detect(
      scrape(t0 - 90_000, { h: { calls: 900, refused: 40 } }, a),
      scrape(t0 - 60_000, { h: { calls: 300, refused: 2 } }, b),
      scrape(t0 - 30_000, { h: { calls: 910, refused: 40 } }, a),
      scrape(t0, { h: { calls: 305, refused: 2 } }, b),
    );
    expect(found).toEqual([]);
  });

  it('counts a restarted replica from zero', () => {
    const [s] = detect(
      scrape(t0 - 60_000, { h: { calls: 900, refused: 40 } }, 1_700_000_000),
      scrape(t0 - 30_000, { h: { calls: 3, refused: 3 } }, 1_700_000_900),
      scrape(t0, { h: { calls: 9, refused: 9 } }, 1_700_000_900),
    );
    expect(s?.facts).toMatchObject({ calls: 6, refused: 6 });
  });
});
