/**
 * Source freshness from the view's source status: how long since each source (a
 * reflector, a probe, a scrape, a log tail) last worked, and whether the view counts it
 * fresh. Absence of data is evidence, so a dark source must be visible from outside too.
 */
import { Gauge, type Registry } from 'prom-client';
import type { SourceStatus } from '../observe/cluster-view.ts';

export class SourceMetrics {
  private readonly lastSeen: Gauge<'source'>;
  private readonly fresh: Gauge<'source'>;
  private readonly forbidden: Gauge<'source'>;

  constructor(registry: Registry) {
    const registers = [registry];
    // An age rather than a Unix timestamp (which the Prometheus docs would prefer, for
    // `time() - x`): in a replay the clock is virtual, and an age against the round's own
    // `nowMs` means the same in both.
    this.lastSeen = new Gauge({
      name: 'kubetriage_source_last_seen_seconds',
      help: 'Seconds since the source last worked, at the latest round; absent if it never has.',
      labelNames: ['source'],
      registers,
    });
    this.fresh = new Gauge({
      name: 'kubetriage_source_fresh',
      help: '1 if the source delivered recently and is not failing, 0 if stale or never seen; absent if forbidden.',
      labelNames: ['source'],
      registers,
    });
    // Apart from freshness: a source the role does not grant (the opt-in proxy scrapes) is a
    // choice made at install, and must not fire KubetriageSourceStale on every default install.
    this.forbidden = new Gauge({
      name: 'kubetriage_source_forbidden',
      help: '1 if the source is refused with 403: kubetriage’s role does not grant it (see docs/deployment.md).',
      labelNames: ['source'],
      registers,
    });
  }

  record(nowMs: number, sources: readonly SourceStatus[]): void {
    // Sources come and go with the cluster (log tails of pods, kube-proxy on each node), so
    // each round replaces the set: a source no longer watched has no freshness to report.
    this.clear();
    for (const s of sources) {
      const labels = { source: s.source };
      if (s.state === 'forbidden') this.forbidden.set(labels, 1);
      else this.fresh.set(labels, s.state === 'fresh' ? 1 : 0);
      if (s.lastOkMs !== undefined) this.lastSeen.set(labels, Math.max(0, nowMs - s.lastOkMs) / 1000);
    }
  }

  /** No freshness to report: no round measures it (a replica that is not leading). */
  clear(): void {
    this.lastSeen.reset();
    this.fresh.reset();
    this.forbidden.reset();
  }
}
