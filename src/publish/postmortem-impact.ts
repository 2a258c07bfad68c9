/**
 * How long people were actually affected, from the record: the periods its trouble was on
 * (from the onset for the first), as the rounds kept them. Three
 * one-hour outages on three mornings are three hours of impact, not the three days the
 * incident stayed open between them. Also the words for customers: the affected parts of
 * the platform as the status page names them, never node names or evidence.
 */
import { type Incident, rootCauseOf } from '../incident/incident.ts';
import { type ComponentName, publicWordsOf } from './public-words.ts';

export interface Period {
  startMs: number;
  endMs: number;
}

const degraded = new Set(['investigating', 'identified']);

/**
 * The periods the failure was on, in time order. `onsetMs` starts the first. The periods
 * the rounds kept (incident/degraded.ts) when the record has them; for records written
 * before, from the status: degraded while investigating or identified.
 */
export function degradedPeriods(i: Incident, onsetMs: number, nowMs: number): Period[] {
  if (i.degraded?.length) {
    const end = i.resolvedAtMs ?? nowMs;
    return i.degraded.map((p, k) => {
      const startMs = k === 0 ? Math.min(onsetMs, p.startMs) : p.startMs;
      return { startMs, endMs: Math.max(startMs, p.endMs ?? end) };
    });
  }
  return periodsByStatus(i, onsetMs, nowMs);
}

function periodsByStatus(i: Incident, onsetMs: number, nowMs: number): Period[] {
  const out: Period[] = [];
  let start: number | undefined = onsetMs;
  for (const e of i.timeline) {
    if (e.kind !== 'status') continue;
    const to = /→ (\w+)/.exec(e.text)?.[1];
    if (!to) continue;
    if (degraded.has(to)) start ??= e.atMs;
    else if (start !== undefined) {
      out.push({ startMs: start, endMs: Math.max(start, e.atMs) });
      start = undefined;
    }
  }
  if (start !== undefined) out.push({ startMs: start, endMs: Math.max(start, i.resolvedAtMs ?? nowMs) });
  return out;
}

export function totalMs(periods: readonly Period[]): number {
  return periods.reduce((n, p) => n + (p.endMs - p.startMs), 0);
}

/**
 * What the users of a platform part notice when it fails, in their terms rather than the
 * platform's: generic to the part, so said as what users *could* notice; the record holds no
 * traffic or user counts to say how many did.
 */
const userVisible: Record<ComponentName, string> = {
  'Control plane':
    'deploys, scaling and automatic recovery could not happen (services already running kept serving unless something else failed)',
  Nodes: 'services on the affected machines were interrupted or ran short of capacity',
  'Pod networking': 'calls between services on different machines failed or hung',
  'Service networking': 'services could not reach each other through their service addresses',
  DNS: "services could not look up each other's names, so calls between them failed",
  Ingress: 'requests from outside to our services failed or were slow',
  Workloads: 'some of our services were unavailable or returned errors',
};

/** What customers saw, in their words: the affected area, the cause in plain terms, the components. */
export function customerImpact(i: Incident): string {
  const w = publicWordsOf(i);
  const services = rootCauseOf(i).blastRadius.services ?? [];
  const parts = [
    `${w.title}: ${w.cause}.`,
    `What users could notice: ${w.components.map((c) => userVisible[c]).join('; ')}.`,
    `${w.components.join(', ')} ${w.components.length > 1 ? 'were' : 'was'} in ${w.outage === 'major' ? 'a major' : 'a partial'} outage while it lasted.`,
  ];
  if (services.length)
    parts.push(
      `Services reached through the cluster were affected: ${services.slice(0, 8).join(', ')}${services.length > 8 ? ` and ${services.length - 8} more` : ''}.`,
    );
  return parts.join(' ');
}
