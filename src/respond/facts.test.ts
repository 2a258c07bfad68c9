import { describe, expect, it } from 'vitest';
import { pdbFact, type RawPdb } from './cluster-reader.ts';
import { budgetOf, type LabelSelectorSpec } from './facts.ts';
import { pod } from './fixtures.ts';

/** A PodDisruptionBudget as the API returns it, with the selector given as is (absent when undefined). */
function rawPdb(ref: string, selector: LabelSelectorSpec | null | undefined): RawPdb {
  const [namespace, name] = ref.split('/');
  return {
    metadata: { namespace, name },
    spec: selector === undefined ? {} : { selector },
    status: { currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0, expectedPods: 2 },
  };
}

describe('which PodDisruptionBudget guards a pod (policy/v1)', () => {
  const web = pod('shop/web-1', { app: 'web' }).build();
  const other = pod('blog/web-1', { app: 'web' }).build();

  it.each([
    ['an empty selector {} guards every pod in its namespace', {}, 'shop/all'],
    ['a null selector guards none', null, undefined],
    ['an absent selector guards none', undefined, undefined],
    ['matchLabels guard the pods they match', { matchLabels: { app: 'web' } }, 'shop/all'],
    ['matchLabels that do not match guard nothing', { matchLabels: { app: 'db' } }, undefined],
  ] as const)('%s', (_what, selector, want) => {
    const budgets = [pdbFact(rawPdb('shop/all', selector))];
    const b = budgetOf(web, budgets);
    expect(b ? `${b.namespace}/${b.name}` : undefined).toBe(want);
  });

  it('an empty selector reaches no pod of another namespace', () => {
    expect(budgetOf(other, [pdbFact(rawPdb('shop/all', {}))])).toBeUndefined();
  });
});
