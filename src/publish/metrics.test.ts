/**
 * The metrics as a scraper sees them: values read back from the registry's own output
 * after rounds of incidents, sources, feed events and notifier totals. Times are plain
 * numbers handed in, as the pipeline hands in its (possibly virtual) round time.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Severity } from '../detect/signal.ts';
import { hypothesis, openedIncident } from '../incident/fixtures.ts';
import type { Incident, IncidentStatus } from '../incident/incident.ts';
import type { SourceStatus } from '../observe/cluster-view.ts';
import { KubetriageMetrics } from './metrics.ts';

const T0 = Date.UTC(2025, 2, 3, 14, 0, 0);
const min = 60_000;

function incident(
  id: string,
  pattern: string,
  o: { onsetMs: number; openedAtMs: number; severity?: Severity; status?: IncidentStatus },
): Incident {
  return openedIncident(id, pattern, o);
}

/** A status move as the tracker writes it on the timeline. */
function move(i: Incident, to: IncidentStatus, atMs: number): void {
  i.timeline.push({ atMs, kind: 'status', text: `${i.status} → ${to} at 14:00:00: because` });
  i.status = to;
  if (to === 'resolved') i.resolvedAtMs = atMs;
}

/** A series as getMetricsAsJSON gives it; histograms name theirs (`…_bucket`, `…_sum`, `…_count`). */
type Series = MetricValue<string> & { metricName?: string };

async function metric(m: KubetriageMetrics, name: string): Promise<MetricObjectWithValues<Series>> {
  const all = (await m.registry.getMetricsAsJSON()) as MetricObjectWithValues<Series>[];
  const found = all.find((x) => x.name === name);
  if (!found) throw new Error(`no metric ${name}`);
  return found;
}

/** The value of one series, `metricName` picking a histogram's `_count`, `_sum` or `_bucket`. */
async function value(
  m: KubetriageMetrics,
  name: string,
  labels: Record<string, string | number>,
  metricName = name,
): Promise<number | undefined> {
  const { values } = await metric(m, name);
  const hit = values.find(
    (v) =>
      (v.metricName ?? name) === metricName &&
      Object.entries(labels).every(([k, want]) => v.labels[k] === want) &&
      Object.keys(v.labels).length === Object.keys(labels).length,
  );
  return hit?.value;
}

/** Every series of a gauge or counter as `label=value,… → value`, for whole-set comparisons. */
async function series(m: KubetriageMetrics, name: string): Promise<Record<string, number>> {
  const { values } = await metric(m, name);
  return Object.fromEntries(
    values.map((v) => [
      Object.entries(v.labels)
        .map(([k, x]) => `${k}=${x}`)
        .join(','),
      v.value,
    ]),
  );
}

const quiet = (): KubetriageMetrics => new KubetriageMetrics({ processMetrics: false });

describe('open incidents gauge', () => {
  it('counts unresolved incidents by pattern, severity and family', async () => {
    const m = quiet();
    const at = { onsetMs: T0, openedAtMs: T0 + min };
    m.recordRound({
      nowMs: T0 + min,
      incidents: [
        incident('INC-0001', 'control-plane-etcd', at),
        incident('INC-0002', 'cluster-dns', { ...at, severity: 'warning' }),
        incident('INC-0003', 'node-network', at),
        incident('INC-0004', 'node-network', at),
        incident('INC-0005', 'crash-loop', { ...at, status: 'resolved' }),
      ],
    });
    expect(await series(m, 'kubetriage_incidents_open')).toEqual({
      'pattern=control-plane-etcd,severity=critical,family=control-plane': 1,
      'pattern=cluster-dns,severity=warning,family=service-networking': 1,
      'pattern=node-network,severity=critical,family=nodes': 2,
    });
  });

  it('drops a label set to 0 when its incidents resolve, and follows a change of top hypothesis', async () => {
    const m = quiet();
    const dns = incident('INC-0001', 'cluster-dns', { onsetMs: T0, openedAtMs: T0 + min });
    const nodes = incident('INC-0002', 'node-network', { onsetMs: T0, openedAtMs: T0 + min });
    m.recordRound({ nowMs: T0 + min, incidents: [dns, nodes] });

    move(dns, 'resolved', T0 + 20 * min);
    nodes.top = hypothesis({ pattern: 'kubelet-failure', sinceMs: T0 });
    m.recordRound({ nowMs: T0 + 20 * min, incidents: [dns, nodes] });
    expect(await series(m, 'kubetriage_incidents_open')).toEqual({
      'pattern=cluster-dns,severity=critical,family=service-networking': 0,
      'pattern=node-network,severity=critical,family=nodes': 0,
      'pattern=kubelet-failure,severity=critical,family=nodes': 1,
    });
    const text = await m.metricsText();
    expect(text).toContain('kubetriage_incidents_open{pattern="cluster-dns",severity="critical"');
  });
});

describe('incidents opened and time to detect and identify', () => {
  it('observes each once per incident, however many rounds see it, and across a reopening', async () => {
    const m = quiet();
    const i = incident('INC-0001', 'control-plane-etcd', { onsetMs: T0, openedAtMs: T0 + 2 * min });
    const labels = { pattern: 'control-plane-etcd' };
    m.recordRound({ nowMs: T0 + 2 * min, incidents: [i] });
    m.recordRound({ nowMs: T0 + 3 * min, incidents: [i] });
    move(i, 'identified', T0 + 4 * min);
    for (let r = 4; r < 8; r++) m.recordRound({ nowMs: T0 + r * min, incidents: [i] });
    // Resolved, then back: the same incident, identified again; neither counts twice.
    move(i, 'monitoring', T0 + 8 * min);
    move(i, 'resolved', T0 + 30 * min);
    m.recordRound({ nowMs: T0 + 30 * min, incidents: [i] });
    move(i, 'investigating', T0 + 40 * min);
    move(i, 'identified', T0 + 41 * min);
    m.recordRound({ nowMs: T0 + 41 * min, incidents: [i] });

    expect(await value(m, 'kubetriage_incidents_total', { ...labels, family: 'control-plane' })).toBe(1);
    const detect = 'kubetriage_time_to_detect_seconds';
    expect(await value(m, detect, labels, `${detect}_count`)).toBe(1);
    expect(await value(m, detect, labels, `${detect}_sum`)).toBe(120);
    // 120 s lands in the 120 s bucket and not in the 60 s one (buckets are "less or equal").
    expect(await value(m, detect, { ...labels, le: 60 }, `${detect}_bucket`)).toBe(0);
    expect(await value(m, detect, { ...labels, le: 120 }, `${detect}_bucket`)).toBe(1);
    const identify = 'kubetriage_time_to_identify_seconds';
    expect(await value(m, identify, labels, `${identify}_count`)).toBe(1);
    expect(await value(m, identify, labels, `${identify}_sum`)).toBe(240);
  });

  it('labels identification with the top hypothesis that got it identified', async () => {
    const m = quiet();
    const i = incident('INC-0001', 'node-network', { onsetMs: T0, openedAtMs: T0 + min });
    m.recordRound({ nowMs: T0 + min, incidents: [i] });
    i.top = hypothesis({ pattern: 'kubelet-failure', sinceMs: T0 - 5 * min });
    move(i, 'identified', T0 + 3 * min);
    m.recordRound({ nowMs: T0 + 3 * min, incidents: [i] });
    const identify = 'kubetriage_time_to_identify_seconds';
    // Measured from the onset the incident opened with, so identify ≥ detect always.
    expect(await value(m, identify, { pattern: 'kubelet-failure' }, `${identify}_sum`)).toBe(180);
    expect(await value(m, identify, { pattern: 'node-network' }, `${identify}_count`)).toBeUndefined();
  });

  it('counts an incident identified on opening, and clamps an onset dated after the opening to 0', async () => {
    const m = quiet();
    const i = incident('INC-0001', 'cluster-dns', { onsetMs: T0 + 5_000, openedAtMs: T0 });
    move(i, 'identified', T0);
    m.recordRound({ nowMs: T0, incidents: [i] });
    const labels = { pattern: 'cluster-dns' };
    expect(
      await value(m, 'kubetriage_time_to_detect_seconds', labels, 'kubetriage_time_to_detect_seconds_sum'),
    ).toBe(0);
    expect(
      await value(
        m,
        'kubetriage_time_to_identify_seconds',
        labels,
        'kubetriage_time_to_identify_seconds_count',
      ),
    ).toBe(1);
  });

  it('does not count again what happened before the first round (incidents restored after a restart)', async () => {
    const m = quiet();
    const old = incident('INC-0001', 'cluster-dns', { onsetMs: T0, openedAtMs: T0 + min });
    move(old, 'identified', T0 + 2 * min);
    const oldResolved = incident('INC-0002', 'node-network', { onsetMs: T0, openedAtMs: T0 + min });
    move(oldResolved, 'resolved', T0 + 30 * min);
    const openedBeforeIdentifiedAfter = incident('INC-0003', 'control-plane-etcd', {
      onsetMs: T0,
      openedAtMs: T0 + min,
    });
    m.recordRound({ nowMs: T0 + 60 * min, incidents: [old, oldResolved, openedBeforeIdentifiedAfter] });
    move(openedBeforeIdentifiedAfter, 'identified', T0 + 61 * min);
    const fresh = incident('INC-0004', 'kubelet-failure', {
      onsetMs: T0 + 60 * min,
      openedAtMs: T0 + 62 * min,
    });
    m.recordRound({
      nowMs: T0 + 62 * min,
      incidents: [old, oldResolved, openedBeforeIdentifiedAfter, fresh],
    });

    expect(await series(m, 'kubetriage_incidents_total')).toEqual({
      'pattern=kubelet-failure,family=nodes': 1,
    });
    const identify = 'kubetriage_time_to_identify_seconds';
    expect(await value(m, identify, { pattern: 'control-plane-etcd' }, `${identify}_sum`)).toBe(3660);
    expect(await value(m, identify, { pattern: 'cluster-dns' }, `${identify}_count`)).toBeUndefined();
    // The gauge is state, not history: restored open incidents are open.
    expect(
      await value(m, 'kubetriage_incidents_open', {
        pattern: 'cluster-dns',
        severity: 'critical',
        family: 'service-networking',
      }),
    ).toBe(1);
  });
});

describe('source freshness', () => {
  const status = (source: string, o: Partial<SourceStatus>): SourceStatus => ({
    source,
    failures: 0,
    state: 'fresh',
    ...o,
  });

  const now = T0 + 10 * min;
  /** A registry after one round at `now` that saw these sources. */
  const afterRound = (...sources: SourceStatus[]) => {
    const m = quiet();
    m.recordRound({ nowMs: now, incidents: [], sources });
    return m;
  };

  it('reports age against the round time and freshness, and forgets sources no longer reported', async () => {
    const m = afterRound(
      status('reflector/pods', { lastOkMs: now - 2_500 }),
      status('probe/livez', { lastOkMs: now - 5 * min, state: 'stale', failingSinceMs: now - 4 * min }),
      status('logs/kube-system/coredns-1/coredns', { state: 'never', failingSinceMs: now - min }),
    );
    expect(await series(m, 'kubetriage_source_last_seen_seconds')).toEqual({
      'source=reflector/pods': 2.5,
      'source=probe/livez': 300,
    });
    expect(await series(m, 'kubetriage_source_fresh')).toEqual({
      'source=reflector/pods': 1,
      'source=probe/livez': 0,
      'source=logs/kube-system/coredns-1/coredns': 0,
    });

    m.recordRound({ nowMs: now + 1_000, incidents: [] });
    expect(await series(m, 'kubetriage_source_fresh')).toHaveProperty(['source=probe/livez'], 0);
    m.recordRound({
      nowMs: now + 2_000,
      incidents: [],
      sources: [status('reflector/pods', { lastOkMs: now + 2_000 })],
    });
    expect(await series(m, 'kubetriage_source_last_seen_seconds')).toEqual({ 'source=reflector/pods': 0 });
    expect(await series(m, 'kubetriage_source_fresh')).toEqual({ 'source=reflector/pods': 1 });
  });

  it('reports a forbidden source apart, so KubetriageSourceStale does not fire for a role left out on purpose', async () => {
    const m = afterRound(
      status('reflector/pods', { lastOkMs: now }),
      status('metrics/kube-proxy/n1', { state: 'forbidden', failingSinceMs: now - min, forbidden: true }),
    );
    expect(await series(m, 'kubetriage_source_fresh')).toEqual({ 'source=reflector/pods': 1 });
    expect(await series(m, 'kubetriage_source_forbidden')).toEqual({ 'source=metrics/kube-proxy/n1': 1 });
  });
});

describe('terms as leader', () => {
  it('counts, on a second term, only what opened or was identified during it', async () => {
    const m = quiet();
    m.startedActing(T0);
    const ours = incident('INC-0001', 'cluster-dns', { onsetMs: T0, openedAtMs: T0 + min });
    m.recordRound({ nowMs: T0 + min, incidents: [ours] });
    m.stoppedActing();
    // Meanwhile the other replica led: it opened INC-0002 and identified ours, and counted both.
    const theirs = incident('INC-0002', 'node-network', { onsetMs: T0 + 5 * min, openedAtMs: T0 + 6 * min });
    move(ours, 'identified', T0 + 7 * min);
    m.startedActing(T0 + 20 * min);
    m.recordRound({ nowMs: T0 + 20 * min, incidents: [ours, theirs] });
    const fresh = incident('INC-0003', 'kubelet-failure', {
      onsetMs: T0 + 20 * min,
      openedAtMs: T0 + 21 * min,
    });
    m.recordRound({ nowMs: T0 + 21 * min, incidents: [ours, theirs, fresh] });

    expect(await series(m, 'kubetriage_incidents_total')).toEqual({
      'pattern=cluster-dns,family=service-networking': 1,
      'pattern=kubelet-failure,family=nodes': 1,
    });
    const identify = 'kubetriage_time_to_identify_seconds';
    expect(await value(m, identify, { pattern: 'cluster-dns' }, `${identify}_count`)).toBeUndefined();
  });

  it('stops showing open incidents and source freshness when it stops leading', async () => {
    const m = quiet();
    m.startedActing(T0);
    m.recordRound({
      nowMs: T0 + min,
      incidents: [incident('INC-0001', 'cluster-dns', { onsetMs: T0, openedAtMs: T0 + min })],
      sources: [{ source: 'reflector/pods', failures: 0, state: 'fresh', lastOkMs: T0 + min }],
    });
    m.stoppedActing();
    // The leader reports these now; summed over replicas, a follower's 0 keeps the total right.
    expect(await series(m, 'kubetriage_incidents_open')).toEqual({
      'pattern=cluster-dns,severity=critical,family=service-networking': 0,
    });
    expect(await series(m, 'kubetriage_source_fresh')).toEqual({});
    expect(await series(m, 'kubetriage_source_last_seen_seconds')).toEqual({});
  });
});

describe('feed and notifier counters', () => {
  it('counts reflector restarts and relists, and probe latency by outcome', async () => {
    const m = quiet();
    m.reflectorRelisted('pods', 'initial');
    m.reflectorRestarted('pods');
    m.reflectorRestarted('pods');
    m.reflectorRelisted('pods', 'expired');
    m.reflectorRelisted('nodes', 'initial');
    expect(await series(m, 'kubetriage_reflector_restarts_total')).toEqual({ 'resource=pods': 2 });
    expect(await series(m, 'kubetriage_reflector_relists_total')).toEqual({
      'resource=pods,reason=initial': 1,
      'resource=pods,reason=expired': 1,
      'resource=nodes,reason=initial': 1,
    });

    m.probeObserved('livez', 0.004, true);
    m.probeObserved('livez', 0.2, true);
    m.probeObserved('livez', 5, false);
    const p = 'kubetriage_probe_duration_seconds';
    expect(await value(m, p, { probe: 'livez', outcome: 'ok' }, `${p}_count`)).toBe(2);
    expect(await value(m, p, { probe: 'livez', outcome: 'ok', le: 0.005 }, `${p}_bucket`)).toBe(1);
    expect(await value(m, p, { probe: 'livez', outcome: 'error', le: 5 }, `${p}_bucket`)).toBe(1);
    expect(await value(m, p, { probe: 'livez', outcome: 'error', le: 2.5 }, `${p}_bucket`)).toBe(0);
  });

  it('counts only what is new in a notifier’s cumulative totals, and all of it after the notifier restarts', async () => {
    const m = quiet();
    m.notifierStats('slack', { sent: 2, failed: 0 });
    m.notifierStats('slack', { sent: 5, failed: 1 });
    m.notifierStats('slack', { sent: 5, failed: 1 });
    m.notifierStats('slack', { sent: 1, failed: 1 });
    m.notified('webhook', 'sent');
    expect(await series(m, 'kubetriage_notifications_total')).toEqual({
      'target=slack,outcome=sent': 6,
      'target=slack,outcome=failed': 1,
      'target=webhook,outcome=sent': 1,
    });
  });
});

describe('exposition', () => {
  it('serves text format 0.0.4 from its own registry, process metrics included by default', async () => {
    const m = new KubetriageMetrics();
    expect(m.contentType).toContain('text/plain; version=0.0.4');
    const text = await m.metricsText();
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
    expect(text).toContain('# TYPE kubetriage_time_to_detect_seconds histogram');
    expect(text).not.toContain('nodejs_active_handles_total');
    // Two instances never share series.
    quiet().reflectorRestarted('pods');
    expect(await m.metricsText()).not.toContain('kubetriage_reflector_restarts_total{');
  });
});
