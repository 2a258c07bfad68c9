/**
 * What one node-side check is and what it yields. A check looks once and says what it saw:
 * the problem (`True`) or health (`False`) with the reason and message fields of
 * docs/node-agent-report.md §2, or throws when it could not look (counted toward
 * `Unknown`). Debounce, transitions, heartbeats and events are the reporter's business,
 * so a check stays a small function of what it reads.
 */
import type { Field } from './logfmt.ts';
import type { AgentEvent } from './node-events.ts';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface CheckResult {
  status: 'True' | 'False';
  reason: string;
  /** The fixed summary for this reason (never parsed by detectors). */
  summary: string;
  /** logfmt fields; more than one group only for per-timer lists. `since` is added by the reporter. */
  groups: readonly (readonly Field[])[];
}

export interface CheckContext {
  /** When the check started (its time, per the contract), from the agent's clock. */
  startedMs: number;
  /** Aborted when the check's own timeout passes. */
  signal: AbortSignal;
}

export interface Check {
  /** The condition type it owns. */
  type: string;
  /**
   * Network checks follow the probe defaults (True after 3 consecutive failures); host
   * checks carry their thresholds inside and report what they conclude.
   */
  kind: 'network' | 'host';
  intervalMs: number;
  /** The whole check's limit; past it the check counts as not run. */
  timeoutMs: number;
  run(ctx: CheckContext): Promise<CheckResult>;
  /**
   * For a check that keeps its own `since` (host checks): the agent restarted while its
   * condition was `True`, with this first failure, so the streak carries on instead of
   * starting again at the restart.
   */
  resume?(sinceMs: number): void;
}

/**
 * A node-side watch with no condition of its own (docs/node-agent-report.md §3: facts that
 * have no hazard state to keep): it looks on its own timer and reports what happened as events.
 */
export interface EventWatch {
  name: string;
  intervalMs: number;
  timeoutMs: number;
  /** The events for what changed since the last look; `atMs` is when this look started. */
  run(atMs: number): Promise<AgentEvent[]>;
}

/** Thrown by a check that could not look; the message is the `error=` field. */
export class CheckNotRun extends Error {
  override name = 'CheckNotRun';
}

export function problem(reason: string, summary: string, ...groups: (readonly Field[])[]): CheckResult {
  return { status: 'True', reason, summary, groups };
}

export function healthy(reason: string, summary: string, ...groups: (readonly Field[])[]): CheckResult {
  return { status: 'False', reason, summary, groups };
}
