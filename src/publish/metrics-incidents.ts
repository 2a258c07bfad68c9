/**
 * Incident metrics, from the tracker's incident list once per round: how many are open
 * (a gauge, the state now), how many were opened (a counter), and how long detection and
 * identification took (histograms, one observation per incident, never one per round).
 *
 * Only what happens while this process acts is counted: an incident opened (or identified)
 * before the first recorded round, or before this replica's current term as leader, was
 * restored from the store, and whoever acted then counted it. Counters restart at zero with
 * the process anyway; Prometheus' rate() and increase() handle that reset, but not a double
 * count.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Incident } from '../incident/incident.ts';
import { detectionBuckets } from './metrics-buckets.ts';

/** What the metrics remember of one incident: its onset, and what has been observed. */
interface Seen {
  onsetMs: number;
  identified: boolean;
}

type OpenLabels = { pattern: string; severity: string; family: string };

/** The status entry the tracker writes on a move to Identified: `investigating → identified at …`. */
const toIdentified = /^\S+ → identified\b/;

/** When the incident first moved to Identified, from its timeline. */
export function identifiedAtMs(i: Incident): number | undefined {
  return i.timeline.find((e) => e.kind === 'status' && toIdentified.test(e.text))?.atMs;
}

export class IncidentMetrics {
  private readonly open: Gauge<keyof OpenLabels>;
  private readonly opened: Counter<'pattern' | 'family'>;
  private readonly detect: Histogram<'pattern'>;
  private readonly identify: Histogram<'pattern'>;
  /**
   * Every incident ever seen, by id. Not pruned: a resolved incident can reopen under its
   * own id and must not count twice. Incidents are rare (a few a day at worst) and the
   * tracker keeps them all anyway, so this stays small.
   */
  private readonly seen = new Map<string, Seen>();
  /** Every label set the open gauge has shown; those with no incident now read 0. */
  private readonly openLabels = new Map<string, OpenLabels>();
  private countFromMs: number | undefined;

  constructor(registry: Registry, countFromMs?: number) {
    this.countFromMs = countFromMs;
    const registers = [registry];
    this.open = new Gauge({
      name: 'kubetriage_incidents_open',
      help: 'Incidents not yet resolved, by top hypothesis pattern, severity and family.',
      labelNames: ['pattern', 'severity', 'family'],
      registers,
    });
    // Counters end in _total (Prometheus naming conventions); the label is the pattern the
    // incident opened with, which is what the detection time below measured.
    this.opened = new Counter({
      name: 'kubetriage_incidents_total',
      help: 'Incidents opened, by the top hypothesis pattern they opened with.',
      labelNames: ['pattern', 'family'],
      registers,
    });
    // Durations are in seconds, the base unit, with the unit as the suffix (Prometheus
    // naming conventions), whatever the range: Grafana shows hours from seconds fine.
    this.detect = new Histogram({
      name: 'kubetriage_time_to_detect_seconds',
      help: "Seconds from a failure's onset (as its signals date it) to its incident opening.",
      labelNames: ['pattern'],
      buckets: [...detectionBuckets],
      registers,
    });
    this.identify = new Histogram({
      name: 'kubetriage_time_to_identify_seconds',
      help: "Seconds from a failure's onset to its incident first moving to Identified.",
      labelNames: ['pattern'],
      buckets: [...detectionBuckets],
      registers,
    });
  }

  /** A term as leader starts: what opened before it was counted by the replica that led then. */
  countFrom(nowMs: number): void {
    this.countFromMs = nowMs;
  }

  /**
   * No longer acting: rounds stop, so the open gauge reads 0 rather than freeze at the last
   * term's numbers (the leader reports them now; summed over replicas they stay right).
   */
  clearOpen(): void {
    for (const labels of this.openLabels.values()) this.open.set(labels, 0);
  }

  /** One round: the tracker's incidents (all of them, resolved too) as of `nowMs`. */
  record(nowMs: number, incidents: readonly Incident[]): void {
    this.countFromMs ??= nowMs;
    const countFrom = this.countFromMs;
    const counts = new Map<string, number>();
    for (const i of incidents) {
      this.observe(i, countFrom);
      if (i.status === 'resolved') continue;
      const labels = { pattern: i.top.pattern, severity: i.severity, family: i.family };
      const key = `${labels.pattern}\u0000${labels.severity}\u0000${labels.family}`;
      this.openLabels.set(key, labels);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    // Label sets that went away read 0 rather than vanish: sum() and graphs then show a
    // clean drop to zero instead of a gap, and their number stays small (patterns ×
    // severities).
    for (const [key, labels] of this.openLabels) this.open.set(labels, counts.get(key) ?? 0);
  }

  private observe(i: Incident, countFromMs: number): void {
    let s = this.seen.get(i.id);
    if (!s) {
      s = { onsetMs: i.top.sinceMs, identified: false };
      this.seen.set(i.id, s);
      if (i.openedAtMs >= countFromMs) {
        const pattern = i.top.pattern;
        this.opened.inc({ pattern, family: i.family });
        this.detect.observe({ pattern }, seconds(i.openedAtMs - s.onsetMs));
      }
    }
    if (s.identified) return;
    const at = identifiedAtMs(i);
    if (at === undefined) return;
    s.identified = true;
    // The top hypothesis now is the one that got it identified: rounds are recorded one by
    // one, and the tracker moves to Identified in the round its top becomes confident.
    if (at >= countFromMs) this.identify.observe({ pattern: i.top.pattern }, seconds(at - s.onsetMs));
  }
}

/** An onset estimate can land after the moment it is measured to; that is zero, not negative. */
function seconds(ms: number): number {
  return Math.max(0, ms) / 1000;
}
