/**
 * How the live feed tells someone (the Prometheus metrics, a test) about its own health:
 * reflector restarts and relists, and how long each probe took. Optional and one-way:
 * the feed works the same without it, and a listener that throws is ignored, because a
 * broken counter must never stop the reflectors or the probes it counts.
 */
import type { WatchedResource } from './observations.ts';

/**
 * Why a reflector listed: its first sync, or a 410 Expired (the watch's or a continue
 * token's resourceVersion fell out of etcd's history). No other path drops the
 * resourceVersion, so there are no other reasons.
 */
export type RelistReason = 'initial' | 'expired';

export interface FeedStats {
  /**
   * The list/watch loop failed and starts over (after a backoff, or at once on a first
   * 410). `reason` is the API Status reason or network error code (`Expired`,
   * `TooManyRequests`, `WatchSilent`, `ECONNRESET`, …). A watch the server ended on its
   * timeout is routine, not a restart.
   */
  reflectorRestarted?(resource: WatchedResource, reason: string): void;
  /** A full list completed (paging included). */
  reflectorRelisted?(resource: WatchedResource, reason: RelistReason): void;
  /**
   * One probe answered or failed, after `seconds` (the request's own latency on the feed's
   * clock). `probe` is the check (`livez`, `readyz`, `version`) or the source kind
   * (`kube-proxy`, `ingress-nginx`, `logs`), never a node or pod name, so that it stays a
   * small, bounded label.
   */
  probeObserved?(probe: string, seconds: number, ok: boolean): void;
}

/** Calls a listener, swallowing whatever it throws (see the module comment). */
export function tell(fn: () => void): void {
  try {
    fn();
  } catch {
    // A listener's failure is its own; the feed goes on.
  }
}
