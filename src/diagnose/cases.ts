/**
 * Pattern tables: each pattern keeps, beside it, cases where it must fire, stay quiet, and
 * lose to each of its look-alikes (`catalogue/<id>.cases.ts`), as Prometheus rules keep
 * `promtool test rules` tables. The outcome of a case is what a person would read: which
 * pattern tops the diagnosis, whether this one holds, and whether it is sure enough to be
 * Identified. The mutation check (catalogue.test.ts) changes one weight or drops one
 * requirement at a time and expects some case somewhere to change outcome.
 */
import type { Signal } from '../detect/signal.ts';
import { diagnose } from './diagnose.ts';
import { t0 } from './fixtures.ts';
import type { AnyPattern } from './pattern.ts';

export type Expectation =
  /** It holds and tops the diagnosis (a finding, for a workload pattern); optionally sure or not. */
  | { fires: true; identified?: boolean }
  /** It does not hold. */
  | { quiet: true }
  /** The named look-alike tops the diagnosis, and this one either does not hold or ranks below it. */
  | { losesTo: string };

export interface PatternCase {
  name: string;
  signals: Signal[];
  expect: Expectation;
}

/** The pattern's table: its id and cases. */
export interface PatternTable {
  pattern: string;
  cases: PatternCase[];
}

/** Sure enough to mark an incident Identified (the tracker's default). */
export const identifiedAt = 0.7;

export interface Outcome {
  top: string | undefined;
  /** Single-workload findings that hold. */
  findings: string[];
  holds: boolean;
  identified: boolean;
  /** Patterns ranked above this one, cluster-level ones only. */
  above: string[];
}

export function outcomeOf(
  patternId: string,
  signals: readonly Signal[],
  patterns: readonly AnyPattern[],
): Outcome {
  const d = diagnose(signals, t0, patterns);
  const def = patterns.find((p) => p.id === patternId);
  const list = def?.clusterLevel === false ? d.findings : d.hypotheses;
  const index = list.findIndex((h) => h.pattern === patternId);
  const mine = index >= 0 ? list[index] : undefined;
  return {
    top: d.hypotheses[0]?.pattern,
    findings: d.findings.map((f) => f.pattern),
    holds: mine !== undefined,
    identified: (mine?.confidence ?? 0) >= identifiedAt,
    above: index >= 0 ? list.slice(0, index).map((h) => h.pattern) : [],
  };
}

/** Why a case's outcome does not meet its expectation, or undefined when it does. */
export function unmet(
  patternId: string,
  c: PatternCase,
  o: Outcome,
  clusterLevel: boolean,
): string | undefined {
  const e = c.expect;
  if ('quiet' in e) return o.holds ? 'it holds, but should stay quiet' : undefined;
  if ('losesTo' in e) {
    const winner = o.top === e.losesTo || (!clusterLevel && o.findings.includes(e.losesTo));
    if (!winner) return `${e.losesTo} does not top the diagnosis (${o.top ?? 'nothing'} does)`;
    return o.holds && !o.above.includes(e.losesTo) ? `it ranks above ${e.losesTo}` : undefined;
  }
  if (!o.holds) return 'it does not hold';
  if (clusterLevel && o.top !== patternId) return `${o.top} tops the diagnosis instead`;
  if (e.identified !== undefined && e.identified !== o.identified)
    return e.identified
      ? 'it holds but is not sure enough to be Identified'
      : 'it is sure enough to be Identified, which this case should not be';
  return undefined;
}
