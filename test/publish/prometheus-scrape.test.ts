/**
 * A real Prometheus scrapes kubetriage's /metrics: the exposition must parse, carry the
 * expected series and labels, and follow the incidents as rounds go by. `promtool check
 * metrics` lints the same text, so a name against the conventions fails here, not on a
 * user's dashboard. The endpoint is a bare node:http server, so this stays independent
 * of the product's HTTP server.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openedIncident } from '../../src/incident/fixtures.ts';
import type { Incident } from '../../src/incident/incident.ts';
import { KubetriageMetrics } from '../../src/publish/metrics.ts';
import {
  type Prometheus,
  type PromSample,
  promtoolCheckMetrics,
  startPrometheus,
} from '../support/prometheus.ts';

const T0 = Date.UTC(2025, 2, 3, 14, 0, 0);
const min = 60_000;

function incident(id: string, pattern: string, onsetMs: number, openedAtMs: number): Incident {
  return openedIncident(id, pattern, { onsetMs, openedAtMs });
}

/** Polls a query until `ok` accepts its samples; the last answer is in the failure message. */
async function until(
  prom: Prometheus,
  expr: string,
  ok: (samples: PromSample[]) => boolean,
  limitMs = 60_000,
): Promise<PromSample[]> {
  const started = performance.now();
  let last: PromSample[] = [];
  for (;;) {
    last = await prom.query(expr);
    if (ok(last)) return last;
    if (performance.now() - started > limitMs) {
      throw new Error(`${expr} never matched; last ${JSON.stringify(last)}\n${prom.log()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a real Prometheus scraping /metrics', () => {
  const metrics = new KubetriageMetrics();
  const etcd = incident('INC-0001', 'control-plane-etcd', T0, T0 + 2 * min);
  const dns = incident('INC-0002', 'cluster-dns', T0 + min, T0 + 3 * min);
  let server: Server;
  let prom: Prometheus | undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      metrics.metricsText().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

    metrics.recordRound({ nowMs: T0 + 2 * min, incidents: [etcd] });
    metrics.recordRound({ nowMs: T0 + 3 * min, incidents: [etcd, dns] });
    metrics.reflectorRelisted('pods', 'initial');
    metrics.probeObserved('livez', 0.012, true);
    metrics.recordRound({
      nowMs: T0 + 4 * min,
      incidents: [etcd, dns],
      sources: [{ source: 'reflector/pods', failures: 0, state: 'fresh', lastOkMs: T0 + 4 * min - 3_000 }],
    });

    const { port } = server.address() as AddressInfo;
    prom = await startPrometheus({ target: `127.0.0.1:${port}`, path: '/metrics', job: 'kubetriage' });
  });

  afterAll(async () => {
    await prom?.stop();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('passes promtool check metrics without a problem', async () => {
    const { code, output } = await promtoolCheckMetrics(await metrics.metricsText());
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('is up, and shows the open incidents with their labels, detection times and source freshness', {
    timeout: 120_000,
  }, async () => {
    const p = prom!;
    await until(p, 'up{job="kubetriage"}', (s) => s.length === 1 && s[0].value === 1);
    const open = await until(p, 'kubetriage_incidents_open', (s) => s.length === 2);
    const byPattern = Object.fromEntries(open.map((s) => [s.metric.pattern, s]));
    expect(byPattern['control-plane-etcd'].metric).toMatchObject({
      job: 'kubetriage',
      severity: 'critical',
      family: 'control-plane',
    });
    expect(byPattern['control-plane-etcd'].value).toBe(1);
    expect(byPattern['cluster-dns'].metric.family).toBe('service-networking');
    expect(byPattern['cluster-dns'].value).toBe(1);

    expect(await p.query('sum(kubetriage_incidents_total)')).toEqual([{ metric: {}, value: 2 }]);
    const detected = await p.query('kubetriage_time_to_detect_seconds_sum');
    expect(Object.fromEntries(detected.map((s) => [s.metric.pattern, s.value]))).toEqual({
      'control-plane-etcd': 120,
      'cluster-dns': 120,
    });
    const le = await p.query('kubetriage_time_to_detect_seconds_bucket{pattern="cluster-dns",le="60"}');
    expect(le.map((s) => s.value)).toEqual([0]);
    expect((await p.query('kubetriage_source_last_seen_seconds{source="reflector/pods"}'))[0].value).toBe(3);
    expect((await p.query('kubetriage_reflector_relists_total'))[0].metric).toMatchObject({
      resource: 'pods',
      reason: 'initial',
    });
    expect((await p.query('process_resident_memory_bytes'))[0].value).toBeGreaterThan(0);
  });

  it('sees a resolved incident drop to 0 on a later scrape', { timeout: 120_000 }, async () => {
    etcd.timeline.push({
      atMs: T0 + 30 * min,
      kind: 'status',
      text: 'monitoring → resolved at 14:30:00: quiet',
    });
    etcd.status = 'resolved';
    metrics.recordRound({ nowMs: T0 + 30 * min, incidents: [etcd, dns] });
    const open = await until(
      prom!,
      'kubetriage_incidents_open{pattern="control-plane-etcd"}',
      (s) => s.length === 1 && s[0].value === 0,
    );
    expect(open[0].metric.severity).toBe('critical');
    expect(await prom!.query('sum(kubetriage_incidents_open)')).toEqual([{ metric: {}, value: 1 }]);
  });
});
