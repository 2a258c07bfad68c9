/**
 * kubetriage's own Prometheus metrics, for `/metrics`: open incidents, how fast they were
 * detected and identified, how fresh each source is, how the reflectors and probes fare,
 * and what the notifiers delivered. The pipeline calls `recordRound` after each round, the
 * live feed reports into the `FeedStats` methods, and the HTTP server serves
 * `metricsText()` with `contentType`. Under leader election `startedActing` and
 * `stoppedActing` mark each term, since only the leader runs rounds.
 *
 * Everything lives in its own Registry, never prom-client's global one, so that two
 * instances (tests, a replay beside a live watch) never share or clash over series.
 *
 * Names follow the Prometheus conventions (https://prometheus.io/docs/practices/naming/):
 * a `kubetriage_` prefix for the application, base units (seconds), the unit as a suffix,
 * `_total` on counters only. `promtool check metrics` runs over the exposition in the tests.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Incident } from '../incident/incident.ts';
import type { FeedStats, RelistReason } from '../kube/feed-stats.ts';
import type { SourceStatus } from '../observe/cluster-view.ts';
import { probeBuckets } from './metrics-buckets.ts';
import { IncidentMetrics } from './metrics-incidents.ts';
import { SourceMetrics } from './metrics-sources.ts';

export interface MetricsOptions {
  /**
   * prom-client's process and Node.js metrics (memory, CPU, event-loop lag, GC): worth
   * having for a process that watches a cluster for weeks. On by default.
   */
  processMetrics?: boolean;
  /**
   * Incidents opened or identified before this time are history (restored after a restart)
   * and not counted again; by default, the first recorded round's time. `startedActing()`
   * moves it to the start of each term.
   */
  countFromMs?: number;
}

export interface RoundInput {
  /** The round's time, on the pipeline's clock (virtual in a replay). */
  nowMs: number;
  /** Every incident the tracker knows, resolved ones too (`tracker.incidents()`). */
  incidents: readonly Incident[];
  /** `view.freshness(nowMs, …)`; left as it was when not given. */
  sources?: readonly SourceStatus[];
}

/**
 * prom-client's default metrics include three gauges named `…_total`, which the naming
 * conventions reserve for counters (promtool flags them). The same numbers are there by
 * type in `nodejs_active_handles` and `nodejs_active_resources`.
 */
const misnamedDefaults = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export class KubetriageMetrics implements FeedStats {
  readonly registry = new Registry();
  private readonly incidents: IncidentMetrics;
  private readonly sources: SourceMetrics;
  private readonly restarts: Counter<'resource'>;
  private readonly relists: Counter<'resource' | 'reason'>;
  private readonly probes: Histogram<'probe' | 'outcome'>;
  private readonly notifications: Counter<'target' | 'outcome'>;
  /** The last cumulative totals each notifier reported, to count only what is new. */
  private readonly notifierTotals = new Map<string, number>();

  constructor(o: MetricsOptions = {}) {
    const registers = [this.registry];
    if (o.processMetrics ?? true) {
      // Unprefixed on purpose: `process_*` and `nodejs_*` are the names every client
      // library and every stock dashboard use; the job label already says whose they are.
      collectDefaultMetrics({ register: this.registry });
      for (const name of misnamedDefaults) this.registry.removeSingleMetric(name);
    }
    this.incidents = new IncidentMetrics(this.registry, o.countFromMs);
    this.sources = new SourceMetrics(this.registry);
    this.restarts = new Counter({
      name: 'kubetriage_reflector_restarts_total',
      help: "Times a reflector's list-and-watch loop failed and started over, by resource.",
      labelNames: ['resource'],
      registers,
    });
    this.relists = new Counter({
      name: 'kubetriage_reflector_relists_total',
      help: 'Full lists a reflector completed, by resource and reason (initial sync, or 410 Expired).',
      labelNames: ['resource', 'reason'],
      registers,
    });
    this.probes = new Histogram({
      name: 'kubetriage_probe_duration_seconds',
      help: "Latency of kubetriage's own probes (API health checks, metrics scrapes, log reads), by outcome.",
      labelNames: ['probe', 'outcome'],
      buckets: [...probeBuckets],
      registers,
    });
    this.notifications = new Counter({
      name: 'kubetriage_notifications_total',
      help: 'Notifications by target and outcome (sent, failed, …).',
      labelNames: ['target', 'outcome'],
      registers,
    });
  }

  /** The Content-Type to serve `metricsText()` with (text exposition format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for a scrape. */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  /** After each pipeline round: incidents, and source freshness when given. */
  recordRound(r: RoundInput): void {
    this.incidents.record(r.nowMs, r.incidents);
    if (r.sources) this.sources.record(r.nowMs, r.sources);
  }

  /** A term as leader starts: incidents opened or identified before `nowMs` are not counted again. */
  startedActing(nowMs: number): void {
    this.incidents.countFrom(nowMs);
  }

  /** No longer leading: rounds stop, so the open-incident and source gauges must not freeze. */
  stoppedActing(): void {
    this.incidents.clearOpen();
    this.sources.clear();
  }

  reflectorRestarted(resource: string): void {
    this.restarts.inc({ resource });
  }

  reflectorRelisted(resource: string, reason: RelistReason): void {
    this.relists.inc({ resource, reason });
  }

  probeObserved(probe: string, seconds: number, ok: boolean): void {
    this.probes.observe({ probe, outcome: ok ? 'ok' : 'error' }, seconds);
  }

  /** Counts `count` notifications to `target` with this outcome. */
  notified(target: string, outcome: string, count = 1): void {
    if (count > 0) this.notifications.inc({ target, outcome }, count);
  }

  /**
   * Takes a notifier's cumulative `stats()` (outcome → count so far) and counts what is new
   * since the last call. A total that went down means the notifier started over: all of it
   * is new.
   */
  notifierStats(target: string, totals: Readonly<Record<string, number>>): void {
    for (const [outcome, total] of Object.entries(totals)) {
      const key = `${target}\u0000${outcome}`;
      const before = this.notifierTotals.get(key) ?? 0;
      this.notifierTotals.set(key, total);
      this.notified(target, outcome, total >= before ? total - before : total);
    }
  }
}
