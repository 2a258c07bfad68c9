/**
 * What every notification says, whatever the wire format: which event it is, the incident's
 * link, the blast radius and first next step in one line each, and the state key used to
 * tell a real change from a repeat. Kept in one place so Slack, the webhook and Alertmanager
 * never disagree about an incident.
 */
import type { Scope } from '../../detect/signal.ts';
import type { NextStep } from '../../diagnose/hypothesis.ts';
import type { Incident } from '../../incident/incident.ts';

/** `resolved` is its own event, whatever change carried it, because receivers route on it. */
export type NotifyEvent = 'opened' | 'updated' | 'status' | 'resolved';

export interface NotifyContext {
  cluster: string;
  /** Where the kubetriage UI is reachable, without a trailing slash. */
  publicUrl?: string;
}

export function incidentUrl(ctx: NotifyContext, id: string): string | undefined {
  return ctx.publicUrl
    ? `${ctx.publicUrl.replace(/\/+$/, '')}/incidents/${encodeURIComponent(id)}`
    : undefined;
}

/**
 * What decides whether a message is worth sending again. Confidence moves by a point or two
 * every round; only a move into another tenth is news.
 */
export function stateKey(incident: Incident): string {
  const bucket = Math.round(incident.top.confidence * 10);
  return `${incident.status}|${incident.severity}|${incident.top.pattern}|${bucket}`;
}

const scopeParts: [keyof Scope, string][] = [
  ['nodes', 'node'],
  ['pools', 'pool'],
  ['namespaces', 'namespace'],
  ['services', 'service'],
  ['workloads', 'workload'],
];

/** `3 nodes (a, b, c); 1 namespace (kube-system)`: at most `shown` names per kind. */
export function describeScope(scope: Scope, shown = 5): string {
  const parts: string[] = [];
  for (const [key, noun] of scopeParts) {
    const names = scope[key] ?? [];
    if (names.length === 0) continue;
    const more = names.length > shown ? `, +${names.length - shown} more` : '';
    const plural = names.length === 1 ? noun : `${noun}s`;
    parts.push(`${names.length} ${plural} (${names.slice(0, shown).join(', ')}${more})`);
  }
  return parts.length ? parts.join('; ') : 'cluster-wide or not yet known';
}

/** The first next step that names a command, else the first at all. */
export function firstStep(steps: readonly NextStep[]): NextStep | undefined {
  return steps.find((s) => s.command) ?? steps[0];
}

export function percent(confidence: number): string {
  return `${Math.round(confidence * 100)}%`;
}

/**
 * Cuts `text` to at most `max` UTF-16 units (the unit JSON length limits are checked in),
 * ending with `…`, without splitting a surrogate pair.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…`;
}
