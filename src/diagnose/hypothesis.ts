/**
 * What a failure pattern concludes: one root-cause hypothesis with its confidence, the
 * evidence for and against it (each pointing at the signals and, through them, at the
 * objects, log lines, metrics and probe answers behind them), the look-alikes it ruled
 * out and why (worked out by evaluating them, never written by hand), what changed before
 * it began, the blast radius, and next steps an operator can paste. Deterministic and
 * offline: the same signals always give the same words.
 */
import type { Evidence, Scope, Severity } from '../detect/signal.ts';
import { rfc3339 } from '../time/clock.ts';

export interface NextStep {
  /** What to do and why, in one line. */
  say: string;
  /** The exact command, when there is one. */
  command?: string;
}

/** The parts of the platform a status page names (customers read them). */
export const componentNames = [
  'Control plane',
  'Nodes',
  'Pod networking',
  'Service networking',
  'DNS',
  'Ingress',
  'Workloads',
] as const;
export type ComponentName = (typeof componentNames)[number];

/** How a root cause is told to customers: never node names, addresses or evidence. */
export interface PublicWords {
  /** The components it takes down first. */
  components: ComponentName[];
  /** The incident's public name: the affected area. */
  title: string;
  /** The cause in plain words, e.g. "a network problem on some nodes". */
  cause: string;
  /** What an open, critical incident of this kind does to its components. */
  outage: 'major' | 'partial';
}

/** The arguments each runbook needs, aimed by the pattern from its signals. */
export interface RunbookArgs {
  'restart-nodes'?: { nodes: string[] };
  'node-fix'?: { timer: string };
  'bypass-service-host'?: { deployments: string[] };
}
export type RunbookName = keyof RunbookArgs;

/** A change the cluster showed before the onset, with how well its scope fits. */
export interface ChangeNote {
  /** The `change` signal's key. */
  signal: string;
  atMs: number;
  /** What changed, from what to what (the change signal's summary). */
  text: string;
  /** 0..1: how much of the blast radius the change touched (nodes, pools, namespaces). */
  scopeMatch: number;
  /** Fleet-wide: it touched most nodes, or the control plane, or a system DaemonSet. */
  fleetWide: boolean;
}

/** A look-alike and why it is not the answer, computed by evaluating it. */
export interface LookAlikeVerdict {
  pattern: string;
  /**
   * ruled-out: what it needs is absent, or what speaks against it holds; weaker: it fits
   * in part but less well; not-checked: the source that would tell gave no data. Absent on
   * records written before verdicts were computed.
   */
  verdict?: 'ruled-out' | 'weaker' | 'not-checked';
  why: string;
  evidence?: Evidence[];
}

export interface Hypothesis {
  /** The pattern id, which is also the category scenarios score against. */
  pattern: string;
  title: string;
  /** The root cause in one or two sentences, with the numbers that matter. */
  statement: string;
  /** 0..1, computed the same way for every pattern. */
  confidence: number;
  severity: Severity;
  /** False for a single workload's own trouble: a finding, not a cluster incident. */
  clusterLevel: boolean;
  /** When the failure began, as far as its signals tell (the onset, not the latest sample). */
  sinceMs: number;
  supporting: Evidence[];
  contradicting: Evidence[];
  ruledOut: LookAlikeVerdict[];
  blastRadius: Scope;
  nextSteps: NextStep[];
  /** Runbooks (`kubetriage remediate …`) this pattern offers. */
  runbooks: string[];
  /** What would keep it from happening again (postmortem action items). */
  prevention: string[];
  /** Keys (`kind subject`) of the signals it rests on. */
  signals: string[];
  /** Where the root cause lives; hypotheses of one family share an incident. */
  family?: string;
  layer?: string;
  public?: PublicWords;
  runbookArgs?: RunbookArgs;
  /** Changes before the onset, best fitting first. */
  changes?: ChangeNote[];
  /** For "cause not identified": every pattern considered and why it fell short. */
  considered?: { pattern: string; confidence: number; shortBy: string }[];
  /** What data would decide, where a source was missing. */
  wouldDecide?: string[];
}

/** Times in statements: RFC 3339 to the second, as Kubernetes writes them. */
export const fmtTime = rfc3339;
