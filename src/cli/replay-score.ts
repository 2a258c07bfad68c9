/**
 * Scores a replay against the scenario's expected diagnosis (which the pipeline never
 * saw): virtual seconds from the fault's onset to the first incident and to the first
 * moment an incident's top hypothesis had the expected category, the incidents whose top
 * hypothesis never matched (false incidents), and the real incident's times beside ours.
 */
import type { Incident } from '../incident/incident.ts';
import type { Scenario } from '../sim/scenario/schema.ts';
import { resolveInstant } from '../sim/scenario/time-spec.ts';
import { rfc3339 } from '../time/clock.ts';

export interface ExpectationScore {
  category: string;
  onset: string | null;
  firstIncidentAfterSeconds: number | null;
  afterSeconds: number | null;
  /** The real team's time from impact to identifying the cause, when the postmortem gives it. */
  realIdentifiedAfterSeconds: number | null;
}

export interface IncidentSummary {
  id: string;
  status: string;
  severity: string;
  openedAt: string;
  topHypothesis: string;
  confidence: number;
  statement: string;
  runnerUp: string | null;
}

export interface ReplayReport {
  scenario: string;
  expectations: ExpectationScore[];
  falseIncidents: IncidentSummary[];
  incidents: IncidentSummary[];
  findings: { pattern: string; statement: string }[];
  virtualSeconds: number;
  wallSeconds: number;
  /** Met every expectation with no false incident. */
  passed: boolean;
}

const iso = rfc3339;

export function summarize(i: Incident): IncidentSummary {
  return {
    id: i.id,
    status: i.status,
    severity: i.severity,
    openedAt: iso(i.openedAtMs),
    topHypothesis: i.top.pattern,
    confidence: i.top.confidence,
    statement: i.top.statement,
    runnerUp: i.runnerUp?.pattern ?? null,
  };
}

export function scoreReplay(o: {
  scenario: Scenario;
  incidents: readonly Incident[];
  findings: { pattern: string; statement: string }[];
  virtualSeconds: number;
  wallSeconds: number;
}): ReplayReport {
  const { scenario: s } = o;
  const startMs = Date.parse(s.start);
  const expected = s.expected;
  const healthy = expected.category === 'healthy';
  const onsetMs = expected.onset ? resolveInstant(expected.onset, startMs) : undefined;
  const after = (ms: number | undefined) =>
    ms === undefined || onsetMs === undefined ? null : Math.max(0, Math.round((ms - onsetMs) / 1000));
  const firstOpened = o.incidents
    .map((i) => i.openedAtMs)
    .filter((t) => onsetMs !== undefined && t >= onsetMs)
    .sort((a, b) => a - b)[0];
  const firstCorrect = o.incidents
    .map((i) => i.topSince[expected.category])
    .filter((t): t is number => t !== undefined && onsetMs !== undefined && t >= onsetMs)
    .sort((a, b) => a - b)[0];
  const real = expected.realTimeline;
  const realStart = real?.impactStart ? resolveInstant(real.impactStart, startMs) : onsetMs;
  const realIdentified = real?.identified ? resolveInstant(real.identified, startMs) : undefined;
  const expectations: ExpectationScore[] = healthy
    ? []
    : [
        {
          category: expected.category,
          onset: onsetMs === undefined ? null : iso(onsetMs),
          firstIncidentAfterSeconds: after(firstOpened),
          afterSeconds: after(firstCorrect),
          realIdentifiedAfterSeconds:
            realIdentified !== undefined && realStart !== undefined
              ? Math.round((realIdentified - realStart) / 1000)
              : null,
        },
      ];
  const falseIncidents = o.incidents.filter((i) => healthy || i.topSince[expected.category] === undefined);
  return {
    scenario: s.name,
    expectations,
    falseIncidents: falseIncidents.map(summarize),
    incidents: o.incidents.map(summarize),
    findings: o.findings,
    virtualSeconds: Math.round(o.virtualSeconds),
    wallSeconds: Math.round(o.wallSeconds * 10) / 10,
    passed:
      falseIncidents.length === 0 &&
      expectations.every((e) => e.firstIncidentAfterSeconds !== null && e.afterSeconds !== null),
  };
}
