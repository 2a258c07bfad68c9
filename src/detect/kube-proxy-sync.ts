/**
 * kube-proxy failing to write service rules, per node, from four witnesses:
 * - its log: `"Failed to execute iptables-restore" err=…` then `"Sync failed" retryingTime=…`;
 * - its metrics (kubernetes.md §5.3): `kubeproxy_sync_proxy_rules_iptables_restore_failures_total`
 *   (plus the partial-restore counter) growing between scrapes, and
 *   `kubeproxy_sync_proxy_rules_last_timestamp_seconds` (last *successful* sync) falling behind;
 * - the node agent's IptablesRestoreFailing condition;
 * - the agent's IptablesRestoreFailed / XtablesLockContention events.
 *
 * Emits `proxy-sync-failing`. Even a sparse handful of failures is a warning: that is the
 * day-early warning a rule-format skew gives before it breaks service routing. Critical when
 * many nodes fail now, or several nodes have not synced for 2 × syncPeriod.
 */
import type { KubeObject } from '../kube/observations.ts';
import type { ClusterView, MetricsScrape } from '../observe/cluster-view.ts';
import { parsePromText } from '../observe/prom-text.ts';
import { agentConditions, agentFields, eventConditionMessage } from './agent-fields.ts';
import { clock, logText, logTimeMs, recentLogs } from './log-lines.ts';
import type { Detector, Evidence, Signal } from './signal.ts';
import { uniqueSorted } from './signal.ts';
import type { ProxySyncFailingFacts } from './signal-kinds.ts';
import { timeMs } from './timestamps.ts';

const detector = 'kube-proxy-sync';

/** kube-proxy's default `--iptables-sync-period`: it syncs at least this often when healthy. */
export const syncPeriodS = 30;
/** kube-proxy's own healthTimeout (2 × syncPeriod): past it, /healthz answers 503. */
export const staleSyncS = 2 * syncPeriodS;
/**
 * Sparse failures stay one warning for an hour (events live 1 h too), so the handful seen
 * the day before an outage is not gone before anyone looks.
 */
export const lookbackMs = 60 * 60_000;
/** Failures this recent, or a stale sync, mean the node is failing now, not just lately. */
export const failingNowMs = 5 * 60_000;
/** A node's newest scrape must be this fresh to speak about its sync age now. */
export const scrapeFreshMs = 5 * 60_000;

const failuresMetric = 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total';
const partialFailuresMetric = 'kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total';
const lastSyncMetric = 'kubeproxy_sync_proxy_rules_last_timestamp_seconds';
const lastQueuedMetric = 'kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds';
const readMetrics = [failuresMetric, partialFailuresMetric, lastSyncMetric, lastQueuedMetric];

interface ProxyReading {
  failures?: number;
  lastSyncS?: number;
  lastQueuedS?: number;
}

/** Scrapes are immutable once in the ring; read each one once, not on every detector run. */
const readings = new WeakMap<MetricsScrape, ProxyReading>();

/** The four series we need, found by line prefix instead of parsing the whole (large) exposition. */
export function readProxyMetrics(scrape: MetricsScrape): ProxyReading {
  const cached = readings.get(scrape);
  if (cached) return cached;
  const lines: string[] = [];
  for (const name of readMetrics) {
    let at = scrape.text.indexOf(name);
    while (at >= 0) {
      const lineStart = at === 0 || scrape.text.charCodeAt(at - 1) === 10;
      const next = scrape.text.charCodeAt(at + name.length);
      if (lineStart && (next === 32 || next === 123)) {
        const end = scrape.text.indexOf('\n', at);
        lines.push(scrape.text.slice(at, end < 0 ? undefined : end));
      }
      at = scrape.text.indexOf(name, at + name.length);
    }
  }
  const samples = parsePromText(lines.join('\n')).samples;
  const r: ProxyReading = {};
  // Counters add up across ip families; for timestamps the older family is the stale one.
  for (const s of samples) {
    if (s.name === failuresMetric || s.name === partialFailuresMetric)
      r.failures = (r.failures ?? 0) + s.value;
    else if (s.name === lastSyncMetric && s.value > 0)
      r.lastSyncS = Math.min(r.lastSyncS ?? s.value, s.value);
    else if (s.name === lastQueuedMetric && s.value > 0)
      r.lastQueuedS = Math.max(r.lastQueuedS ?? 0, s.value);
  }
  readings.set(scrape, r);
  return r;
}

interface NodeSync {
  node: string;
  failures: number;
  firstMs?: number;
  lastFailureMs?: number;
  errorText?: string;
  errorAtMs?: number;
  syncAgeS?: number;
  staleSinceMs?: number;
  sources: Set<string>;
  evidence: Evidence[];
}

export const kubeProxySync: Detector = (view, nowMs) => {
  const perNode = new Map<string, NodeSync>();
  const at = (node: string): NodeSync => {
    let s = perNode.get(node);
    if (!s) {
      s = { node, failures: 0, sources: new Set(), evidence: [] };
      perNode.set(node, s);
    }
    return s;
  };
  const counts = { log: new Map<string, number>(), metric: new Map<string, number>() };

  fromLogs(view, nowMs, at, counts.log);
  fromMetrics(view, nowMs, at, counts.metric);
  const agentFailures = fromAgent(view.list('nodes'), nowMs, at);
  const eventFailures = fromEvents(view.list('events'), nowMs, at);
  // The witnesses overlap (the agent reads the same counter and log); take the largest count.
  for (const s of perNode.values())
    s.failures = Math.max(
      counts.log.get(s.node) ?? 0,
      counts.metric.get(s.node) ?? 0,
      agentFailures.get(s.node) ?? 0,
      eventFailures.get(s.node) ?? 0,
    );

  const failing = [...perNode.values()].filter((s) => s.failures > 0 || s.staleSinceMs !== undefined);
  if (failing.length === 0) return [];
  return [signalOf(failing, view.count('nodes'), nowMs)];
};

type NodeAt = (node: string) => NodeSync;

function noteFailure(s: NodeSync, atMs: number, source: string, error?: string): void {
  s.sources.add(source);
  if (s.firstMs === undefined || atMs < s.firstMs) s.firstMs = atMs;
  if (s.lastFailureMs === undefined || atMs > s.lastFailureMs) s.lastFailureMs = atMs;
  if (error && (s.errorAtMs === undefined || atMs >= s.errorAtMs)) {
    s.errorText = error;
    s.errorAtMs = atMs;
  }
}

function fromLogs(view: ClusterView, nowMs: number, at: NodeAt, counts: Map<string, number>): void {
  for (const o of recentLogs(view.logs, nowMs, lookbackMs)) {
    if (!o.node) continue;
    const e = o.entry;
    const restoreFailed =
      e.format === 'klog'
        ? e.record.message.startsWith('Failed to execute iptables-restore')
        : e.format === 'raw' && e.text.includes('Failed to execute iptables-restore');
    if (!restoreFailed) continue;
    const atMs = logTimeMs(o);
    const s = at(o.node);
    counts.set(o.node, (counts.get(o.node) ?? 0) + 1);
    noteFailure(s, atMs, 'log', e.format === 'klog' ? e.record.fields['err'] : undefined);
    if (s.evidence.length < 2)
      s.evidence.push({
        source: 'log',
        ref: `pod/${o.namespace}/${o.pod}`,
        atMs,
        text: logText(o).slice(0, 300),
      });
  }
}

function fromMetrics(view: ClusterView, nowMs: number, at: NodeAt, counts: Map<string, number>): void {
  const byNode = new Map<string, MetricsScrape[]>();
  for (const m of view.metrics.within(nowMs - lookbackMs, nowMs)) {
    if (m.component !== 'kube-proxy') continue;
    const list = byNode.get(m.node);
    if (list) list.push(m);
    else byNode.set(m.node, [m]);
  }
  for (const [node, scrapes] of byNode) {
    let prev: ProxyReading | undefined;
    for (const scrape of scrapes) {
      const r = readProxyMetrics(scrape);
      if (prev?.failures !== undefined && r.failures !== undefined && r.failures !== prev.failures) {
        // A counter that drops means kube-proxy restarted: its new value is the increase.
        const increase = r.failures > prev.failures ? r.failures - prev.failures : r.failures;
        if (increase > 0) {
          counts.set(node, (counts.get(node) ?? 0) + increase);
          const s = at(node);
          noteFailure(s, scrape.atMs, 'metric');
          if (s.evidence.length < 3)
            s.evidence.push({
              source: 'metric',
              ref: `node/${node}`,
              atMs: scrape.atMs,
              text: `${failuresMetric} ${prev.failures} → ${r.failures}`,
            });
        }
      }
      if (r.failures !== undefined) prev = r;
    }
    const newest = scrapes[scrapes.length - 1];
    const r = readProxyMetrics(newest);
    if (r.lastSyncS === undefined || nowMs - newest.atMs > scrapeFreshMs) continue;
    const ageS = Math.max(0, Math.round(newest.atMs / 1000 - r.lastSyncS));
    const s = at(node);
    s.syncAgeS = ageS;
    if (ageS > staleSyncS) {
      s.sources.add('metric');
      s.staleSinceMs = r.lastSyncS * 1000;
      const queued =
        r.lastQueuedS !== undefined && r.lastQueuedS > r.lastSyncS
          ? `; an update queued ${Math.round(newest.atMs / 1000 - r.lastQueuedS)} s ago still waits`
          : '';
      s.evidence.push({
        source: 'metric',
        ref: `node/${node}`,
        atMs: newest.atMs,
        text: `${lastSyncMetric}: last successful sync ${ageS} s before the scrape${queued}`,
      });
    }
  }
}

function fromAgent(nodes: readonly KubeObject[], nowMs: number, at: NodeAt): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of agentConditions(nodes, 'IptablesRestoreFailing', nowMs)) {
    if (c.status !== 'True') continue;
    // A stale True was true at its heartbeat; keep it while that is within the lookback.
    if (c.heartbeatMs === undefined || nowMs - c.heartbeatMs > lookbackMs) continue;
    const f = c.fields;
    const s = at(c.node);
    const firstMs = timeMs(f['first']) ?? c.transitionMs ?? c.heartbeatMs;
    const lastMs = timeMs(f['last']) ?? c.heartbeatMs;
    counts.set(c.node, Math.max(1, Number(f['failures']) || 0));
    noteFailure(s, firstMs, 'agent');
    noteFailure(s, lastMs, 'agent', f['error']);
    const lastOk = timeMs(f['lastSuccessfulSync']);
    if (lastOk !== undefined && lastMs > lastOk && s.syncAgeS === undefined) {
      s.syncAgeS = Math.round((c.heartbeatMs - lastOk) / 1000);
      if (s.syncAgeS > staleSyncS && !c.stale) s.staleSinceMs = lastOk;
    }
    s.evidence.push({
      source: 'agent',
      ref: `node/${c.node}`,
      atMs: c.heartbeatMs,
      text: `IptablesRestoreFailing=True ${c.reason}: ${c.message}`,
    });
  }
  return counts;
}

interface EventView {
  involvedObject?: { kind?: string; name?: string };
  reason?: string;
  message?: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
}

const eventReasons = new Set(['IptablesRestoreFailed', 'XtablesLockContention']);

function fromEvents(events: readonly KubeObject[], nowMs: number, at: NodeAt): Map<string, number> {
  const counts = new Map<string, number>();
  for (const raw of events) {
    const e = raw as KubeObject & EventView;
    if (!eventReasons.has(e.reason ?? '') || e.involvedObject?.kind !== 'Node' || !e.involvedObject.name)
      continue;
    const lastMs = timeMs(e.lastTimestamp) ?? timeMs(e.firstTimestamp);
    if (lastMs === undefined || lastMs < nowMs - lookbackMs || lastMs > nowMs) continue;
    const node = e.involvedObject.name;
    const f = agentFields(eventConditionMessage(e.message ?? '') ?? '');
    const s = at(node);
    counts.set(node, Math.max(counts.get(node) ?? 0, Number(f['failures']) || 1));
    noteFailure(s, timeMs(f['first']) ?? timeMs(e.firstTimestamp) ?? lastMs, 'event');
    noteFailure(s, timeMs(f['last']) ?? lastMs, 'event', f['error']);
    if (s.evidence.length < 4)
      s.evidence.push({
        source: 'event',
        ref: `node/${node}`,
        atMs: lastMs,
        text: `${e.reason}: ${e.message ?? ''}`.slice(0, 300),
      });
  }
  return counts;
}

/** `iptables-restore: line 8022 failed` or `Error occurred at line: 177`. */
export function failedLine(error: string): number | undefined {
  const m = /line (\d+) failed|Error occurred at line: (\d+)/.exec(error);
  return m ? Number(m[1] ?? m[2]) : undefined;
}

function signalOf(failing: NodeSync[], clusterNodes: number, nowMs: number): Signal {
  failing.sort((a, b) => a.node.localeCompare(b.node));
  const nodes = failing.map((s) => s.node);
  const staleNodes = failing.filter((s) => s.staleSinceMs !== undefined).map((s) => s.node);
  const failingNow = failing
    .filter((s) => s.staleSinceMs !== undefined || (s.lastFailureMs ?? 0) >= nowMs - failingNowMs)
    .map((s) => s.node);
  const failures = failing.reduce((n, s) => n + s.failures, 0);
  const starts = failing.map((s) => s.firstMs ?? s.staleSinceMs).filter((t): t is number => t !== undefined);
  const firstFailureMs = starts.length ? Math.min(...starts) : nowMs;
  const newestError = failing
    .filter((s) => s.errorText !== undefined)
    .sort((a, b) => (b.errorAtMs ?? 0) - (a.errorAtMs ?? 0))[0]?.errorText;
  const ages = failing.map((s) => s.syncAgeS).filter((a): a is number => a !== undefined);

  const total = Math.max(clusterNodes, nodes.length);
  const many = Math.max(3, Math.ceil(total * 0.1));
  const several = Math.min(3, total);
  const critical = failingNow.length >= many || staleNodes.length >= several;

  const facts: ProxySyncFailingFacts = {
    nodes,
    staleNodes,
    failingNowNodes: failingNow,
    failures,
    firstFailureMs,
    clusterNodes,
    sources: uniqueSorted(failing.flatMap((s) => [...s.sources])),
    xtablesLock: failing.some((s) => s.errorText?.includes('xtables lock')),
  };
  if (ages.length) facts.lastSuccessfulSyncAgeSeconds = Math.max(...ages);
  if (newestError !== undefined) {
    facts.errorText = newestError;
    const line = failedLine(newestError);
    if (line !== undefined) facts.failedLine = line;
  }
  const stale = staleNodes.length ? `; ${staleNodes.length} not synced for over ${staleSyncS} s` : '';
  return {
    detector,
    kind: 'proxy-sync-failing',
    subject: 'cluster',
    severity: critical ? 'critical' : 'warning',
    sinceMs: firstFailureMs,
    summary:
      `kube-proxy rule syncs failing on ${nodes.length} node(s) since ${clock(firstFailureMs)} ` +
      `(${failures} iptables-restore failures${stale})${newestError ? `: ${newestError.split('\n')[0]}` : ''}`,
    scope: { nodes, namespaces: ['kube-system'] },
    facts,
    evidence: failing.slice(0, 10).flatMap((s) => s.evidence.slice(0, 2)),
  };
}
