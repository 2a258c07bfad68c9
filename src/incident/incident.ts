/**
 * An incident: one per root cause, never one per object. It carries the current top
 * hypothesis and its runner-up, its status in the status-page convention (Investigating →
 * Identified → Monitoring → Resolved), and a timeline of every signal that joined it,
 * every change of hypothesis or status, and every action and note.
 */
import type { Severity } from '../detect/signal.ts';
import type { Hypothesis } from '../diagnose/hypothesis.ts';
import type { DegradedPeriod } from './degraded.ts';

export type IncidentStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved';

export type TimelineKind = 'opened' | 'signal' | 'hypothesis' | 'status' | 'change' | 'action' | 'note';

/** One line of the incident's record. Entries are only ever appended, never edited. */
export interface TimelineEntry {
  atMs: number;
  kind: TimelineKind;
  text: string;
  /** Who wrote a note or took an action (`kubetriage` for what it did itself). */
  author?: string;
  /**
   * The name of the API token the entry was written with: `author` is what the client
   * claimed, `via` which credential really wrote it. Absent for unnamed tokens.
   */
  via?: string;
}

/**
 * A public status-page update (Investigating, Identified, Monitoring, Resolved): posted
 * automatically from the lifecycle, or by hand. Written for customers, so it never
 * quotes the internal evidence.
 */
export interface StatusUpdate {
  atMs: number;
  status: IncidentStatus;
  message: string;
  /** `kubetriage` for automatic updates, the operator's name otherwise. */
  author: string;
  /** The named API token that posted it (TimelineEntry.via). */
  via?: string;
  /**
   * Status-page component states the operator set with this update (component name →
   * Statuspage state). The operator's word replaces kubetriage's own estimate for those
   * components, for this incident, until a later update says otherwise.
   */
  components?: Record<string, string>;
}

export interface Incident {
  id: string;
  /** Which part of the cluster the root cause lives in; hypotheses of one family share an incident. */
  family: string;
  status: IncidentStatus;
  severity: Severity;
  /** When its root cause was first diagnosed (the incident opens once it has held). */
  detectedAtMs?: number;
  openedAtMs: number;
  updatedAtMs: number;
  resolvedAtMs?: number;
  top: Hypothesis;
  runnerUp?: Hypothesis;
  /**
   * The root cause as best established: the most confident top hypothesis seen (the latest
   * of its pattern at that confidence). While an outage winds down the top hypothesis can
   * shrink to a look-alike (one node left NotReady during a staggered restart reads as a
   * single-node failure); the postmortem and status page name this one.
   */
  rootCause?: Hypothesis;
  /** When each pattern first became the top hypothesis. */
  topSince: Record<string, number>;
  timeline: TimelineEntry[];
  /** Public status-page updates, oldest first; append-only like the timeline. */
  updates: StatusUpdate[];
  /** Signal keys already on the timeline. */
  signals: string[];
  /**
   * The periods its trouble was on, as the rounds saw it (degraded.ts), oldest first; the
   * last has no end while it goes on. Absent in records written before it was kept.
   */
  degraded?: DegradedPeriod[];
}

/**
 * Patterns whose root causes live in the same place end up in one incident: the family is
 * on each pattern of the catalogue and travels on its hypothesis. Records written before
 * that carry none; they keep the grouping they were written with.
 */
export function familyOf(h: Pick<Hypothesis, 'pattern' | 'family'>): string {
  if (h.family) return h.family;
  const pattern = h.pattern;
  if (pattern.startsWith('control-plane')) return 'control-plane';
  if (['service-routing', 'service-proxy-sync-failure', 'cluster-dns'].includes(pattern))
    return 'service-networking';
  if (['node-network', 'kubelet-failure', 'node-scheduled-job'].includes(pattern)) return 'nodes';
  return pattern;
}

/**
 * Families that only hold a place until the cause is named: "cause not identified", and a
 * change-induced regression whose mechanism is unknown. A named cause adopts such an open
 * incident instead of opening a second one for the same trouble.
 */
export const provisionalFamilies: ReadonlySet<string> = new Set(['unknown', 'change']);

const rank: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
export const worse = (a: Severity, b: Severity): Severity => (rank[a] >= rank[b] ? a : b);

/** What the record names as the root cause (the best-established hypothesis). */
export const rootCauseOf = (i: Incident): Hypothesis => i.rootCause ?? i.top;
