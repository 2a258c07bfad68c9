/**
 * What a failure pattern concludes: one root-cause hypothesis with its confidence, the
 * evidence for and against it (each pointing at the signals and, through them, at the
 * objects, log lines, metrics and probe answers behind them), the look-alikes it ruled
 * out and why, the blast radius, and next steps an operator can paste. Deterministic and
 * offline: the same signals always give the same words.
 */
import type { Evidence, Scope, Severity, Signal } from '../detect/signal.ts';
import { rfc3339 } from '../time/clock.ts';

export interface NextStep {
  /** What to do and why, in one line. */
  say: string;
  /** The exact command, when there is one. */
  command?: string;
}

export interface Hypothesis {
  /** The pattern id, which is also the category scenarios score against. */
  pattern: string;
  title: string;
  /** The root cause in one or two sentences, with the numbers that matter. */
  statement: string;
  /** 0..1; patterns add up the weight of what they see, so it reads as "how sure". */
  confidence: number;
  severity: Severity;
  /** False for a single workload's own trouble: a finding, not a cluster incident. */
  clusterLevel: boolean;
  /** When the failure began, as far as its signals tell. */
  sinceMs: number;
  supporting: Evidence[];
  contradicting: Evidence[];
  ruledOut: { pattern: string; why: string }[];
  blastRadius: Scope;
  nextSteps: NextStep[];
  /** Runbooks (`kubetriage remediate …`) this pattern offers. */
  runbooks: string[];
  /** What would keep it from happening again (postmortem action items). */
  prevention: string[];
  /** Keys (`kind subject`) of the signals it rests on. */
  signals: string[];
}

/** Signals by kind, for patterns to ask "is there a … and where". */
export class SignalIndex {
  readonly all: readonly Signal[];
  private readonly byKind = new Map<string, Signal[]>();

  constructor(signals: readonly Signal[]) {
    this.all = signals;
    for (const s of signals) {
      const list = this.byKind.get(s.kind) ?? [];
      list.push(s);
      this.byKind.set(s.kind, list);
    }
  }

  of(kind: string): Signal[] {
    return this.byKind.get(kind) ?? [];
  }

  first(kind: string): Signal | undefined {
    return this.of(kind)[0];
  }

  /** A node-agent condition's signal (`agent-<kebab type>`). */
  agent(type: string): Signal | undefined {
    const kebab = type
      .replace(/([a-z])([A-Z])/g, '$1-$2')
      .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
      .toLowerCase();
    return this.first(`agent-${kebab}`);
  }
}

export function signalKey(s: Signal): string {
  return `${s.kind} ${s.subject}`;
}

/** A signal as evidence: its summary, pointing at what it is about. */
export function asEvidence(s: Signal, text?: string): Evidence {
  return {
    source: s.evidence[0]?.source ?? 'object',
    ref: s.subject,
    atMs: s.sinceMs,
    text: text ?? s.summary,
  };
}

export function list(v: unknown): string[] {
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' && v ? [v] : [];
}

export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v ?? 0) || 0;
}

/** Confidence from weights of what was seen, capped below certainty. */
export function confidence(parts: readonly (number | false | undefined)[]): number {
  const sum = parts.reduce<number>((a, b) => a + (typeof b === 'number' ? b : 0), 0);
  return Math.round(Math.min(0.97, Math.max(0, sum)) * 100) / 100;
}

export function earliest(signals: readonly (Signal | undefined)[], fallback: number): number {
  const times = signals.filter((s): s is Signal => s !== undefined).map((s) => s.sinceMs);
  return times.length ? Math.min(...times) : fallback;
}

/** Times in statements: RFC 3339 to the second, as Kubernetes writes them. */
export const fmtTime = rfc3339;
