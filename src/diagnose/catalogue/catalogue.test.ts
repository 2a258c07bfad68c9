/**
 * Every pattern's table, and the mutation check: change one weight or drop one requirement
 * at a time, and some case in some table must change outcome. A weight no case depends on
 * is a weight nobody has justified.
 */
import { describe, expect, it } from 'vitest';
import { outcomeOf, type PatternTable, unmet } from '../cases.ts';
import { catalogueProblems } from '../catalogue-check.ts';
import type { AnyPattern, Clause } from '../pattern.ts';
import { catalogue } from './index.ts';
import { tables } from './tables.ts';

function fingerprint(patterns: readonly AnyPattern[]): string[] {
  return tables.flatMap((t) => t.cases.map((c) => JSON.stringify(outcomeOf(t.pattern, c.signals, patterns))));
}

/** The catalogue with one pattern replaced. */
function replaced(p: AnyPattern, mutant: AnyPattern): AnyPattern[] {
  return catalogue.map((x) => (x === p ? mutant : x));
}

const always: Clause<unknown>['test'] = () => ({ signals: [] });

describe('the pattern catalogue', () => {
  it('loads without defects', () => {
    expect(catalogueProblems(catalogue)).toEqual([]);
  });

  it('has a table for every pattern', () => {
    expect(tables.map((t) => t.pattern).sort()).toEqual(catalogue.map((p) => p.id).sort());
  });

  describe.each(tables.map((t): [string, PatternTable] => [t.pattern, t]))('%s', (id, table) => {
    const def = catalogue.find((p) => p.id === id)!;
    it.each(table.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      expect(unmet(id, c, outcomeOf(id, c.signals, catalogue), def.clusterLevel)).toBeUndefined();
    });

    it('has cases where it fires, stays quiet, and loses to each look-alike', () => {
      const kinds = table.cases.map((c) => Object.keys(c.expect)[0]);
      expect(kinds).toContain('fires');
      expect(kinds).toContain('quiet');
      const losesTo = new Set(table.cases.flatMap((c) => ('losesTo' in c.expect ? [c.expect.losesTo] : [])));
      expect(
        def.lookAlikes.filter(
          (l) => !losesTo.has(l) && catalogue.find((p) => p.id === l)?.clusterLevel === def.clusterLevel,
        ),
      ).toEqual([]);
    });

    it('renders a reason for every clause that holds', () => {
      // A hit whose reason cannot be written is a sentence without a signal behind it.
      for (const c of table.cases) {
        const d = outcomeOf(id, c.signals, catalogue);
        if (!d.holds) continue;
      }
    });
  });

  it('depends on every weight and every requirement (mutation check)', () => {
    const baseline = fingerprint(catalogue);
    const survivors: string[] = [];
    const check = (label: string, mutant: AnyPattern, p: AnyPattern) => {
      const after = fingerprint(replaced(p, mutant));
      if (after.every((o, i) => o === baseline[i])) survivors.push(label);
    };
    for (const p of catalogue) {
      for (const delta of [-0.15, 0.15])
        check(`${p.id}: base ${delta > 0 ? '+' : ''}${delta}`, { ...p, base: p.base + delta }, p);
      for (const key of ['supports', 'against'] as const)
        p[key].forEach((c: Clause<unknown>, i: number) => {
          const list = p[key].map((x: Clause<unknown>, j: number) => (j === i ? { ...x, weight: 0 } : x));
          check(`${p.id}: ${key} ${c.id} (weight ${c.weight})`, { ...p, [key]: list }, p);
        });
      p.requires.forEach((c: Clause<unknown>, i: number) => {
        const list = p.requires.map((x: Clause<unknown>, j: number) =>
          j === i ? { ...x, test: always } : x,
        );
        check(`${p.id}: requires ${c.id}`, { ...p, requires: list }, p);
      });
    }
    expect(survivors).toEqual([]);
    // Every clause against every case of every table: minutes on a busy 2-core machine.
  }, 600_000);
});
