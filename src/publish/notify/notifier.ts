/**
 * Tells people about incidents: Slack, generic JSON webhooks and Alertmanager. The pipeline
 * calls `notify()` with each incident change; it only files the change in each target's
 * queue and returns, so a slow or dead chat service can never hold up detection. Per target,
 * changes to one incident are grouped into one message with the latest state, repeats are
 * dropped, sends are rate-limited and retried with backoff (see channel.ts), and Alertmanager
 * alerts of the record's open incidents are kept alive while this process acts (see
 * alertmanager.ts).
 *
 * Shutdown: `await flush()` to send what is queued, then `close()`.
 */
import type { Incident } from '../../incident/incident.ts';
import type { IncidentChange } from '../../incident/tracker.ts';
import type { Clock } from '../../time/clock.ts';
import { Channel, type NotifyStats } from './channel.ts';
import type { RetryOptions } from './deliver.ts';
import { type NotifyKind, type NotifyTarget, notifyKinds } from './targets.ts';

export type { NotifyStats } from './channel.ts';

export interface NotifierOptions {
  clock: Clock;
  targets: readonly NotifyTarget[];
  /** The cluster's name, in every message and as the Alertmanager `cluster` label. */
  cluster: string;
  /** Where the kubetriage UI is reachable; messages then link to `{publicUrl}/incidents/{id}`. */
  publicUrl?: string;
  /**
   * The incidents open now, from the record (`tracker.open()`): Alertmanager re-posts are
   * built from these, so incidents restored after a restart or a takeover keep firing.
   */
  openIncidents: () => readonly Incident[];
  /** Whether this process acts now (no leader election, or leading). Re-posts happen only then; always by default. */
  acting?: () => boolean;
  /** Least time between two messages about one incident to one target (`opened`/resolved excepted). */
  minIntervalMs?: number;
  /** Messages per minute per target, as a burst that refills evenly. */
  maxPerMinute?: number;
  retry?: Partial<RetryOptions>;
  /** A request with no answer by then is abandoned and retried. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Jitter source for backoff; pass `seededRandom(…)` for repeatable tests. */
  random?: () => number;
  log?: (msg: string, fields?: object) => void;
}

const perKind = (): Record<NotifyKind, number> =>
  Object.fromEntries(notifyKinds.map((k) => [k, 0])) as Record<NotifyKind, number>;

export class Notifier {
  private readonly channels: Channel[];
  private readonly counters: NotifyStats = { sent: perKind(), failed: perKind(), dropped: 0 };
  private readonly closing = new AbortController();
  private readonly log: (msg: string, fields?: object) => void;

  constructor(o: NotifierOptions) {
    this.log = o.log ?? (() => {});
    const deps = {
      clock: o.clock,
      ctx: { cluster: o.cluster, publicUrl: o.publicUrl },
      minIntervalMs: o.minIntervalMs ?? 60_000,
      maxPerMinute: o.maxPerMinute ?? 20,
      retry: { attempts: 5, baseMs: 1_000, maxMs: 60_000, ...o.retry },
      timeoutMs: o.timeoutMs ?? 10_000,
      fetch: o.fetch ?? globalThis.fetch,
      random: o.random ?? Math.random,
      log: this.log,
      stats: this.counters,
      closed: this.closing.signal,
      openIncidents: o.openIncidents,
      acting: o.acting ?? (() => true),
    };
    this.channels = o.targets.map((t) => new Channel(t, deps));
  }

  /** Queues the change for every target and returns at once; never throws. */
  notify(change: IncidentChange): void {
    if (this.closing.signal.aborted) return;
    try {
      // The tracker edits incidents in place; a shallow copy keeps the state of this change
      // (status, severity, top hypothesis, resolvedAtMs) for the message that carries it.
      const incident = { ...change.incident };
      for (const c of this.channels) c.offer(incident, change.what);
    } catch (err) {
      this.log('notify: could not queue a change', { incident: change.incident?.id, error: String(err) });
    }
  }

  /**
   * Re-posts the open incidents to Alertmanager now rather than at the next tick: on a new
   * term, what the record holds must reach it before its resolve_timeout ends the alerts.
   */
  repost(): void {
    if (this.closing.signal.aborted) return;
    for (const c of this.channels) c.repost();
  }

  /** Resolves once every queued message has been sent or given up on. */
  async flush(): Promise<void> {
    await Promise.all(this.channels.map((c) => c.flush()));
  }

  /** Stops Alertmanager re-posts, retries and timers; requests in flight are aborted. */
  close(): void {
    this.closing.abort();
    for (const c of this.channels) c.close();
  }

  stats(): NotifyStats {
    const { sent, failed, dropped } = this.counters;
    return { sent: { ...sent }, failed: { ...failed }, dropped };
  }
}
