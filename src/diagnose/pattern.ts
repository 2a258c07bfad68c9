/**
 * A failure pattern as data: a short runbook page the engine (engine.ts) evaluates. It
 * declares what it is about (`cases`: the symptom it would explain, read off the signals),
 * the evidence it needs (`requires`), the evidence that supports it and speaks against it
 * (each a small predicate over typed signals with a stated weight and a one-line reason),
 * its blast radius, its look-alikes (pattern ids, evaluated, never described by hand), its
 * statement and next steps as templates whose every slot is filled from signals, the
 * runbooks it offers with their arguments, its public wording, and prevention items.
 * One file per pattern under `catalogue/`; checked at load (catalogue-check.ts).
 *
 * Templates: `{slot}` is replaced by the slot's text; a `[…]` group is dropped when any
 * slot inside it is empty. Slots come from the pattern's `slots` or the clause's hit.
 */
import type { Scope, Severity, Signal } from '../detect/signal.ts';
import type { SignalKind } from '../detect/signal-kinds.ts';
import type { PublicWords, RunbookArgs } from './hypothesis.ts';
import type { SignalQuery } from './query.ts';

/** Where in the stack the root cause lives. */
export type Layer =
  | 'edge'
  | 'control-plane'
  | 'admission'
  | 'node'
  | 'runtime'
  | 'pod-network'
  | 'service-network'
  | 'dns'
  | 'workload'
  | 'change'
  | 'unknown';

/** A slot's words and the signals they come from. */
export interface Slot {
  text: string;
  from: readonly Signal[];
}

/** What a clause saw: the signals it rests on, and slots for its reason. */
export interface Hit {
  signals: readonly Signal[];
  slots?: Record<string, Slot>;
}

export interface Clause<C> {
  /** Kebab-case, unique in its pattern; how tests and the mutation check name it. */
  id: string;
  /** Added to the confidence when the clause holds (negative for evidence against; 0 for requirements). */
  weight: number;
  /** One line stating what the clause checks, as a template (for a requirement: what is needed). */
  reason: string;
  /** The signal kinds it reads: if none of their sources delivered, it is "not checked". */
  reads: readonly SignalKind[];
  test(c: C, q: SignalQuery): Hit | undefined;
}

export interface StepTemplate {
  say: string;
  command?: string;
}

export interface PatternDef<C = unknown> {
  id: string;
  family: string;
  layer: Layer;
  title: string;
  /** The mechanism in a few sentences: what breaks, how it shows, what tells it apart. */
  summary: string;
  /** False for a single workload's own trouble: a finding, not a cluster incident. */
  clusterLevel: boolean;
  /** The symptom(s) the pattern would explain; a cluster pattern returns one case. */
  cases(q: SignalQuery): C[];
  /** Where confidence starts once every requirement holds. */
  base: number;
  requires: readonly Clause<C>[];
  supports: readonly Clause<C>[];
  against: readonly Clause<C>[];
  severity(c: C): Severity;
  /** When the failure began: the earliest of its signals. */
  onset(c: C, q: SignalQuery): number;
  blastRadius(c: C): Scope;
  /** The signals the case itself rests on (beyond the clauses' hits). */
  evidence(c: C): readonly Signal[];
  slots: Record<string, (c: C, q: SignalQuery) => Slot | undefined>;
  statement: string;
  nextSteps: readonly StepTemplate[];
  runbooks?: { [K in keyof RunbookArgs]?: (c: C) => RunbookArgs[K] | undefined };
  lookAlikes: readonly string[];
  public: PublicWords;
  prevention: readonly string[];
}

/**
 * Declares a pattern: `definePattern(cases)({...})`. The case type is inferred from `cases`
 * alone, then fixed for the clauses, slots and rules that read it.
 */
export function definePattern<C>(cases: (q: SignalQuery) => C[]) {
  return (def: Omit<PatternDef<C>, 'cases'>): PatternDef<C> => ({ ...def, cases });
}

/** Erases the case type for the catalogue list. */
// biome-ignore lint/suspicious/noExplicitAny: each pattern's case type differs; the engine only passes cases back to their own pattern.
export type AnyPattern = PatternDef<any>;
