/**
 * The shapes the dashboard reads from the JSON API, written out here rather than imported
 * from the server's sources: the web app depends on the API, never on server code.
 */

export type IncidentStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved';
export type Severity = 'info' | 'warning' | 'critical';

export interface Evidence {
  source: string;
  ref: string;
  atMs?: number;
  text: string;
}

export interface Scope {
  nodes?: string[];
  namespaces?: string[];
  services?: string[];
  workloads?: string[];
  pools?: string[];
}

export interface NextStep {
  say: string;
  command?: string;
}

export interface Hypothesis {
  pattern: string;
  title: string;
  statement: string;
  confidence: number;
  severity: Severity;
  clusterLevel: boolean;
  sinceMs: number;
  supporting: Evidence[];
  contradicting: Evidence[];
  ruledOut: { pattern: string; why: string; verdict?: 'ruled-out' | 'weaker' | 'not-checked' }[];
  blastRadius: Scope;
  nextSteps: NextStep[];
  runbooks: string[];
  prevention: string[];
  /** Changes the cluster showed before the onset, best fitting first. */
  changes?: { signal: string; atMs: number; text: string; scopeMatch: number; fleetWide: boolean }[];
  /** For "cause not identified": every pattern considered and why it fell short. */
  considered?: { pattern: string; confidence: number; shortBy: string }[];
  /** What data would decide, where a source was missing. */
  wouldDecide?: string[];
}

/** The public update kubetriage drafted for a person to publish (GET /api/incidents/ID/draft). */
export interface DraftUpdate {
  autoPublish: boolean;
  draft: { status: IncidentStatus; message: string; writtenAt: string } | null;
}

export interface TimelineEntry {
  atMs: number;
  kind: 'opened' | 'signal' | 'hypothesis' | 'status' | 'change' | 'action' | 'note';
  text: string;
  author?: string;
}

/** An operator action logged on no incident (`GET /api/actions`). */
export interface ActionRecord {
  id: number;
  atMs: number;
  author: string;
  text: string;
}

export interface StatusUpdate {
  atMs: number;
  status: IncidentStatus;
  message: string;
  author: string;
  /** Component states set by hand with this update. */
  components?: Record<string, string>;
}

export interface Incident {
  id: string;
  family: string;
  status: IncidentStatus;
  severity: Severity;
  detectedAtMs?: number;
  openedAtMs: number;
  updatedAtMs: number;
  resolvedAtMs?: number;
  top: Hypothesis;
  runnerUp?: Hypothesis;
  rootCause?: Hypothesis;
  timeline: TimelineEntry[];
  updates: StatusUpdate[];
}

export interface StatusReport {
  atMs: number;
  controlPlane: {
    reachable: boolean;
    checks: {
      check: string;
      ok: boolean;
      latencyMs: number;
      status?: number;
      error?: string;
      atMs: number;
    }[];
    version?: string;
  };
  nodes: {
    total: number;
    ready: number;
    notReady: number;
    unknown: number;
    unschedulable: number;
    problems: { name: string; ready: string; reason?: string; message?: string; sinceMs?: number }[];
  };
  kubeSystem: {
    pods: number;
    ready: number;
    /** `starting`: created within the start-up minute and never restarted; not held against the cluster. */
    problems: {
      key: string;
      node?: string;
      phase?: string;
      reason: string;
      restarts: number;
      starting?: boolean;
    }[];
  };
  workloads: { problems: { kind: string; key: string; desired: number; ready: number }[] };
  sources: {
    fresh: number;
    stale: { source: string; state: string; staleSinceMs?: number; lastError?: string; failures: number }[];
    /** Sources kubetriage's role may not read (the opt-in proxy scrapes): not dark, not granted. */
    forbidden: { source: string; lastError?: string }[];
    /** Kinds of source the cluster has nothing to serve (no kube-proxy where Cilium replaces it), with why. */
    notApplicable: { source: string; reason: string }[];
  };
  /** The cluster's own parts (control plane, nodes, kube-system, sources), workloads left out. */
  clusterHealthy: boolean;
  healthy: boolean;
}

export type NodeState = 'R' | 'N' | 'U' | 'C';

export interface NodeMap {
  atMs: number;
  total: number;
  counts: Record<NodeState, number>;
  groups: { pool: string; version: string; prefix: string; names: string[]; states: string }[];
}

export const seriesNames = [
  'notReadyNodes',
  'crashLoopPods',
  'proxySyncFailingNodes',
  'probeFailures',
  'http5xx',
] as const;
export type SeriesName = (typeof seriesNames)[number];

export interface SeriesJson {
  atMs: number[];
  series: Record<SeriesName, number[]>;
  roundsPerPoint: number;
}

export type ComponentState = 'operational' | 'degraded_performance' | 'partial_outage' | 'major_outage';

/** What a component shows on the public page: a state, or planned work underway. */
export type ShownState = ComponentState | 'under_maintenance';

export interface StatusPage {
  page: { name: string; updated_at: string };
  status: { indicator: string; description: string };
  components: { name: string; status: ShownState }[];
  incidents: { id: string; name: string; status: IncidentStatus }[];
  scheduled_maintenances: { id: string; name: string; status: MaintenanceStatus }[];
}

export type MaintenanceStatus = 'scheduled' | 'in_progress' | 'verifying' | 'completed';

/** GET /api/maintenances (src/incident/maintenance.ts). */
export interface Maintenance {
  id: string;
  name: string;
  status: MaintenanceStatus;
  scheduledForMs: number;
  scheduledUntilMs: number;
  components: string[];
  autoStart: boolean;
  autoComplete: boolean;
  createdAtMs: number;
  author: string;
  updates: { atMs: number; status: MaintenanceStatus; message: string; author: string; via?: string }[];
}

/** GET /api/subscribers: the endpoint as it may be shown (a webhook URL cut to its host). */
export interface SubscriberListing {
  id: string;
  kind: 'webhook' | 'email';
  endpoint: string;
  createdAtMs: number;
  author: string;
}

export interface PlanStep {
  n: number;
  action: string;
  target: string;
  detail: string;
}

export interface RunbookPlan {
  runbook: string;
  title: string;
  command: string;
  targets: string[];
  steps: PlanStep[];
  warnings: string[];
  refusal?: string;
  /** What an approval names: the plan as shown (GET …/runbooks adds it). */
  digest: string;
}

export interface StepEvent {
  n: number;
  action: string;
  target: string;
  status: 'started' | 'done' | 'waiting' | 'warning' | 'stopped';
  detail: string;
  atMs: number;
}

export interface RunbookRun {
  id: string;
  incident: string;
  runbook: string;
  title: string;
  command: string;
  digest: string;
  planSteps: number;
  author: string;
  state: 'running' | 'done' | 'stopped' | 'failed';
  startedAt: string;
  endedAt?: string;
  events: StepEvent[];
  error?: string;
}

export interface RunbooksAnswer {
  runbooks: RunbookPlan[];
  apply: { enabled: boolean; why?: string };
  runs: RunbookRun[];
}

export interface Health {
  ok: boolean;
  cluster: string;
  lastRound: string | null;
  source?: string;
}

export type ActionItemType = 'prevent' | 'mitigate' | 'detect' | 'process';

/** A postmortem action item as stored (GET /api/incidents/ID/action-items). */
export interface ActionItem {
  id: number;
  incidentId: string;
  text: string;
  type: ActionItemType;
  owner?: string;
  /** RFC 3339 full-date, e.g. 2024-03-31. */
  dueDate?: string;
  status: 'open' | 'done';
  createdAtMs: number;
  createdBy: string;
  createdVia?: string;
  updatedAtMs: number;
  updatedBy: string;
  updatedVia?: string;
}

export interface SuggestedActionItem {
  text: string;
  type: ActionItemType;
}

export interface ActionItemList {
  id: string;
  items: ActionItem[];
  suggestions: SuggestedActionItem[];
}
