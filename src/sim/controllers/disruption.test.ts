import { describe, expect, it } from 'vitest';
import type { LabelSelectorSpec } from '../api/selector-spec.ts';
import { pdbStatus } from './disruption.ts';

const now = Date.parse('2026-01-01T00:00:00Z');

function pod(name: string, labels: Record<string, string>, ready = true) {
  return {
    metadata: { name, namespace: 'shop', labels },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

// The disruption controller hands pdbStatus the pods of the budget's namespace.
const pods = [pod('web-1', { app: 'web' }), pod('web-2', { app: 'web' }), pod('db-1', { app: 'db' }, false)];

function status(selector: LabelSelectorSpec | null | undefined) {
  const pdb: Parameters<typeof pdbStatus>[0] = {
    metadata: { name: 'b', namespace: 'shop' },
    spec: selector === undefined ? { minAvailable: 1 } : { minAvailable: 1, selector },
  };
  return pdbStatus(pdb, pods, now);
}

describe('PodDisruptionBudget status (policy/v1 selectors)', () => {
  it.each([
    ['an empty selector {} counts every pod in the namespace', {}, { expectedPods: 3, currentHealthy: 2 }],
    ['a null selector counts none', null, { expectedPods: 0, currentHealthy: 0 }],
    ['an absent selector counts none', undefined, { expectedPods: 0, currentHealthy: 0 }],
    [
      'matchLabels count the pods they match',
      { matchLabels: { app: 'web' } },
      { expectedPods: 2, currentHealthy: 2 },
    ],
  ])('%s', (_what, selector, want) => {
    expect(status(selector)).toMatchObject(want);
  });

  it('an empty selector guards the whole namespace: one disruption allowed above minAvailable', () => {
    expect(status({})).toMatchObject({ desiredHealthy: 1, disruptionsAllowed: 1 });
  });
});
