/**
 * A failure pattern: a short runbook page in code. It reads the signals only, says whether
 * its failure is present, and if so returns its hypothesis; it never reads the view or the
 * cluster. One file per pattern under `patterns/`.
 */
import type { Hypothesis, SignalIndex } from './hypothesis.ts';

export interface FailurePattern {
  id: string;
  title: string;
  evaluate(signals: SignalIndex, nowMs: number): Hypothesis | undefined;
}
