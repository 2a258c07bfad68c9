/**
 * The one engine every pattern runs through. For each case a pattern finds, it checks the
 * requirements, adds the weights of the supporting and contradicting clauses that hold to
 * the pattern's base (the same arithmetic for every pattern), and renders the statement,
 * evidence and next steps from slots. Look-alikes are worked out here too: each is
 * evaluated on the same signals, and "ruled out" quotes what it lacked or what spoke
 * against it, or says it was not checked when the source that would tell gave no data.
 */
import type { Evidence, Signal } from '../detect/signal.ts';
import { signalKinds } from '../detect/signal-kinds.ts';
import { changesBefore } from './evidence/changes.ts';
import type { Hypothesis, LookAlikeVerdict, NextStep, RunbookArgs } from './hypothesis.ts';
import type { AnyPattern, Clause, Hit, Slot } from './pattern.ts';
import { type SignalQuery, signalKey } from './query.ts';
import { render } from './template.ts';

/** Confidence never reaches certainty: the evidence is always indirect. */
export const maxConfidence = 0.97;

export interface ClauseResult {
  clause: Clause<unknown>;
  hit: Hit | undefined;
  /** Whether any source the clause reads delivered (else its silence proves nothing). */
  checked: boolean;
  /** The reason, rendered with the pattern's and the hit's slots ('' when it cannot be). */
  readonly text: string;
}

export interface Evaluation {
  def: AnyPattern;
  case: unknown;
  slots: Record<string, Slot | undefined>;
  requires: ClauseResult[];
  supports: ClauseResult[];
  against: ClauseResult[];
  /** Every requirement holds. */
  met: boolean;
  confidence: number;
}

/** Whether a clause's sources delivered this round (a clause reading nothing is always checked). */
export function checked(clause: Clause<unknown>, q: SignalQuery): boolean {
  const families = clause.reads.flatMap((k) => signalKinds[k].sources);
  if (families.length === 0) return true;
  // Without any source-status signals (a unit-test fixture), take the signals as given.
  if (q.of('source-status').length === 0) return true;
  return families.some((f) => q.fresh(f));
}

function runClause(
  clause: Clause<unknown>,
  c: unknown,
  q: SignalQuery,
  slots: Record<string, Slot | undefined>,
): ClauseResult {
  const hit = clause.test(c, q);
  let text: string | undefined;
  return {
    clause,
    hit,
    checked: checked(clause, q),
    // Rendered when read: most clauses of most patterns fail every quiet round, and their
    // words are wanted only when a hypothesis or a look-alike shows them.
    get text() {
      text ??= render(clause.reason, { ...slots, ...hit?.slots })?.text ?? '';
      return text;
    },
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Evaluates one pattern: one evaluation per case it finds. */
export function evaluate(def: AnyPattern, q: SignalQuery): Evaluation[] {
  return def.cases(q).map((c) => {
    const slots: Record<string, Slot | undefined> = {};
    for (const [name, fill] of Object.entries(def.slots)) slots[name] = fill(c, q);
    const requires = def.requires.map((cl) => runClause(cl, c, q, slots));
    const met = requires.every((r) => r.hit !== undefined);
    const supports = met ? def.supports.map((cl) => runClause(cl, c, q, slots)) : [];
    const against = met ? def.against.map((cl) => runClause(cl, c, q, slots)) : [];
    const sum = [...supports, ...against].reduce((s, r) => s + (r.hit ? r.clause.weight : 0), def.base);
    const confidence = met ? round2(Math.min(maxConfidence, Math.max(0, sum))) : 0;
    return { def, case: c, slots, requires, supports, against, met, confidence };
  });
}

/** A signal as evidence, in the words of the clause that used it. */
function evidenceOf(s: Signal, text?: string): Evidence {
  const first = s.evidence[0];
  return {
    source: first?.source ?? 'object',
    ref: s.subject,
    atMs: s.sinceMs,
    text: text ? `${text}: ${s.summary}` : s.summary,
    ...(first?.raw ? { raw: first.raw } : {}),
  };
}

function clauseEvidence(results: readonly ClauseResult[]): Evidence[] {
  return results
    .filter((r) => r.hit && r.text)
    .map((r) => {
      const s = r.hit!.signals[0];
      return s ? evidenceOf(s, r.text) : { source: 'object' as const, ref: 'cluster', text: r.text };
    });
}

/** The best evaluation of a pattern: the most confident case that meets its requirements. */
export function best(evals: readonly Evaluation[]): Evaluation | undefined {
  return [...evals].sort((a, b) => Number(b.met) - Number(a.met) || b.confidence - a.confidence)[0];
}

/** Evidence that a source was watched (or not): the source-status signals of a clause's kinds. */
function sourceEvidence(clause: Clause<unknown>, q: SignalQuery): Evidence[] {
  const families = new Set(clause.reads.flatMap((k) => signalKinds[k].sources));
  return q
    .of('source-status')
    .filter((s) => families.has(s.facts.source))
    .slice(0, 3)
    .map((s) => evidenceOf(s));
}

/**
 * The source families a clause reads, each one kubetriage's role may not read marked so:
 * the operator's next step there is a grant (docs/deployment.md), not a repair.
 */
function sourcesRead(clause: Clause<unknown>, q: SignalQuery): string {
  return [...new Set(clause.reads.flatMap((k) => signalKinds[k].sources))]
    .map((f) => (q.source(f)?.facts.state === 'forbidden' ? `${f} (forbidden to kubetriage's role)` : f))
    .join(', ');
}

/** Why a look-alike is not the answer, from its own evaluation on the same signals. */
export function judgeLookAlike(
  look: AnyPattern,
  evals: readonly Evaluation[],
  topConfidence: number,
  q: SignalQuery,
): LookAlikeVerdict | undefined {
  const ev = best(evals);
  if (!ev?.met) {
    const failed = ev?.requires.find((r) => !r.hit);
    if (!failed) {
      return {
        pattern: look.id,
        verdict: 'ruled-out',
        why: `${look.title}: none of its symptoms is present`,
      };
    }
    const need = failed.text || failed.clause.reason;
    if (!failed.checked)
      return {
        pattern: look.id,
        verdict: 'not-checked',
        why: `${look.title}: not checked, no data from ${sourcesRead(failed.clause, q)} (it needs ${need})`,
        evidence: sourceEvidence(failed.clause, q),
      };
    return {
      pattern: look.id,
      verdict: 'ruled-out',
      why: `${look.title}: it needs ${need}, and that is not seen`,
      evidence: sourceEvidence(failed.clause, q),
    };
  }
  if (ev.confidence >= topConfidence) return undefined;
  const against = ev.against.filter((r) => r.hit && r.text);
  if (against.length)
    return {
      pattern: look.id,
      verdict: 'ruled-out',
      why: `${look.title}: ${against.map((r) => r.text).join('; ')}`,
      evidence: clauseEvidence(against),
    };
  const missing = ev.supports.filter((r) => !r.hit && r.clause.weight >= 0.1 && r.text);
  // Support whose source gave no data was not looked for: "not seen" would claim it was.
  const unseen = missing.filter((r) => r.checked).map((r) => r.text);
  const unchecked = missing
    .filter((r) => !r.checked)
    .map((r) => `not checked, no data from ${sourcesRead(r.clause, q)}: ${r.text}`);
  return {
    pattern: look.id,
    verdict: 'weaker',
    why: `${look.title} fits less well (confidence ${ev.confidence} against ${topConfidence})${unseen.length ? `: not seen: ${unseen.join('; ')}` : ''}${unchecked.length ? `${unseen.length ? '; ' : ': '}${unchecked.join('; ')}` : ''}`,
    evidence: clauseEvidence(ev.supports),
  };
}

/** Turns an evaluation that holds into a hypothesis, with its look-alikes judged. */
export function toHypothesis(
  ev: Evaluation,
  q: SignalQuery,
  evaluationsOf: (id: string) => readonly Evaluation[],
  patternOf: (id: string) => AnyPattern | undefined,
): Hypothesis {
  const { def } = ev;
  const c = ev.case;
  const sinceMs = def.onset(c, q);
  const blastRadius = def.blastRadius(c);
  const statement = render(def.statement, ev.slots)?.text ?? def.title;
  const nextSteps: NextStep[] = [];
  for (const step of def.nextSteps) {
    const say = render(step.say, ev.slots);
    if (!say) continue;
    if (step.command === undefined) {
      nextSteps.push({ say: say.text });
      continue;
    }
    const command = render(step.command, ev.slots);
    if (command) nextSteps.push({ say: say.text, command: command.text });
  }
  const runbookArgs: RunbookArgs = {};
  const runbooks: string[] = [];
  for (const [name, aim] of Object.entries(def.runbooks ?? {})) {
    const args = (aim as (x: unknown) => unknown)(c);
    if (args === undefined) continue;
    runbooks.push(name);
    (runbookArgs as Record<string, unknown>)[name] = args;
  }
  const ruledOut: LookAlikeVerdict[] = [];
  for (const id of def.lookAlikes) {
    const look = patternOf(id);
    if (!look) continue;
    const verdict = judgeLookAlike(look, evaluationsOf(id), ev.confidence, q);
    if (verdict) ruledOut.push(verdict);
  }
  const caseSignals = def.evidence(c);
  const used = new Set<Signal>(caseSignals);
  for (const r of [...ev.requires, ...ev.supports, ...ev.against])
    for (const s of r.hit?.signals ?? []) used.add(s);
  const supporting = [
    ...caseSignals.slice(0, 6).map((s) => evidenceOf(s)),
    ...clauseEvidence(ev.supports.filter((r) => r.clause.weight > 0)),
  ];
  const contradicting = clauseEvidence([...ev.against, ...ev.supports.filter((r) => r.clause.weight < 0)]);
  return {
    pattern: def.id,
    title: def.title,
    statement,
    confidence: ev.confidence,
    severity: def.severity(c),
    clusterLevel: def.clusterLevel,
    sinceMs,
    supporting,
    contradicting,
    ruledOut,
    blastRadius,
    nextSteps,
    runbooks,
    prevention: [...def.prevention],
    signals: [...used].filter((s) => s.kind !== 'source-status').map(signalKey),
    family: def.family,
    layer: def.layer,
    public: def.public,
    runbookArgs,
    changes: changesBefore(q, sinceMs, blastRadius),
  };
}
