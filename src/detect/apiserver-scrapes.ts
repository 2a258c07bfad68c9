/**
 * The API server's own /metrics scrapes, as the detectors that read them need them: grouped
 * per replica, oldest first. A load balancer hands each scrape to any replica and each
 * counts only what it served, so counters are compared only within one replica; the
 * replica is told by `process_start_time_seconds`, which also separates a restarted one.
 */
import type { ClusterView, MetricsScrape } from '../observe/cluster-view.ts';
import { type PromSample, parsePromText } from '../observe/prom-text.ts';

/** Live, scrapes are stamped by a clock that follows the API server's whole-second Date headers. */
const skewMs = 5_000;

const parsed = new WeakMap<object, { samples: PromSample[]; replica: string }>();

/** One scrape's samples and replica, parsed once for every detector that reads it. */
function parsedScrape(scrape: MetricsScrape): { samples: PromSample[]; replica: string } {
  let p = parsed.get(scrape);
  if (!p) {
    const samples = parsePromText(scrape.text).samples;
    const start = samples.find((s) => s.name === 'process_start_time_seconds');
    p = { samples, replica: start ? String(start.value) : '' };
    parsed.set(scrape, p);
  }
  return p;
}

/**
 * The kube-apiserver scrapes up to now, read by `countsOf` (which sees each scrape's samples
 * once per detector; cache the result per scrape), in one list per replica.
 */
export function scrapesByReplica<T>(
  view: ClusterView,
  nowMs: number,
  countsOf: (scrape: MetricsScrape, samples: readonly PromSample[]) => T,
): { atMs: number; c: T }[][] {
  const byReplica = new Map<string, { atMs: number; c: T }[]>();
  for (const m of apiServerScrapes(view)) {
    if (m.atMs > nowMs + skewMs) continue;
    const { samples, replica } = parsedScrape(m);
    const list = byReplica.get(replica) ?? [];
    list.push({ atMs: m.atMs, c: countsOf(m, samples) });
    byReplica.set(replica, list);
  }
  return [...byReplica.values()];
}

interface Seen {
  /** How many metrics entries the list has looked at. */
  pushed: number;
  /** The API server's scrapes among them, with where each was pushed. */
  list: { at: number; scrape: MetricsScrape }[];
}

const seen = new WeakMap<object, Seen>();

/**
 * The API server's scrapes the view still holds, oldest first. Every round reads them while
 * kube-proxy's scrapes of every node fill the same ring, so only entries new since the last
 * call are looked at, and those the ring has dropped are let go.
 */
function apiServerScrapes(view: ClusterView): MetricsScrape[] {
  const ring = view.metrics;
  let s = seen.get(ring);
  if (!s) {
    s = { pushed: 0, list: [] };
    seen.set(ring, s);
  }
  let at = Math.max(s.pushed, ring.dropped);
  for (const m of ring.since(s.pushed)) {
    if (m.component === 'kube-apiserver') s.list.push({ at, scrape: m });
    at++;
  }
  s.pushed = ring.pushed;
  const firstHeld = s.list.findIndex((x) => x.at >= ring.dropped);
  if (firstHeld !== 0) s.list = firstHeld < 0 ? [] : s.list.slice(firstHeld);
  return s.list.map((x) => x.scrape);
}

/** A counter's increase between two scrapes of one replica; a drop means it restarted. */
export const increase = (before: number, after: number): number => (after >= before ? after - before : after);
