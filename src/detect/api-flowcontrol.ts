/**
 * The API server turning requests away under load, as its own /metrics count it: API
 * Priority and Fairness rejects a request (HTTP 429) when its priority level's queues are
 * full (`apiserver_flowcontrol_rejected_requests_total{priority_level,flow_schema,reason}`,
 * `apiserver_flowcontrol_dispatched_requests_total`; k8s.io/apiserver/pkg/util/flowcontrol/
 * metrics), and `apiserver_request_total{code="429"}` says which verbs and resources were
 * refused. Each priority level has its own seats, so an overload shows as one level
 * rejecting while the others (system, node-high, leader-election) are served: which level
 * it is says whose requests crowd it (workload-low holds service accounts, global-default
 * ordinary users).
 *
 * Counters are compared per API server replica (apiserver-scrapes.ts).
 *
 * An API server overloaded past what it can hold (large LISTs outgrowing its memory) stops
 * answering altogether, scrapes included; what it counted before it went silent, and in the
 * moments it answers between restarts, is then the latest word on why. So while no scrape
 * has come for more than the window, the window ends at the last scrape instead of now, for
 * up to 30 minutes; and a pair of scrapes counts when its later one falls in the window
 * (counters only count what the server served, so a pair spanning its silence is sound).
 *
 * Emits `api-requests-rejected` (subject `priority-level/<name>`) per level that rejected
 * at least 20 requests in the last 5 minutes and at least 2 % of what it handled. Critical
 * when a quarter or more is rejected, or when a level the cluster's own components use
 * (system, node-high, leader-election) rejects.
 */
import type { ClusterView, MetricsScrape } from '../observe/cluster-view.ts';
import type { PromSample } from '../observe/prom-text.ts';
import { increase, scrapesByReplica } from './apiserver-scrapes.ts';
import type { Detector, Signal } from './signal.ts';
import { durationText } from './timestamps.ts';

const windowMs = 5 * 60_000;
const minRejected = 20;
const minShare = 0.02;
const criticalShare = 0.25;
/** How long the last answers of an API server gone silent stay the evidence. */
const silentHoldMs = 30 * 60_000;
/** The levels the control plane and kubelets use (the default APF configuration). */
const clusterLevels = new Set(['system', 'node-high', 'leader-election']);

interface LevelCounts {
  rejected: number;
  dispatched: number;
  /** Rejections by flow schema. */
  flowSchemas: Map<string, number>;
}

interface ScrapeCounts {
  levels: Map<string, LevelCounts>;
  /** `verb resource` → 429 answers. */
  refused: Map<string, number>;
}

const parsed = new WeakMap<object, ScrapeCounts>();

function countsOf(scrape: MetricsScrape, samples: readonly PromSample[]): ScrapeCounts {
  const cached = parsed.get(scrape);
  if (cached) return cached;
  const levels = new Map<string, LevelCounts>();
  const refused = new Map<string, number>();
  const level = (name: string): LevelCounts => {
    let l = levels.get(name);
    if (!l) {
      l = { rejected: 0, dispatched: 0, flowSchemas: new Map() };
      levels.set(name, l);
    }
    return l;
  };
  for (const s of samples) {
    if (s.name === 'apiserver_flowcontrol_rejected_requests_total') {
      const l = level(s.labels.priority_level ?? '');
      l.rejected += s.value;
      const fs = s.labels.flow_schema ?? '';
      l.flowSchemas.set(fs, (l.flowSchemas.get(fs) ?? 0) + s.value);
    } else if (s.name === 'apiserver_flowcontrol_dispatched_requests_total')
      level(s.labels.priority_level ?? '').dispatched += s.value;
    else if (s.name === 'apiserver_request_total' && s.labels.code === '429') {
      const key = `${s.labels.verb ?? ''} ${s.labels.group ? `${s.labels.resource}.${s.labels.group}` : (s.labels.resource ?? '')}`;
      refused.set(key, (refused.get(key) ?? 0) + s.value);
    }
  }
  const out = { levels, refused };
  parsed.set(scrape, out);
  return out;
}

function addTo(m: Map<string, number>, key: string, n: number): void {
  if (n > 0) m.set(key, (m.get(key) ?? 0) + n);
}

/** `key=count`, most first. */
const ranked = (m: Map<string, number>, limit: number): string[] =>
  [...m]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([k, n]) => `${k}=${n}`);

export const apiFlowControl: Detector = (view: ClusterView, nowMs: number): Signal[] => {
  const levels = new Map<
    string,
    { rejected: number; dispatched: number; flowSchemas: Map<string, number>; fromMs: number }
  >();
  const refused = new Map<string, number>();
  const runStart = new Map<string, number>();
  let spanMs = 0;
  const replicas = scrapesByReplica(view, nowMs, countsOf);
  // The window ends now, or at the last scrape when the API server has been silent since.
  const lastMs = Math.max(...replicas.map((r) => r.at(-1)?.atMs ?? Number.NEGATIVE_INFINITY));
  const silent = nowMs - lastMs > windowMs && nowMs - lastMs <= silentHoldMs;
  const windowStart = (silent ? lastMs : nowMs) - windowMs;
  for (const scrapes of replicas) {
    // The span the counted pairs cover, from the first one's start to the last one's end.
    let spanFrom = Number.POSITIVE_INFINITY;
    let spanTo = Number.NEGATIVE_INFINITY;
    for (let i = 1; i < scrapes.length; i++) {
      const fromMs = scrapes[i - 1]!.atMs;
      const prev = scrapes[i - 1]!.c;
      const cur = scrapes[i]!.c;
      const recent = scrapes[i]!.atMs > windowStart;
      if (recent) {
        spanFrom = Math.min(spanFrom, fromMs);
        spanTo = Math.max(spanTo, scrapes[i]!.atMs);
      }
      for (const [name, after] of cur.levels) {
        const before = prev.levels.get(name);
        const rejected = increase(before?.rejected ?? 0, after.rejected);
        const dispatched = increase(before?.dispatched ?? 0, after.dispatched);
        // The run of rejections this level is in, as far back as the scrapes kept reach.
        if (rejected > 0) runStart.set(name, runStart.get(name) ?? fromMs);
        else if (dispatched > 0) runStart.delete(name);
        if (!recent) continue;
        const t = levels.get(name) ?? { rejected: 0, dispatched: 0, flowSchemas: new Map(), fromMs };
        t.rejected += rejected;
        t.dispatched += dispatched;
        for (const [fs, n] of after.flowSchemas)
          addTo(t.flowSchemas, fs, increase(before?.flowSchemas.get(fs) ?? 0, n));
        levels.set(name, t);
      }
      if (recent)
        for (const [key, n] of cur.refused) addTo(refused, key, increase(prev.refused.get(key) ?? 0, n));
    }
    if (spanTo > spanFrom) spanMs = Math.max(spanMs, spanTo - spanFrom);
  }
  const out: Signal[] = [];
  const window = durationText(spanMs);
  for (const [name, t] of levels) {
    const handled = t.rejected + t.dispatched;
    if (t.rejected < minRejected || handled === 0 || t.rejected / handled < minShare) continue;
    const share = t.rejected / handled;
    const ofCluster = clusterLevels.has(name);
    const served = [...levels]
      .filter(([n, x]) => n !== name && x.dispatched > 0 && x.rejected === 0)
      .map(([n]) => n);
    out.push({
      detector: 'api-flowcontrol',
      kind: 'api-requests-rejected',
      subject: `priority-level/${name}`,
      severity: share >= criticalShare || ofCluster ? 'critical' : 'warning',
      sinceMs: runStart.get(name) ?? t.fromMs,
      summary: `API Priority and Fairness rejected ${t.rejected} of ${handled} request(s) (${Math.round(share * 100)} %) at priority level ${name} in the last ${window} (429, queues full); see kubectl get --raw /metrics | grep apiserver_flowcontrol_rejected_requests_total`,
      scope: {},
      facts: {
        priorityLevel: name,
        flowSchemas: ranked(t.flowSchemas, 5),
        rejected: t.rejected,
        dispatched: t.dispatched,
        rejectedShare: Math.round(share * 1000) / 1000,
        clusterLevel: ofCluster,
        servedLevels: served.sort(),
        refusedRequests: ranked(refused, 5),
        windowSeconds: Math.round(spanMs / 1000),
      },
      evidence: [
        {
          source: 'metric',
          ref: `metric/apiserver_flowcontrol_rejected_requests_total{priority_level="${name}"}`,
          atMs: nowMs,
          text: `${t.rejected} rejected, ${t.dispatched} dispatched in ${window}; by flow schema: ${ranked(t.flowSchemas, 5).join(' ')}; 429 answers: ${ranked(refused, 5).join(' ')}`,
        },
      ],
    });
  }
  return out.sort((a, b) => a.subject.localeCompare(b.subject));
};
