/** Small incidents for tests of what reads the record (notifications, status page, postmortem, server). */
import { catalogue } from '../diagnose/catalogue/index.ts';
import type { Hypothesis } from '../diagnose/hypothesis.ts';
import { familyOf, type Incident } from './incident.ts';

/** The catalogue's own words for a pattern, as its hypotheses carry them. */
function fromCatalogue(pattern: string): Partial<Hypothesis> {
  const p = catalogue.find((x) => x.id === pattern);
  return p ? { family: p.family, layer: p.layer, public: p.public } : {};
}

export const t0 = Date.UTC(2026, 0, 1, 15, 2, 0);

export function hypothesis(over: Partial<Hypothesis> = {}): Hypothesis {
  return {
    ...fromCatalogue(over.pattern ?? 'node-network'),
    pattern: 'node-network',
    title: 'Nodes lost their network',
    statement: '3 nodes NotReady since 15:02, all in pool agentpool; kubelet cannot reach the API server.',
    confidence: 0.82,
    severity: 'critical',
    clusterLevel: true,
    sinceMs: t0 - 60_000,
    supporting: [],
    contradicting: [],
    ruledOut: [],
    blastRadius: { nodes: ['aks-1', 'aks-2', 'aks-3'], pools: ['agentpool'] },
    nextSteps: [
      { say: 'Check the nodes’ conditions', command: 'kubectl describe node aks-1' },
      { say: 'Look at the pool' },
    ],
    runbooks: ['restart-nodes'],
    prevention: [],
    signals: [],
    ...over,
  };
}

export function incident(over: Partial<Incident> = {}, top: Partial<Hypothesis> = {}): Incident {
  const h = hypothesis(top);
  return {
    id: 'INC-0001',
    family: 'nodes',
    status: 'identified',
    severity: h.severity,
    openedAtMs: t0,
    updatedAtMs: t0,
    top: h,
    topSince: { [h.pattern]: t0 },
    timeline: [],
    updates: [],
    signals: [],
    ...over,
  };
}

/** A just-opened incident of `pattern`, as the tracker makes it: onset, open time, one timeline entry. */
export function openedIncident(
  id: string,
  pattern: string,
  o: { onsetMs: number; openedAtMs: number; severity?: Incident['severity']; status?: Incident['status'] },
): Incident {
  const top = hypothesis({
    pattern,
    title: pattern,
    statement: `${pattern} is broken`,
    confidence: 0.9,
    severity: o.severity ?? 'critical',
    sinceMs: o.onsetMs,
    blastRadius: {},
    nextSteps: [],
    runbooks: [],
  });
  return incident({
    id,
    family: familyOf({ pattern }),
    status: o.status ?? 'investigating',
    severity: top.severity,
    openedAtMs: o.openedAtMs,
    updatedAtMs: o.openedAtMs,
    top,
    topSince: { [pattern]: o.openedAtMs },
    timeline: [{ atMs: o.openedAtMs, kind: 'opened', text: pattern }],
  });
}
