/**
 * The API server's own /metrics scrapes, as the detectors that read them need them: grouped
 * per replica, oldest first. A load balancer hands each scrape to any replica and each
 * counts only what it served, so counters are compared only within one replica; the
 * replica is told by `process_start_time_seconds`, which also separates a restarted one.
 */
import type { ClusterView, MetricsScrape } from '../observe/cluster-view.ts';

/** Live, scrapes are stamped by a clock that follows the API server's whole-second Date headers. */
const skewMs = 5_000;

/** What a detector reads out of one scrape; `replica` is its process_start_time_seconds. */
export interface ReplicaCounts {
  replica: string;
}

/** The kube-apiserver scrapes up to now, parsed by `countsOf`, in one list per replica. */
export function scrapesByReplica<T extends ReplicaCounts>(
  view: ClusterView,
  nowMs: number,
  countsOf: (scrape: MetricsScrape) => T,
): { atMs: number; c: T }[][] {
  const byReplica = new Map<string, { atMs: number; c: T }[]>();
  for (const m of view.metrics.toArray()) {
    if (m.component !== 'kube-apiserver' || m.atMs > nowMs + skewMs) continue;
    const c = countsOf(m);
    const list = byReplica.get(c.replica) ?? [];
    list.push({ atMs: m.atMs, c });
    byReplica.set(c.replica, list);
  }
  return [...byReplica.values()];
}

/** A counter's increase between two scrapes of one replica; a drop means it restarted. */
export const increase = (before: number, after: number): number => (after >= before ? after - before : after);
