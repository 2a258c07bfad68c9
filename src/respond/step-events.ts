/**
 * What a runbook's apply tells its caller as it goes: one event per step started, done,
 * waiting (and on what), or stopped. The CLI prints them and records them on the incident
 * timeline; tests assert on them. The caller's handler is awaited, so a slow recorder
 * holds the run rather than falling behind it.
 */
import type { RunbookPlan } from './plan.ts';

export type StepStatus = 'started' | 'done' | 'waiting' | 'warning' | 'stopped';

export interface StepEvent {
  /** The plan step's number (0 when the step is not in the plan, e.g. a resumed node). */
  n: number;
  action: string;
  target: string;
  status: StepStatus;
  detail: string;
  atMs: number;
}

export type StepHandler = (e: StepEvent) => void | Promise<void>;

/** A run stopped on purpose (regression, a budget that would not yield, a node that did not return). */
export class RunbookStoppedError extends Error {
  readonly step: string;
  constructor(step: string, message: string) {
    super(message);
    this.name = 'RunbookStoppedError';
    this.step = step;
  }
}

/** Refused to start: the plan's refusal, and --force was not given. */
export class RunbookRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunbookRefusedError';
  }
}

/**
 * Stops a run between steps once its caller has aborted it, with the caller's reason (a
 * crash-like stop in tests, a cancel from the dashboard): nothing further is touched.
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
}

/** Numbers an event from the plan's steps: the first not yet reported with that action and target. */
export function stepNumberer(plan: RunbookPlan): (action: string, target: string) => number {
  return (action, target) => plan.steps.find((s) => s.action === action && s.target === target)?.n ?? 0;
}
