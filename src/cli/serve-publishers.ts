/**
 * The publishers `serve` runs beside the desk: the notifiers from `--notify` specs and the
 * Prometheus metrics, wired as desk listeners. Bad `--notify` specs are usage errors that
 * show the right form. They exist before the incident record does (the metrics count the
 * feed from its start), so the record is handed over later with `readOpenIncidentsFrom`, and
 * `startedActing`/`stoppedActing` follow this process's terms of acting: from the restore
 * without leader election, else each time it becomes and stops being the leader.
 */
import type { Incident } from '../incident/incident.ts';
import type { ClusterView } from '../observe/cluster-view.ts';
import { KubetriageMetrics } from '../publish/metrics.ts';
import { Notifier } from '../publish/notify/notifier.ts';
import { NotifyTargetError, parseNotifyTarget } from '../publish/notify/targets.ts';
import type { DeskListener } from '../server/desk.ts';
import { realClock } from '../time/clock.ts';
import { withinWallTime } from '../time/wall-grace.ts';
import { usageError } from './errors.ts';

export interface Publishers {
  listeners: DeskListener[];
  metrics: KubetriageMetrics;
  notifier: Notifier;
  /** After each round: incidents, source freshness and notification counts into the metrics. */
  onRound(view: ClusterView, nowMs: number, incidents: readonly Incident[]): void;
  /** Where Alertmanager re-posts read the open incidents from (`tracker.open()`). */
  readOpenIncidentsFrom(openIncidents: () => readonly Incident[]): void;
  /** This process acts from now on, its record restored: re-post what is open, count from `nowMs`. */
  startedActing(nowMs: number): void;
  /** This replica lost the lead: no more re-posts, and its gauges stop showing the last term. */
  stoppedActing(): void;
  close(): Promise<void>;
}

export function publishers(o: {
  cluster: string;
  targets: readonly string[];
  publicUrl?: string;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}): Publishers {
  const targets = o.targets.map((spec) => {
    try {
      return parseNotifyTarget(spec);
    } catch (err) {
      if (err instanceof NotifyTargetError)
        throw usageError(err.message, 'e.g. --notify slack=https://hooks.slack.com/services/…');
      throw err;
    }
  });
  const metrics = new KubetriageMetrics();
  let openIncidents: () => readonly Incident[] = () => [];
  let acting = false;
  const notifier = new Notifier({
    // Real time even in a replay: sending is real network I/O, and its timeouts, retries
    // and rate limits must be paced by the wall clock, not by virtual time racing ahead.
    clock: realClock,
    targets,
    cluster: o.cluster,
    publicUrl: o.publicUrl,
    openIncidents: () => openIncidents(),
    acting: () => acting,
    log: (msg, fields) => o.log?.(msg, fields as Record<string, unknown>),
  });
  const listeners: DeskListener[] = [{ notify: (c) => notifier.notify(c) }];
  return {
    listeners,
    metrics,
    notifier,
    onRound: (view, nowMs, incidents) => {
      // Sources count as stale after 2 min without news, as in `kubetriage status`.
      metrics.recordRound({ nowMs, incidents, sources: view.freshness(nowMs, 120_000) });
      const s = notifier.stats();
      for (const kind of Object.keys(s.sent) as (keyof typeof s.sent)[])
        metrics.notifierStats(kind, { sent: s.sent[kind], failed: s.failed[kind] });
    },
    readOpenIncidentsFrom: (open) => {
      openIncidents = open;
    },
    startedActing: (nowMs) => {
      acting = true;
      metrics.startedActing(nowMs);
      notifier.repost();
    },
    stoppedActing: () => {
      acting = false;
      metrics.stoppedActing();
    },
    close: async () => {
      // What is queued gets a few seconds of wall time; a retry waiting on a replay's
      // virtual clock, which stopped with the replay, would otherwise never let serve exit.
      await withinWallTime(notifier.flush(), 5_000);
      notifier.close();
    },
  };
}
