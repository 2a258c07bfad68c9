/**
 * The API server as seen from where kubetriage runs: its own /livez, /readyz and /version
 * probes (every 5 s) and its reflectors. Losing our own connection is the finding, not a
 * reason to go quiet: a run of unanswered probes is `api-unreachable`, and when the probes
 * themselves have stopped reporting, failing reflectors speak instead. Absence of data is
 * never read as health.
 *
 * Emits:
 * - `api-unreachable` (critical): no answer for ≥ 2 probes of one check in a row, or for ≥ 10 s.
 * - `api-never-reached` (critical): the same, when neither a probe nor a watch has ever had an
 *   answer since kubetriage started: a wrong address, name or CA in the kubeconfig looks
 *   exactly like this, so it says nothing about the cluster (never an outage of one).
 * - `api-degraded` (warning): answers, but slow (p50 > 1 s, or ≥ 3 probes over 1 s in the
 *   last minute, or a p50 of 200 ms or more that is ten times the half hour before's),
 *   5xx/429 answers, or intermittent non-answers.
 */
import type { ProbeResult, SourceStatus } from '../observe/cluster-view.ts';
import { clock, transportErrorKind } from './log-lines.ts';
import type { Detector, Evidence, Signal, SignalOf } from './signal.ts';
import { uniqueSorted } from './signal.ts';
import type { ApiUnreachableFacts } from './signal-kinds.ts';

const detector = 'api-health';

/** One unanswered probe can be a lost packet; two in a row of the same check is a pattern. */
export const failuresInARow = 2;
/** Or everything unanswered this long: two probe rounds at the 5 s cadence. */
export const unreachableAfterMs = 10_000;
/** Probes run every 5 s; six silent rounds means our prober itself stopped reporting. */
export const probesStaleAfterMs = 30_000;
export const latencyWindowMs = 60_000;
/**
 * The upstream API latency SLO is p99 ≤ 1 s for single-object calls; /livez and /version are
 * cheaper than any of those, so a median above it, or several probes above it, is degraded.
 */
export const slowMs = 1_000;
export const slowProbesToFire = 3;
/**
 * Slow for this cluster: /livez and /readyz wait on etcd, so a disk that makes every etcd
 * round trip take 400 ms shows as probes ten times slower than usual long before they pass
 * 1 s. The floor keeps a fast cluster's jitter (2 ms to 20 ms) from counting.
 */
export const usualWindowMs = 30 * 60_000;
export const slowerThanUsual = 10;
export const slowFloorMs = 200;
/** One 500 from /readyz during an etcd hiccup is noise; two in a minute is a trend. */
export const errorAnswersToFire = 2;

/**
 * A probe the API server did not answer: no HTTP status at all (timeout, refused, reset),
 * or 502/503/504, which a load balancer or proxy in front of it returns when nothing behind
 * answered. The API server itself answers failed health checks with 500.
 */
export function unanswered(p: ProbeResult): boolean {
  if (p.ok) return false;
  if (!p.status) return true;
  return p.status === 502 || p.status === 503 || p.status === 504;
}

/** The error without the `https://host:6443/livez: ` prefix our client puts first. */
export function probeError(p: ProbeResult): string {
  const e = p.error ?? (p.status ? `HTTP ${p.status}` : 'no answer');
  return e.replace(/^[a-z]+:\/\/[^\s/]+\/\S*: /, '');
}

export const apiHealth: Detector = (view, nowMs) => {
  const probes = view.probes.within(Number.NEGATIVE_INFINITY, nowMs);
  const sources = view.freshness(nowMs, probesStaleAfterMs);
  const reflectorsFailing = sources.filter(
    (s) => s.source.startsWith('reflector/') && s.failingSinceMs !== undefined,
  );
  const lastOkMs = maxOf(sources.filter((s) => s.source.startsWith('probe/')).map((s) => s.lastOkMs));
  const everAnswered = sources.some(
    (s) => (s.source.startsWith('probe/') || s.source.startsWith('reflector/')) && s.lastOkMs !== undefined,
  );
  const newest = probes[probes.length - 1];
  const probesStale = newest === undefined || nowMs - newest.atMs > probesStaleAfterMs;

  const down = probesStale
    ? fromReflectors(nowMs, reflectorsFailing, sources, lastOkMs, newest)
    : fromProbes(probes, nowMs, reflectorsFailing, lastOkMs);
  if (down)
    return [
      everAnswered ? down : { ...down, kind: 'api-never-reached' as const, summary: neverReached(down) },
    ];
  if (probesStale) return [];
  const degraded = degradedSignal(probes, nowMs);
  return degraded ? [degraded] : [];
};

/** The trailing run of unanswered probes, newest last; empty when the newest was answered. */
function failingStreak(probes: readonly ProbeResult[]): ProbeResult[] {
  let i = probes.length;
  while (i > 0 && unanswered(probes[i - 1])) i--;
  return probes.slice(i);
}

function fromProbes(
  probes: readonly ProbeResult[],
  nowMs: number,
  reflectorsFailing: SourceStatus[],
  lastOkMs: number | undefined,
): SignalOf<'api-unreachable'> | undefined {
  const streak = failingStreak(probes);
  if (streak.length === 0) return undefined;
  const perCheck = new Map<string, number>();
  for (const p of streak) perCheck.set(p.check, (perCheck.get(p.check) ?? 0) + 1);
  // A long outage outlasts the probe history: when every probe held failed, the streak began
  // with the first probe after the last answer, not with the oldest probe still held.
  const sinceMs =
    streak.length === probes.length && lastOkMs !== undefined && lastOkMs < streak[0].atMs
      ? lastOkMs + 1
      : streak[0].atMs;
  if (Math.max(...perCheck.values()) < failuresInARow && nowMs - sinceMs < unreachableAfterMs)
    return undefined;
  const errors = uniqueSorted(streak.map(probeError));
  const evidence: Evidence[] = firstAndLast(streak).map((p) => ({
    source: 'probe' as const,
    ref: `probe/${p.check}`,
    atMs: p.atMs,
    text: `GET /${p.check} failed after ${p.latencyMs} ms: ${probeError(p)}`,
  }));
  return unreachableSignal({
    sinceMs,
    failures: streak.length,
    errors,
    lastOkMs,
    reflectorsFailing,
    probesStale: false,
    evidence: [...evidence, ...reflectorEvidence(reflectorsFailing)],
  });
}

/**
 * Our probes are silent. If the reflectors, which talk to the same API server, all fail,
 * that is the same finding from another witness; if they work, we cannot say the API is down.
 */
function fromReflectors(
  nowMs: number,
  reflectorsFailing: SourceStatus[],
  sources: SourceStatus[],
  lastOkMs: number | undefined,
  newestProbe: ProbeResult | undefined,
): SignalOf<'api-unreachable'> | undefined {
  const reflectors = sources.filter((s) => s.source.startsWith('reflector/'));
  if (reflectorsFailing.length === 0 || reflectorsFailing.length < reflectors.length) return undefined;
  const sinceMs = Math.min(...reflectorsFailing.map((s) => s.failingSinceMs ?? nowMs));
  if (nowMs - sinceMs < unreachableAfterMs) return undefined;
  const evidence = reflectorEvidence(reflectorsFailing);
  if (newestProbe)
    evidence.unshift({
      source: 'probe',
      ref: `probe/${newestProbe.check}`,
      atMs: newestProbe.atMs,
      text: `no probe result since ${clock(newestProbe.atMs)}`,
    });
  return unreachableSignal({
    sinceMs,
    failures: reflectorsFailing.reduce((s, r) => s + r.failures, 0),
    errors: uniqueSorted(reflectorsFailing.map((r) => r.lastError ?? 'unknown error')),
    lastOkMs: lastOkMs ?? maxOf(reflectors.map((r) => r.lastOkMs)),
    reflectorsFailing,
    probesStale: true,
    evidence,
  });
}

interface Unreachable {
  sinceMs: number;
  failures: number;
  errors: string[];
  lastOkMs: number | undefined;
  reflectorsFailing: SourceStatus[];
  probesStale: boolean;
  evidence: Evidence[];
}

function unreachableSignal(u: Unreachable): SignalOf<'api-unreachable'> {
  const errorKinds = uniqueSorted(u.errors.map((e) => transportErrorKind(e) ?? 'other'));
  const facts: ApiUnreachableFacts = {
    since: u.sinceMs,
    failures: u.failures,
    errors: u.errors,
    errorKinds,
    reflectorsFailing: uniqueSorted(u.reflectorsFailing.map((r) => r.source)),
    probesStale: u.probesStale,
  };
  if (u.lastOkMs !== undefined) facts.lastOkMs = u.lastOkMs;
  const last = u.lastOkMs === undefined ? 'never answered' : `last answer ${clock(u.lastOkMs)}`;
  return {
    detector,
    kind: 'api-unreachable',
    subject: 'cluster',
    severity: 'critical',
    sinceMs: u.sinceMs,
    summary: `API server unreachable from kubetriage since ${clock(u.sinceMs)} (${u.failures} failures: ${errorKinds.join(', ')}); ${last}`,
    scope: {},
    facts,
    evidence: u.evidence,
  };
}

/** The API server has never answered this process: what we know is how the connection fails. */
function neverReached(down: SignalOf<'api-unreachable'>): string {
  const f = down.facts;
  return `kubetriage has had no answer from the API server since it started (${f.failures} failures since ${clock(f.since)}: ${f.errorKinds.join(', ')}); it has never seen this cluster`;
}

function degradedSignal(probes: readonly ProbeResult[], nowMs: number): Signal | undefined {
  const streak = new Set(failingStreak(probes));
  const recent = probes.filter((p) => p.atMs >= nowMs - latencyWindowMs && !streak.has(p));
  const answered = recent.filter((p) => !unanswered(p));
  const latencies = answered.map((p) => p.latencyMs).sort((a, b) => a - b);
  const p50Ms = latencies.length ? latencies[Math.floor((latencies.length - 1) / 2)] : 0;
  const maxMs = latencies.length ? latencies[latencies.length - 1] : 0;
  const slow = answered.filter((p) => p.latencyMs > slowMs);
  const errorAnswers = answered.filter(
    (p) => p.status !== undefined && (p.status >= 500 || p.status === 429),
  );
  const missed = recent.filter(unanswered);
  const usual = probes
    .filter((p) => p.atMs >= nowMs - usualWindowMs && p.atMs < nowMs - latencyWindowMs && !unanswered(p))
    .map((p) => p.latencyMs)
    .sort((a, b) => a - b);
  const usualP50Ms = usual.length >= 30 ? usual[Math.floor((usual.length - 1) / 2)] : undefined;
  const unusual =
    usualP50Ms !== undefined && p50Ms >= slowFloorMs && p50Ms >= slowerThanUsual * Math.max(usualP50Ms, 1);
  const tooSlow = latencies.length >= 3 && (p50Ms > slowMs || slow.length >= slowProbesToFire || unusual);
  if (!tooSlow && errorAnswers.length < errorAnswersToFire && missed.length < 2) return undefined;
  const late = unusual ? answered.filter((p) => p.latencyMs >= slowFloorMs) : slow;
  const offending = [...new Set([...late, ...errorAnswers, ...missed])].sort((a, b) => a.atMs - b.atMs);
  const statuses = uniqueSorted(errorAnswers.map((p) => `${p.check} ${p.status}`));
  // A failed /livez or /readyz lists its checks: `[-]etcd failed: reason withheld`.
  const failedChecks = uniqueSorted(
    errorAnswers.flatMap((p) =>
      [...(p.error ?? p.body ?? '').matchAll(/\[-\]([\w/.-]+) failed/g)].map((x) => x[1]!),
    ),
  );
  const parts = [`p50 ${p50Ms} ms, max ${maxMs} ms${unusual ? ` (usually ${usualP50Ms} ms)` : ''}`];
  if (statuses.length) parts.push(`answers ${statuses.join(', ')}`);
  if (failedChecks.length) parts.push(`failing checks ${failedChecks.join(', ')}`);
  if (missed.length) parts.push(`${missed.length} unanswered`);
  return {
    detector,
    kind: 'api-degraded',
    subject: 'cluster',
    severity: 'warning',
    sinceMs: offending[0]?.atMs ?? nowMs,
    summary: `API server answers kubetriage poorly over the last minute: ${parts.join('; ')}`,
    scope: {},
    facts: {
      p50Ms,
      maxMs,
      statuses,
      slowProbes: slow.length,
      answered: answered.length,
      unanswered: missed.length,
      ...(unusual ? { usualP50Ms } : {}),
      ...(failedChecks.length ? { failedChecks } : {}),
    },
    evidence: offending.slice(-5).map((p) => ({
      source: 'probe',
      ref: `probe/${p.check}`,
      atMs: p.atMs,
      text: p.ok
        ? `GET /${p.check} took ${p.latencyMs} ms`
        : `GET /${p.check} failed after ${p.latencyMs} ms: ${probeError(p)}`,
    })),
  };
}

function reflectorEvidence(failing: SourceStatus[]): Evidence[] {
  return failing.slice(0, 5).map((r) => ({
    source: 'probe',
    ref: r.source,
    atMs: r.failingSinceMs,
    text: `${r.source} failing since ${clock(r.failingSinceMs ?? 0)} (${r.failures} failures): ${r.lastError ?? 'unknown error'}`,
  }));
}

function firstAndLast<T>(list: readonly T[]): T[] {
  return list.length <= 1 ? [...list] : [list[0], list[list.length - 1]];
}

function maxOf(values: (number | undefined)[]): number | undefined {
  let max: number | undefined;
  for (const v of values) if (v !== undefined && (max === undefined || v > max)) max = v;
  return max;
}
