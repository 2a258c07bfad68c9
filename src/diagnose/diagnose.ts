/**
 * From signals to ranked hypotheses: every pattern of the catalogue is evaluated by the one
 * engine on the same signals; the cluster-level hypotheses are ranked by confidence (the top
 * one is the diagnosis, the runner-up is shown beside it), each workload's own trouble comes
 * out separately as a lower-severity finding, and when trouble is clear but nothing explains
 * it, the answer is "cause not identified" rather than the nearest story.
 */
import type { Signal } from '../detect/signal.ts';
import { catalogue } from './catalogue/index.ts';
import { type Evaluation, evaluate, toHypothesis } from './engine.ts';
import type { Hypothesis } from './hypothesis.ts';
import type { AnyPattern } from './pattern.ts';
import { SignalQuery } from './query.ts';
import { honestUnknown } from './unknown.ts';

/** Hypotheses weaker than this are not worth showing. */
export const showAbove = 0.2;

export interface Diagnosis {
  /** Cluster-level hypotheses, most confident first. */
  hypotheses: Hypothesis[];
  /** Single-workload findings (an app's own crash loop, a bad rollout). */
  findings: Hypothesis[];
}

const byConfidence = (a: Hypothesis, b: Hypothesis) =>
  b.confidence - a.confidence || a.pattern.localeCompare(b.pattern);

export function diagnose(
  signals: readonly Signal[],
  nowMs: number,
  patterns: readonly AnyPattern[] = catalogue,
): Diagnosis {
  const q = new SignalQuery(signals, nowMs);
  const evaluations = new Map<string, Evaluation[]>();
  for (const p of patterns) evaluations.set(p.id, evaluate(p, q));
  const evaluationsOf = (id: string) => evaluations.get(id) ?? [];
  const byId = new Map(patterns.map((p) => [p.id, p]));
  const all: Hypothesis[] = [];
  for (const p of patterns)
    for (const ev of evaluationsOf(p.id))
      if (ev.met && ev.confidence > showAbove)
        all.push(toHypothesis(ev, q, evaluationsOf, (id) => byId.get(id)));
  const hypotheses = all.filter((h) => h.clusterLevel).sort(byConfidence);
  const unknown = honestUnknown(q, hypotheses, patterns, evaluationsOf);
  if (unknown) hypotheses.push(unknown);
  return { hypotheses: hypotheses.sort(byConfidence), findings: all.filter((h) => !h.clusterLevel) };
}
