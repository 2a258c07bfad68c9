/**
 * A runbook aimed at an incident: the options it would run with and the plan they give.
 * Serve offers these to the dashboard; approving one applies exactly those options, and
 * only while the plan still has the digest the approver saw.
 */
import { createHash } from 'node:crypto';
import type { BypassOptions } from './bypass-plan.ts';
import type { NodeFixOptions } from './node-fix-plan.ts';
import type { RunbookPlan } from './plan.ts';
import type { RestartNodesOptions } from './restart-nodes-plan.ts';
import { RunbookRefusedError } from './step-events.ts';

export type RunbookOffer =
  | { runbook: 'restart-nodes'; options: RestartNodesOptions; plan: RunbookPlan }
  | { runbook: 'node-fix'; options: NodeFixOptions; plan: RunbookPlan }
  | { runbook: 'bypass-service-host'; options: BypassOptions; plan: RunbookPlan };

/**
 * What an approval is of: the command, the targets and each step's action and target.
 * Step details (pod counts, budgets) are left out: they move with every round and are
 * re-checked by apply, while a new target or step is a different plan to approve.
 */
export function planDigest(plan: RunbookPlan): string {
  const what = {
    runbook: plan.runbook,
    command: plan.command,
    targets: plan.targets,
    steps: plan.steps.map((s) => [s.action, s.target]),
    refusal: plan.refusal ?? null,
  };
  return createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 16);
}

/**
 * Apply re-plans from a fresh read of the cluster; what it is about to do must be what was
 * approved (the plan printed at the prompt, or shown in the dashboard), else it refuses
 * before its first write.
 */
export function checkApproved(plan: RunbookPlan, approvedDigest: string | undefined): void {
  if (approvedDigest !== undefined && planDigest(plan) !== approvedDigest)
    throw new RunbookRefusedError(
      `the ${plan.runbook} plan changed between approval and apply (the cluster moved on); review the new plan and approve it again`,
    );
}
