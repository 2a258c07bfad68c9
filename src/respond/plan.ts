/**
 * What a runbook will do, before it does it: the contract between a runbook's pure
 * `plan()`, `--dry-run` (which prints exactly this), its `apply()` (which performs these
 * steps in order and reports each by number), the JSON API and the dashboard.
 */

export type RunbookName = 'restart-nodes' | 'node-fix' | 'bypass-service-host';

export type StepAction =
  | 'lock'
  | 'check'
  | 'cordon'
  | 'drain'
  | 'restart'
  | 'wait-ready'
  | 'wait-pods'
  | 'uncordon'
  | 'create'
  | 'verify'
  | 'delete'
  | 'patch'
  | 'revert'
  | 'unlock';

export interface PlanStep {
  n: number;
  /** lock|check|cordon|drain|restart|wait-ready|wait-pods|uncordon|create|verify|delete|patch|revert|unlock */
  action: string;
  /** The object the step acts on (`node/x`, `deployment/ns/name`, `lease/ns/name`, `cluster`). */
  target: string;
  detail: string;
}

export interface RunbookPlan {
  runbook: RunbookName;
  title: string;
  /** The exact `kubetriage remediate …` that applies it. */
  command: string;
  targets: string[];
  steps: PlanStep[];
  warnings: string[];
  /** Why apply would refuse to start without --force. */
  refusal?: string;
  /** Objects apply would create or patch, as they would be sent (the DaemonSet, the env patch). */
  manifests?: unknown[];
}

/** Numbers steps 1.. in order, so apply can report "step 7 of 40". */
export function numbered(steps: readonly Omit<PlanStep, 'n'>[]): PlanStep[] {
  return steps.map((s, i) => ({ n: i + 1, ...s }));
}

/** A shell word as the plan's command line shows it: quoted only when it has to be. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}
