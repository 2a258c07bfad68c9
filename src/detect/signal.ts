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
import type { SignalFactsByKind, SignalKind } from './signal-kinds.ts';

export type { SignalFactsByKind, SignalKind } from './signal-kinds.ts';

export type Severity = 'info' | 'warning' | 'critical';

/** Where a piece of evidence came from, so a reader (or the dashboard) can open it. */
export type EvidenceSource = 'object' | 'transition' | 'event' | 'log' | 'metric' | 'probe' | 'agent';

/** The observation itself, as the cluster gave it, for a reader who wants the raw thing. */
export type RawEvidence =
  | { kind: 'field'; path: string; value: string }
  | { kind: 'event'; reason: string; message: string; count?: number; component?: string }
  | { kind: 'log'; container?: string; line: string }
  | { kind: 'metric'; name: string; labels?: Record<string, string>; value: number }
  | { kind: 'probe'; check: string; status?: number; latencyMs: number; error?: string }
  | { kind: 'transition'; field: string; from?: string; to?: string };

export interface Evidence {
  source: EvidenceSource;
  /** What it is about, kubectl-style: `node/aks-1`, `pod/kube-system/coredns-x`, `probe/livez`. */
  ref: string;
  /** When it was observed (or when the object says it happened). */
  atMs?: number;
  /** The fact in one line, quoting the cluster's own words where there are any. */
  text: string;
  raw?: RawEvidence;
}

/** What the symptom touches. Lists are sorted and de-duplicated. */
export interface Scope {
  nodes?: string[];
  namespaces?: string[];
  /** `namespace/name` of Services. */
  services?: string[];
  /** `namespace/Kind/name` of Deployments, DaemonSets… */
  workloads?: string[];
  /** Node pools (the `agentpool`/`eks.amazonaws.com/nodegroup`-style label values, kube/node-pools.ts) or image versions. */
  pools?: string[];
}

interface SignalBase {
  /** The detector that raised it (its file name without extension). */
  detector: string;
  /** The one thing it is about: `cluster`, `node/<n>`, `namespace/<ns>`, `service/<ns>/<n>`… */
  subject: string;
  severity: Severity;
  /** When the symptom began, as far as the view can tell. */
  sinceMs: number;
  /** One line for people. */
  summary: string;
  scope: Scope;
  evidence: Evidence[];
}

/** One kind of signal with its own facts (signal-kinds.ts is the contract). */
export type SignalOf<K extends SignalKind> = SignalBase & {
  /** What kind of symptom, stable for patterns to match on, e.g. `node-not-ready`. */
  kind: K;
  facts: SignalFactsByKind[K];
};

/** Any signal: a union discriminated by `kind`, so `facts` narrows with it. */
export type Signal = { [K in SignalKind]: SignalOf<K> }[SignalKind];

export type Detector = (view: ClusterView, nowMs: number) => Signal[];

/** Sorted unique values: scopes and fact lists are compared and printed, so keep them stable. */
export function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** The signals of one kind, typed. */
export function ofKind<K extends SignalKind>(signals: readonly Signal[], kind: K): SignalOf<K>[] {
  return signals.filter((s) => s.kind === kind) as unknown as SignalOf<K>[];
}
