/**
 * A diagnosis as an operator reads it in a terminal: the top hypothesis with its
 * statement, the evidence for and against, the look-alikes ruled out, the next steps to
 * paste, then the runner-up and the single-workload findings.
 */
import type { Diagnosis } from '../../diagnose/diagnose.ts';
import type { Hypothesis } from '../../diagnose/hypothesis.ts';

const pct = (c: number) => `${Math.round(c * 100)}%`;

export function hypothesisText(h: Hypothesis, indent = ''): string {
  const lines = [
    `${indent}${h.severity.toUpperCase()} ${h.title} (${h.pattern}, ${pct(h.confidence)})`,
    `${indent}  ${h.statement}`,
  ];
  if (h.supporting.length)
    lines.push(`${indent}  evidence:`, ...h.supporting.slice(0, 6).map((e) => `${indent}    + ${e.text}`));
  if (h.contradicting.length)
    lines.push(`${indent}  against:`, ...h.contradicting.map((e) => `${indent}    - ${e.text}`));
  if (h.ruledOut.length)
    lines.push(`${indent}  ruled out:`, ...h.ruledOut.map((r) => `${indent}    ${r.pattern}: ${r.why}`));
  if (h.nextSteps.length)
    lines.push(
      `${indent}  next steps:`,
      ...h.nextSteps.map((s) => `${indent}    ${s.say}${s.command ? `\n${indent}      $ ${s.command}` : ''}`),
    );
  return lines.join('\n');
}

export function diagnosisText(d: Diagnosis): string {
  const [top, runnerUp] = d.hypotheses;
  const out: string[] = [];
  if (!top) out.push('No cluster-level failure found.');
  else {
    out.push(hypothesisText(top));
    if (runnerUp)
      out.push(
        '',
        `runner-up: ${runnerUp.title} (${runnerUp.pattern}, ${pct(runnerUp.confidence)}): ${runnerUp.statement}`,
      );
  }
  if (d.findings.length) {
    out.push('', 'workload findings (not cluster incidents):');
    for (const f of d.findings) out.push(`  ${f.pattern}: ${f.statement}`);
  }
  return `${out.join('\n')}\n`;
}
