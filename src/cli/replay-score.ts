/**
 * Scores a replay against the scenario's expected diagnosis (which the pipeline never
 * saw): virtual seconds from the fault's onset to the first incident and to the first
 * moment an incident's top hypothesis had the expected category, whether that was by the
 * scenario's `detectBy` (else before the real team identified it), the incidents whose top
 * hypothesis never matched (false incidents), whether a wrong cause stayed top with
 * confidence for long (misleading), how often each incident's top and status changed, and
 * the real incident's times beside ours.
 */
import type { Incident } from '../incident/incident.ts';
import type { Scenario } from '../sim/scenario/schema.ts';
import { resolveInstant } from '../sim/scenario/time-spec.ts';
import { rfc3339 } from '../time/clock.ts';

/** A wrong cause top with this confidence, for this long, misleads the people reading it. */
export const misleadingConfidence = 0.7;
export const misleadingAfterMs = 10 * 60_000;
const unknownPattern = 'cause-not-identified';

export type Outcome =
  /** Correct top hypothesis by the bar. */
  | 'correct'
  /** Correct, but later than the bar. */
  | 'late'
  /** Said "cause not identified" rather than naming a wrong cause. */
  | 'honest-unknown'
  /** A wrong cause stayed top with confidence. */
  | 'misleading'
  /** No incident about it at all. */
  | 'missed'
  /** A healthy baseline that stayed quiet. */
  | 'quiet';

export interface ExpectationScore {
  category: string;
  onset: string | null;
  firstIncidentAfterSeconds: number | null;
  afterSeconds: number | null;
  /** The bar: the scenario's detectBy, else when the real team identified the cause. */
  detectBy: string | null;
  withinDetectBy: boolean | null;
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
  /** Times the top hypothesis changed after opening. */
  topChanges: number;
  /** Status changes after opening. */
  statusChanges: number;
}

/** One round's top of one open incident, recorded by the replay. */
export interface TopSample {
  atMs: number;
  incident: string;
  pattern: string;
  confidence: number;
}

export interface ReplayReport {
  scenario: string;
  /** The scorecard family of the expected category. */
  family: string;
  outcome: Outcome;
  expectations: ExpectationScore[];
  falseIncidents: IncidentSummary[];
  incidents: IncidentSummary[];
  findings: { pattern: string; statement: string }[];
  /** The longest stretch a wrong cause was top with confidence ≥ 0.7, in seconds. */
  misleadingSeconds: number;
  misleadingPattern: string | null;
  virtualSeconds: number;
  wallSeconds: number;
  /** Met every expectation by its bar with no false incident and nothing misleading. */
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
    topChanges: i.timeline.filter((e) => e.kind === 'hypothesis').length,
    statusChanges: i.timeline.filter((e) => e.kind === 'status').length,
  };
}

/** The failure families of the scorecard, by expected category. */
const families: Record<string, string> = {
  healthy: 'baseline',
  'node-network': 'node network and jobs',
  'node-dns': 'node network and jobs',
  'node-scheduled-job': 'node network and jobs',
  'node-lifecycle': 'node network and jobs',
  'node-image-regression': 'node image or kernel',
  'node-memory-exhaustion': 'node resources',
  'node-disk-exhaustion': 'node resources',
  'node-pid-exhaustion': 'node resources',
  'workload-exhausts-node': 'node resources',
  'resource-pressure': 'node resources',
  'node-io-saturation': 'node I/O',
  'container-runtime-failure': 'runtime and kubelet',
  'kubelet-api-throttling': 'runtime and kubelet',
  'kubelet-failure': 'runtime and kubelet',
  'system-component-at-limits': 'system components and DNS',
  'dns-overload': 'system components and DNS',
  'cluster-dns': 'system components and DNS',
  'api-server-overload': 'API server load',
  'control-plane-degraded': 'API server load',
  'control-plane-component-loop': 'control plane',
  'control-plane-unreachable': 'control plane',
  'admission-webhook-failure': 'admission',
  'certificate-expiry': 'certificates',
  'pod-network-broken': 'pod network',
  'pod-ip-exhaustion': 'pod network',
  'conntrack-exhaustion': 'pod network',
  'mtu-mismatch': 'pod network',
  'service-routing': 'service routing',
  'service-proxy-sync-failure': 'service routing',
  'edge-traffic-path': 'outside the cluster',
  'provider-network': 'outside the cluster',
  'image-pull-failure': 'registry and images',
  'change-induced-regression': 'change-induced',
  'upgrade-regression': 'change-induced',
  'app-bug': 'workloads',
  'bad-rollout': 'workloads',
};

export function familyOfCategory(category: string): string {
  return families[category] ?? category;
}

/**
 * Rounds further apart than this for one incident mean it was resolved in between (a
 * resolved incident is not sampled): it asserted nothing then, so the run ends.
 */
const sampleGapMs = 2 * 60_000;

/** The longest run of rounds in which a wrong cause was top of some incident with confidence. */
function misleading(
  samples: readonly TopSample[],
  expected: string,
  fromMs: number,
): { ms: number; pattern: string | null } {
  let best = { ms: 0, pattern: null as string | null };
  const runs = new Map<string, { pattern: string; startMs: number; lastMs: number }>();
  for (const s of [...samples].sort((a, b) => a.atMs - b.atMs)) {
    const wrong =
      s.atMs >= fromMs &&
      s.pattern !== expected &&
      s.pattern !== unknownPattern &&
      s.confidence >= misleadingConfidence;
    const run = runs.get(s.incident);
    if (!wrong) {
      runs.delete(s.incident);
      continue;
    }
    if (!run || run.pattern !== s.pattern || s.atMs - run.lastMs > sampleGapMs)
      runs.set(s.incident, { pattern: s.pattern, startMs: s.atMs, lastMs: s.atMs });
    else run.lastMs = s.atMs;
    const r = runs.get(s.incident)!;
    if (r.lastMs - r.startMs > best.ms) best = { ms: r.lastMs - r.startMs, pattern: r.pattern };
  }
  return best;
}

export function scoreReplay(o: {
  scenario: Scenario;
  incidents: readonly Incident[];
  findings: { pattern: string; statement: string }[];
  virtualSeconds: number;
  wallSeconds: number;
  /** Each round's top of each open incident; without it nothing counts as misleading. */
  tops?: readonly TopSample[];
}): ReplayReport {
  const { scenario: s } = o;
  const startMs = Date.parse(s.start);
  const expected = s.expected;
  const healthy = expected.category === 'healthy';
  const onsetMs = expected.onset ? resolveInstant(expected.onset, startMs) : undefined;
  const after = (ms: number | undefined) =>
    ms === undefined || onsetMs === undefined ? null : Math.max(0, Math.round((ms - onsetMs) / 1000));
  // An incident that already named the expected cause before the onset (the same part was
  // failing for a reason that came first) and still names it at the onset counts from the
  // onset: the first round at or after it whose top is the expected category.
  const topAtOnset =
    onsetMs === undefined
      ? undefined
      : (o.tops ?? [])
          .filter((t) => t.atMs >= onsetMs && t.pattern === expected.category)
          .reduce<number | undefined>(
            (min, t) => (min === undefined || t.atMs < min ? t.atMs : min),
            undefined,
          );
  const firstCorrect = [
    ...o.incidents
      .map((i) => i.topSince[expected.category])
      .filter((t): t is number => t !== undefined && onsetMs !== undefined && t >= onsetMs),
    ...(topAtOnset === undefined ? [] : [topAtOnset]),
  ].sort((a, b) => a - b)[0];
  const firstOpened = [
    ...o.incidents.map((i) => i.openedAtMs).filter((t) => onsetMs !== undefined && t >= onsetMs),
    ...(topAtOnset === undefined ? [] : [topAtOnset]),
  ].sort((a, b) => a - b)[0];
  const real = expected.realTimeline;
  const realStart = real?.impactStart ? resolveInstant(real.impactStart, startMs) : onsetMs;
  const realIdentified = real?.identified ? resolveInstant(real.identified, startMs) : undefined;
  const barMs = expected.detectBy ? resolveInstant(expected.detectBy, startMs) : realIdentified;
  const expectations: ExpectationScore[] = healthy
    ? []
    : [
        {
          category: expected.category,
          onset: onsetMs === undefined ? null : iso(onsetMs),
          firstIncidentAfterSeconds: after(firstOpened),
          afterSeconds: after(firstCorrect),
          detectBy: barMs === undefined ? null : iso(barMs),
          withinDetectBy:
            firstCorrect === undefined ? false : barMs === undefined ? null : firstCorrect <= barMs,
          realIdentifiedAfterSeconds:
            realIdentified !== undefined && realStart !== undefined
              ? Math.round((realIdentified - realStart) / 1000)
              : null,
        },
      ];
  const falseIncidents = o.incidents.filter((i) => healthy || i.topSince[expected.category] === undefined);
  const mislead = misleading(o.tops ?? [], expected.category, onsetMs ?? startMs);
  const honest = o.incidents.some(
    (i) => i.topSince[unknownPattern] !== undefined && (onsetMs === undefined || i.openedAtMs >= onsetMs),
  );
  const e = expectations[0];
  const isMisleading = mislead.ms > misleadingAfterMs;
  const outcome: Outcome = healthy
    ? 'quiet'
    : e.afterSeconds !== null && e.withinDetectBy !== false
      ? 'correct'
      : isMisleading
        ? 'misleading'
        : e.afterSeconds !== null
          ? 'late'
          : honest
            ? 'honest-unknown'
            : 'missed';
  return {
    scenario: s.name,
    family: familyOfCategory(expected.category),
    outcome,
    expectations,
    falseIncidents: falseIncidents.map(summarize),
    incidents: o.incidents.map(summarize),
    findings: o.findings,
    misleadingSeconds: Math.round(mislead.ms / 1000),
    misleadingPattern: mislead.pattern,
    virtualSeconds: Math.round(o.virtualSeconds),
    wallSeconds: Math.round(o.wallSeconds * 10) / 10,
    passed:
      falseIncidents.length === 0 &&
      !isMisleading &&
      expectations.every(
        (x) => x.firstIncidentAfterSeconds !== null && x.afterSeconds !== null && x.withinDetectBy !== false,
      ),
  };
}
