/**
 * What a detector says: one typed symptom with where it is, since when, how bad, and the
 * observations behind it. Detectors are pure functions of the cluster view and "now"
 * (`(view, nowMs) => Signal[]`); failure patterns in `diagnose` read signals only, never
 * the view, so every conclusion can be traced back to evidence a person can check.
 *
 * Signals are statements about symptoms, never about causes: "3 nodes NotReady since
 * 15:02, all in pool agentpool", not "the network is broken". Naming the cause is the
 * patterns' job.
 */
import type { ClusterView } from '../observe/cluster-view.ts';

export type Severity = 'info' | 'warning' | 'critical';

/** Where a piece of evidence came from, so a reader (or the dashboard) can open it. */
export type EvidenceSource = 'object' | 'transition' | 'event' | 'log' | 'metric' | 'probe' | 'agent';

export interface Evidence {
  source: EvidenceSource;
  /** What it is about, kubectl-style: `node/aks-1`, `pod/kube-system/coredns-x`, `probe/livez`. */
  ref: string;
  /** When it was observed (or when the object says it happened). */
  atMs?: number;
  /** The fact in one line, quoting the cluster's own words where there are any. */
  text: string;
}

/** What the symptom touches. Lists are sorted and de-duplicated. */
export interface Scope {
  nodes?: string[];
  namespaces?: string[];
  /** `namespace/name` of Services. */
  services?: string[];
  /** `namespace/Kind/name` of Deployments, DaemonSets… */
  workloads?: string[];
  /** Node pools (the `agentpool`/`kubetriage.io/pool`-style label values) or image versions. */
  pools?: string[];
}

export interface Signal {
  /** The detector that raised it (its file name without extension). */
  detector: string;
  /** What kind of symptom, stable for patterns to match on, e.g. `node-not-ready`. */
  kind: string;
  /** The one thing it is about: `cluster`, `node/<n>`, `namespace/<ns>`, `service/<ns>/<n>`… */
  subject: string;
  severity: Severity;
  /** When the symptom began, as far as the view can tell. */
  sinceMs: number;
  /** One line for people. */
  summary: string;
  scope: Scope;
  /** Machine-readable facts for patterns (counts, reasons, versions); documented per detector. */
  facts: Record<string, string | number | boolean | string[]>;
  evidence: Evidence[];
}

export type Detector = (view: ClusterView, nowMs: number) => Signal[];

/** Sorted unique values: scopes and fact lists are compared and printed, so keep them stable. */
export function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}
