/**
 * An incident: one per root cause, never one per object. It carries the current top
 * hypothesis and its runner-up, its status in the status-page convention (Investigating →
 * Identified → Monitoring → Resolved), and a timeline of every signal that joined it,
 * every change of hypothesis or status, and every action and note.
 */
import type { Severity } from '../detect/signal.ts';
import type { Hypothesis } from '../diagnose/hypothesis.ts';

export type IncidentStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved';

export interface TimelineEntry {
  atMs: number;
  kind: 'opened' | 'signal' | 'hypothesis' | 'status' | 'action' | 'note';
  text: string;
}

export interface Incident {
  id: string;
  /** Which part of the cluster the root cause lives in; hypotheses of one family share an incident. */
  family: string;
  status: IncidentStatus;
  severity: Severity;
  openedAtMs: number;
  updatedAtMs: number;
  resolvedAtMs?: number;
  top: Hypothesis;
  runnerUp?: Hypothesis;
  /** When each pattern first became the top hypothesis. */
  topSince: Record<string, number>;
  timeline: TimelineEntry[];
  /** Signal keys already on the timeline. */
  signals: string[];
}

/** Patterns whose root causes live in the same place end up in one incident. */
export function familyOf(pattern: string): string {
  if (pattern.startsWith('control-plane')) return 'control-plane';
  if (['service-routing', 'service-proxy-sync-failure', 'cluster-dns'].includes(pattern))
    return 'service-networking';
  if (
    ['node-network', 'node-dns', 'kubelet-failure', 'node-scheduled-job', 'node-lifecycle'].includes(pattern)
  )
    return 'nodes';
  return pattern;
}

const rank: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
export const worse = (a: Severity, b: Severity): Severity => (rank[a] >= rank[b] ? a : b);
