/**
 * The honest "cause not identified": when the cluster clearly is in trouble (a cluster-wide
 * symptom at critical severity, or a system component down) but no pattern explains it with
 * enough confidence, kubetriage says so, with the strongest signals, every pattern it
 * considered and why each fell short, and what data would decide. It is never dressed up as
 * the nearest known pattern, and it never reaches Identified.
 */

import type { Evidence, Signal } from '../detect/signal.ts';
import { signalKinds } from '../detect/signal-kinds.ts';
import { best, type Evaluation } from './engine.ts';
import { nodeTrouble } from './evidence/node-trouble.ts';
import { fmtTime, type Hypothesis } from './hypothesis.ts';
import type { AnyPattern } from './pattern.ts';
import { type SignalQuery, signalKey } from './query.ts';

export const unknownPattern = 'cause-not-identified';
/** Below this, a pattern's case is too weak to name the cause (the tracker opens incidents here too). */
export const namingFloor = 0.5;

const rank = { info: 0, warning: 1, critical: 2 } as const;
/** How long a system component must be down before it alone counts as cluster trouble. */
const systemComponentGraceMs = 2 * 60_000;

/** Cluster-level trouble: what an unknown rests on. Cordoned nodes going down is maintenance. */
export function clusterTrouble(q: SignalQuery): Signal[] {
  const nodesInTrouble = nodeTrouble(q).affected.size;
  return q.all.filter((s) => {
    const role = signalKinds[s.kind].role;
    if (s.kind === 'not-ready-spread') return nodesInTrouble >= 2 && s.severity === 'critical';
    if (role === 'symptom') return s.severity === 'critical';
    // A system component down for a moment is an upgrade or a restart, not an outage.
    return (
      role === 'local' &&
      s.severity === 'critical' &&
      (s.scope.namespaces ?? []).includes('kube-system') &&
      q.nowMs - s.sinceMs >= systemComponentGraceMs
    );
  });
}

function shortBy(ev: Evaluation | undefined): string {
  if (!ev) return 'nothing it looks at is present';
  if (!ev.met) {
    const failed = ev.requires.find((r) => !r.hit);
    const need = failed?.text || failed?.clause.reason || 'its requirements';
    return failed && !failed.checked ? `not checked (no data): needs ${need}` : `needs ${need}`;
  }
  const against = ev.against.filter((r) => r.hit && r.text).map((r) => r.text);
  return `fits only in part (confidence ${ev.confidence})${against.length ? `; against it: ${against.join('; ')}` : ''}`;
}

export function honestUnknown(
  q: SignalQuery,
  named: readonly Hypothesis[],
  patterns: readonly AnyPattern[],
  evaluationsOf: (id: string) => readonly Evaluation[],
): Hypothesis | undefined {
  if (named.some((h) => h.clusterLevel && h.severity !== 'info' && h.confidence >= namingFloor))
    return undefined;
  const trouble = clusterTrouble(q).sort(
    (a, b) => rank[b.severity] - rank[a.severity] || a.sinceMs - b.sinceMs,
  );
  if (trouble.length === 0) return undefined;
  const onset = Math.min(...trouble.map((s) => s.sinceMs));
  const considered = patterns
    .filter((p) => p.clusterLevel && p.id !== unknownPattern)
    .map((p) => {
      const ev = best(evaluationsOf(p.id));
      return { pattern: p.id, confidence: ev?.met ? ev.confidence : 0, shortBy: shortBy(ev) };
    })
    .sort((a, b) => b.confidence - a.confidence || a.pattern.localeCompare(b.pattern));
  const missing = new Set<string>();
  for (const p of patterns)
    for (const ev of evaluationsOf(p.id))
      for (const r of ev.requires)
        if (!r.hit && !r.checked)
          for (const k of r.clause.reads) for (const f of signalKinds[k].sources) missing.add(f);
  const supporting: Evidence[] = trouble.slice(0, 6).map((s) => ({
    source: s.evidence[0]?.source ?? 'object',
    ref: s.subject,
    atMs: s.sinceMs,
    text: s.summary,
  }));
  const blast = {
    nodes: [...new Set(trouble.flatMap((s) => s.scope.nodes ?? []))].sort(),
    namespaces: [...new Set(trouble.flatMap((s) => s.scope.namespaces ?? []))].sort(),
    services: [...new Set(trouble.flatMap((s) => s.scope.services ?? []))].sort(),
  };
  return {
    pattern: unknownPattern,
    title: 'Cluster-level trouble, cause not identified',
    statement: `Cluster-level trouble since ${fmtTime(onset)}, cause not identified: ${trouble
      .slice(0, 3)
      .map((s) => s.summary.split(';')[0])
      .join('; ')}.`,
    // Sure there is trouble, not of its cause: enough to open an incident, never to name it.
    confidence: namingFloor,
    severity: trouble.some((s) => s.severity === 'critical') ? 'critical' : 'warning',
    clusterLevel: true,
    sinceMs: onset,
    supporting,
    contradicting: [],
    ruledOut: [],
    blastRadius: blast,
    nextSteps: [
      {
        say: 'Start from the strongest signal and read its objects',
        command: 'kubectl get events -A --sort-by=.lastTimestamp',
      },
      {
        say: 'See which nodes and system pods are unhealthy',
        command: 'kubectl get nodes -o wide && kubectl -n kube-system get pods -o wide',
      },
      ...(missing.size
        ? [
            {
              say: `Give kubetriage the missing sources (${[...missing].sort().join(', ')}) so it can tell the causes apart`,
            },
          ]
        : []),
    ],
    runbooks: [],
    prevention: [],
    signals: trouble.map(signalKey),
    family: 'unknown',
    layer: 'unknown',
    public: {
      components: ['Workloads'],
      title: 'Service degraded',
      cause: 'a problem we are still investigating',
      outage: 'partial',
    },
    considered,
    wouldDecide: [...missing].sort(),
  };
}
