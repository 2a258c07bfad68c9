/**
 * The API server answers, but refuses kubetriage: 401 (the credentials are not accepted:
 * an expired token, a rotated certificate, a deleted service account) or 403 (accepted,
 * but not allowed to read). Then kubetriage cannot see the cluster at all, and must say so
 * instead of reading the silence as health or as an outage. Read from our own probes
 * (`/livez`, `/readyz`, `/version`) and from reflectors whose lists are refused.
 *
 * Emits `api-access-denied` (critical, subject `cluster`) when the last two probes of a
 * check, or every reflector for 10 s, were refused with 401/403. Facts: status (401 or
 * 403, the newest), failures, errors, reflectorsDenied.
 */
import type { ProbeResult, SourceStatus } from '../observe/cluster-view.ts';
import { clock } from './log-lines.ts';
import type { Detector, Evidence, Signal } from './signal.ts';
import { uniqueSorted } from './signal.ts';

const inARow = 2;
const reflectorsForMs = 10_000;
/** As client-go and our client word a refusal: the status code or its reason. */
const refusal = /\b(401|403)\b|Unauthorized|Forbidden|forbidden/;

const deniedProbe = (p: ProbeResult) => p.status === 401 || p.status === 403;

export const apiAccess: Detector = (view, nowMs) => {
  const probes = view.probes.within(Number.NEGATIVE_INFINITY, nowMs);
  let i = probes.length;
  while (i > 0 && deniedProbe(probes[i - 1])) i--;
  const streak = probes.slice(i);
  const perCheck = new Map<string, number>();
  for (const p of streak) perCheck.set(p.check, (perCheck.get(p.check) ?? 0) + 1);
  const reflectors = view.freshness(nowMs, 30_000).filter((s) => s.source.startsWith('reflector/'));
  const denied = reflectors.filter(
    (s) => s.failingSinceMs !== undefined && refusal.test(s.lastError ?? '') && nowMs - s.failingSinceMs >= 0,
  );
  const byProbes = streak.length > 0 && Math.max(...perCheck.values()) >= inARow;
  const allDenied =
    reflectors.length > 0 &&
    denied.length === reflectors.length &&
    nowMs - Math.min(...denied.map((s) => s.failingSinceMs!)) >= reflectorsForMs;
  if (!byProbes && !allDenied) return [];
  return [deniedSignal(streak, denied, nowMs)];
};

function deniedSignal(streak: ProbeResult[], denied: SourceStatus[], nowMs: number): Signal {
  const newest = streak[streak.length - 1];
  const statusText =
    newest?.status ?? (denied.some((s) => /\b403\b|Forbidden|forbidden/.test(s.lastError ?? '')) ? 403 : 401);
  const sinceMs = Math.min(streak[0]?.atMs ?? nowMs, ...denied.map((s) => s.failingSinceMs ?? nowMs));
  const errors = uniqueSorted(
    [...streak.map((p) => p.error ?? `HTTP ${p.status}`), ...denied.map((s) => s.lastError ?? '')].filter(
      Boolean,
    ),
  ).slice(0, 5);
  const evidence: Evidence[] = [
    ...streak.slice(-2).map(
      (p): Evidence => ({
        source: 'probe',
        ref: `probe/${p.check}`,
        atMs: p.atMs,
        text: `GET /${p.check} answered ${p.status}: ${p.error ?? ''}`.trim(),
      }),
    ),
    ...denied.slice(0, 3).map(
      (s): Evidence => ({
        source: 'probe',
        ref: s.source,
        atMs: s.failingSinceMs ?? nowMs,
        text: `${s.source} refused: ${s.lastError ?? ''}`,
      }),
    ),
  ];
  return {
    detector: 'api-access',
    kind: 'api-access-denied',
    subject: 'cluster',
    severity: 'critical',
    sinceMs,
    summary: `the API server refuses kubetriage (${statusText}) since ${clock(sinceMs)}: ${streak.length} probes and ${denied.length} watches refused; check the credentials with kubectl auth whoami`,
    scope: {},
    facts: {
      status: statusText,
      failures: streak.length + denied.reduce((s, r) => s + r.failures, 0),
      errors,
      reflectorsDenied: uniqueSorted(denied.map((s) => s.source)),
    },
    evidence,
  };
}
