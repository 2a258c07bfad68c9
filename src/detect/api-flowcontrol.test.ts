import { describe, expect, it } from 'vitest';
import { apiFlowControl } from './api-flowcontrol.ts';
import { t0, viewOf } from './fixtures.ts';
import { ofKind } from './signal.ts';

interface Level {
  dispatched: number;
  rejected?: number;
  flowSchema?: string;
}

/** The API server's /metrics as v1.32 prints the APF families, plus 429s of LIST pods. */
const scrape = (minAgo: number, levels: Record<string, Level>) => {
  const lines = ['process_start_time_seconds 1700000000'];
  let refused = 0;
  for (const [pl, l] of Object.entries(levels)) {
    const fs = l.flowSchema ?? 'service-accounts';
    lines.push(
      `apiserver_flowcontrol_dispatched_requests_total{flow_schema="${fs}",priority_level="${pl}"} ${l.dispatched}`,
    );
    if (l.rejected !== undefined) {
      lines.push(
        `apiserver_flowcontrol_rejected_requests_total{flow_schema="${fs}",priority_level="${pl}",reason="queue-full"} ${l.rejected}`,
      );
      refused += l.rejected;
    }
  }
  lines.push(
    `apiserver_request_total{code="429",component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1"} ${refused}`,
  );
  return {
    type: 'metrics' as const,
    node: '',
    component: 'kube-apiserver' as const,
    atMs: t0 - minAgo * 60_000,
    text: lines.join('\n'),
  };
};

const detect = (...scrapes: ReturnType<typeof scrape>[]) =>
  ofKind(apiFlowControl(viewOf({}, t0 - 3_600_000, scrapes), t0), 'api-requests-rejected');

describe('API Priority and Fairness rejections from the API server metrics', () => {
  it('reports the level that turns requests away, whose flow schema they came through, and the levels still served', () => {
    const [s, ...rest] = detect(
      scrape(4, {
        'workload-low': { dispatched: 1000, rejected: 0 },
        system: { dispatched: 500, flowSchema: 'system-nodes' },
      }),
      scrape(0, {
        'workload-low': { dispatched: 1700, rejected: 300 },
        system: { dispatched: 900, flowSchema: 'system-nodes' },
      }),
    );
    expect(rest).toEqual([]);
    expect(s).toMatchObject({
      subject: 'priority-level/workload-low',
      severity: 'critical',
      facts: {
        priorityLevel: 'workload-low',
        rejected: 300,
        dispatched: 700,
        rejectedShare: 0.3,
        clusterLevel: false,
        flowSchemas: ['service-accounts=300'],
        servedLevels: ['system'],
        refusedRequests: ['LIST pods=300'],
      },
    });
  });

  it('is a warning below a quarter rejected, and critical whenever a level of the cluster itself rejects', () => {
    const [low] = detect(
      scrape(2, { 'workload-low': { dispatched: 1000, rejected: 0 } }),
      scrape(0, { 'workload-low': { dispatched: 1900, rejected: 100 } }),
    );
    expect(low?.severity).toBe('warning');
    const [node] = detect(
      scrape(2, { 'node-high': { dispatched: 1000, rejected: 0 } }),
      scrape(0, { 'node-high': { dispatched: 1900, rejected: 30 } }),
    );
    expect(node).toMatchObject({ severity: 'critical', facts: { clusterLevel: true } });
  });

  it.each([
    ['a handful of rejections', 10, 1000],
    ['rejections under 2 % of what the level handled', 50, 5000],
  ])('stays quiet on %s', (_name, rejected, dispatched) => {
    expect(
      detect(
        scrape(2, { 'workload-low': { dispatched: 100, rejected: 0 } }),
        scrape(0, { 'workload-low': { dispatched: 100 + dispatched, rejected } }),
      ),
    ).toEqual([]);
  });

  it('dates the overload from the start of its run of rejections, further back than the window', () => {
    const at = (minAgo: number, dispatched: number, rejected: number) =>
      scrape(minAgo, { 'workload-low': { dispatched, rejected } });
    const [s] = detect(
      at(40, 100, 0),
      at(30, 200, 0),
      at(20, 250, 50),
      at(10, 300, 100),
      at(2, 350, 150),
      at(0, 360, 200),
    );
    expect(s?.sinceMs).toBe(t0 - 30 * 60_000);
  });

  describe('an API server gone silent', () => {
    const at = (minAgo: number, dispatched: number, rejected: number) =>
      scrape(minAgo, {
        'workload-low': { dispatched, rejected },
        system: { dispatched, flowSchema: 'system-nodes' },
      });

    it('keeps its last answers as the evidence: rejections counted before it stopped answering 8 min ago', () => {
      const [s] = detect(at(14, 1000, 0), at(12, 1500, 0), at(10, 1700, 300), at(8, 1900, 600));
      expect(s).toMatchObject({
        sinceMs: t0 - 12 * 60_000,
        facts: { rejected: 600, dispatched: 900, servedLevels: ['system'], windowSeconds: 360 },
      });
    });

    it('lets them go once it has been silent for more than half an hour', () => {
      expect(detect(at(40, 1000, 0), at(38, 1500, 300), at(36, 1700, 600))).toEqual([]);
    });

    it('counts what it served across its silence when it answers again for a moment', () => {
      const [s] = detect(at(12, 1000, 0), at(0, 1400, 400));
      expect(s).toMatchObject({
        sinceMs: t0 - 12 * 60_000,
        facts: { rejected: 400, dispatched: 400, windowSeconds: 720 },
      });
    });
  });
});
