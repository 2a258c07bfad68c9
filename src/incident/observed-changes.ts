/**
 * Cluster changes an open incident should remember: what the cluster itself shows was done
 * to it around the outage (an upgrade the day before, a DaemonSet image change, nodes
 * replaced, a rollout restart during the response). They come from the `change` signals
 * (detect/change-events.ts) and land on the timeline at the time the change happened, not
 * when it was noticed, so the postmortem's timeline reads in cluster order.
 *
 * Which changes belong: anything to nodes, the control plane or a DaemonSet, and rollouts
 * of system components, from a day before the onset (the change window of the detector: an
 * upgrade step the afternoon before can break things the next morning); other Deployment
 * rollouts only from the onset on and only when they matter (see `rolloutMatters`), because
 * ordinary deploys are background churn.
 */
import type { Signal, SignalOf } from '../detect/signal.ts';
import type { Incident, TimelineEntry } from './incident.ts';

const beforeOnsetMs = 24 * 3_600_000;

type Change = SignalOf<'change'>;

function atOf(s: Change): number {
  const at = Date.parse(s.facts.at);
  return Number.isFinite(at) ? at : s.sinceMs;
}

function describe(s: Change): string {
  const f = s.facts;
  const what = f.what;
  const from = f.from || '?';
  const to = f.to || '?';
  switch (what) {
    case 'rollout':
    case 'daemonset-image':
      return `${what} ${f.workload}: ${from} → ${to}`;
    case 'node-added':
      return `nodes joined (kubelet ${to})`;
    case 'node-removed':
      return 'nodes left the cluster';
    case 'control-plane-version':
      return `API server version ${from} → ${to}`;
    default:
      return `${what.replace('node-', 'node ')} ${from} → ${to}`;
  }
}

/**
 * A Deployment rollout belongs to the story when it is a system component, when it touches
 * what the outage touches, or when it is a restart (same images: `kubectl rollout restart`
 * or an env change, which is what responders do); new versions of unrelated apps are the
 * ordinary deploys of a working day.
 */
function rolloutMatters(s: Change, i: Incident): boolean {
  if (s.facts.systemComponent || s.facts.from === s.facts.to) return true;
  const r = i.top.blastRadius;
  const workload = s.facts.workload;
  const namespace = s.facts.namespace;
  return (r.workloads ?? []).includes(workload) || (r.namespaces ?? []).includes(namespace);
}

/** Timeline entries for the changes not yet on the incident's timeline. */
export function changeEntries(i: Incident, signals: readonly Signal[]): TimelineEntry[] {
  const onset = Math.min(i.top.sinceMs, i.openedAtMs);
  const seen = new Set(i.timeline.filter((e) => e.kind === 'change').map((e) => `${e.atMs} ${e.text}`));
  const out: TimelineEntry[] = [];
  for (const s of signals) {
    if (s.kind !== 'change') continue;
    const atMs = atOf(s);
    const rollout = s.facts.what === 'rollout';
    if (rollout && !rolloutMatters(s, i)) continue;
    if (atMs < (rollout && !s.facts.systemComponent ? onset : onset - beforeOnsetMs)) continue;
    const text = describe(s);
    const key = `${atMs} ${text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ atMs, kind: 'change', text, author: 'cluster' });
  }
  return out;
}
