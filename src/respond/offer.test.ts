import { describe, expect, it } from 'vitest';
import { checkApproved, planDigest } from './offer.ts';
import { numbered, type RunbookPlan } from './plan.ts';
import { RunbookRefusedError } from './step-events.ts';

const plan = (targets: string[], detail = 'replace it'): RunbookPlan => ({
  runbook: 'restart-nodes',
  title: `Restart ${targets.length} nodes`,
  command: `kubetriage remediate restart-nodes --nodes ${targets.join(',')}`,
  targets,
  steps: numbered(targets.map((t) => ({ action: 'restart', target: `node/${t}`, detail }))),
  warnings: [],
});

describe('plan digests', () => {
  it('name what is done to what, not the details that move every round', () => {
    expect(planDigest(plan(['a', 'b']))).toBe(planDigest(plan(['a', 'b'], '3 pods to evict')));
    expect(planDigest(plan(['a', 'b']))).not.toBe(planDigest(plan(['a', 'b', 'c'])));
  });

  it('let apply go on with the approved plan and refuse another', () => {
    const approved = planDigest(plan(['a', 'b']));
    expect(() => checkApproved(plan(['a', 'b']), approved)).not.toThrow();
    expect(() => checkApproved(plan(['a', 'b', 'c']), approved)).toThrow(RunbookRefusedError);
    expect(() => checkApproved(plan(['a', 'b', 'c']), undefined)).not.toThrow();
  });
});
