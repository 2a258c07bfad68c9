/**
 * The write path, as kubetriage's own dry-run creates found it (kube/write-probe.ts, every
 * 30 s): refused, or answered only after a long wait. Reads succeed through all of this, so
 * without the probe such a failure shows only once a controller's create is refused and
 * an Event says so, or never (a Lease renewal, a ConfigMap update leave no Event).
 *
 * What it looks at: per target, its attempts of the last 10 minutes. The newest attempt
 * decides: refused with a cause that is the cluster's (not kubetriage's missing grant, not a
 * webhook that refuses dry runs), or slower than 10 s (the kubelet's heartbeat client gives
 * up after 10 s, and kubectl users notice), for at least two attempts in a row: one refusal
 * alone can be a webhook pod being replaced. Attempts that got no answer at all are left out
 * (the API server being unreachable is api-health's finding).
 *
 * Emits one `writes-refused` per cause and webhook (subject `webhook/<name>`, `quota/<name>`
 * or `cluster`), with the targets it hit, since when, how many attempts in a row, the last
 * error text. Critical when the write path fails closed (timeout, certificate, refused, no
 * endpoints, etcd), warning when a policy or quota refuses or writes are only slow.
 */
import type { WriteProbeResult } from '../observe/cluster-view.ts';
import type { Detector, Evidence, Signal } from './signal.ts';
import type { WritesRefusedFacts } from './signal-kinds.ts';
import { durationText, isoSeconds } from './timestamps.ts';

const windowMs = 10 * 60_000;
/** Two attempts in a row, 30 s apart: a blip (a webhook pod rolling over) passes in one. */
const minStreak = 2;
/** The kubelet's heartbeat client timeout; slower writes turn nodes NotReady through leases. */
const slowMs = 10_000;
/** Kinds that say nothing of the cluster: kubetriage's grant, a webhook that refuses dry runs. */
const notTheCluster = new Set(['forbidden', 'dry-run-unsupported']);
/** Refusals where the write path fails closed, rather than a policy or a quota saying no. */
const failsClosed = new Set(['timeout', 'x509', 'refused', 'no-endpoints', 'etcd-space', 'etcd', 'other']);
/** Live, "now" is our clock corrected by whole-second Date headers; see edge-probe.ts. */
const skewMs = 5_000;

type Cause = WritesRefusedFacts['cause'];

/** What one attempt says, as a key: the cause and the webhook, or undefined when it went well. */
function troubleOf(p: WriteProbeResult): { cause: Cause; webhook: string; quota: string } | undefined {
  if (p.ok) return p.latencyMs >= slowMs ? { cause: 'slow', webhook: '', quota: '' } : undefined;
  const r = p.refusal;
  if (!r || notTheCluster.has(r.kind) || r.kind === 'no-answer') return undefined;
  return { cause: r.kind, webhook: r.webhook ?? '', quota: r.quota ?? '' };
}

interface Streak {
  cause: Cause;
  webhook: string;
  quota: string;
  target: string;
  attempts: WriteProbeResult[];
  /** Attempts of the target in the window, and when it last went well. */
  windowAttempts: number;
  lastOkMs?: number;
}

/** The newest run of attempts of one target that failed the same way, when there is one. */
function streakOf(target: string, all: WriteProbeResult[]): Streak | undefined {
  // Attempts that got no answer, or that kubetriage may not make, say nothing of the write
  // path (api-health reads the former): they neither break a run nor start one.
  const list = all.filter((p) => p.ok || troubleOf(p) !== undefined);
  const newest = list[list.length - 1];
  if (!newest) return undefined;
  const key = troubleOf(newest);
  if (!key) return undefined;
  const same = (p: WriteProbeResult) => {
    const k = troubleOf(p);
    return k !== undefined && k.cause === key.cause && k.webhook === key.webhook;
  };
  let i = list.length - 1;
  while (i > 0 && same(list[i - 1]!)) i--;
  const lastOk = [...list].reverse().find((p) => troubleOf(p) === undefined && p.ok);
  return {
    ...key,
    target,
    attempts: list.slice(i),
    windowAttempts: all.length,
    ...(lastOk ? { lastOkMs: lastOk.atMs } : {}),
  };
}

export const writesRefused: Detector = (view, nowMs) => {
  const byTarget = new Map<string, WriteProbeResult[]>();
  for (const p of view.writeProbes.toArray()) {
    if (p.atMs < nowMs - windowMs || p.atMs > nowMs + skewMs) continue;
    const list = byTarget.get(p.target) ?? [];
    list.push(p);
    byTarget.set(p.target, list);
  }
  const groups = new Map<string, Streak[]>();
  for (const [target, list] of [...byTarget].sort((a, b) => a[0].localeCompare(b[0]))) {
    list.sort((a, b) => a.atMs - b.atMs);
    const s = streakOf(target, list);
    if (!s || s.attempts.length < minStreak) continue;
    const key = `${s.cause}\u0000${s.webhook}\u0000${s.quota}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const out: Signal[] = [];
  for (const streaks of groups.values()) {
    const { cause, webhook, quota } = streaks[0]!;
    const attempts = streaks.flatMap((s) => s.attempts).sort((a, b) => a.atMs - b.atMs);
    const first = attempts[0]!;
    const last = attempts[attempts.length - 1]!;
    const targets = streaks.map((s) => s.target);
    const lastOk = Math.max(...streaks.map((s) => s.lastOkMs ?? Number.NEGATIVE_INFINITY));
    const slowest = Math.max(...attempts.map((p) => p.latencyMs));
    const what =
      cause === 'slow'
        ? `took ${Math.round(slowest / 1000)} s at worst`
        : `refused (${cause}${webhook ? `, webhook ${webhook}` : ''}${quota ? `, quota ${quota}` : ''})`;
    const next = webhook
      ? `kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations -o wide | grep -e NAME -e ${webhook.split('.')[0]}`
      : quota
        ? `kubectl describe resourcequota ${quota} -n ${targets[0]!.split('/')[1]}`
        : cause.startsWith('etcd')
          ? 'etcdctl endpoint status --cluster -w table; etcdctl alarm list'
          : `kubectl create configmap kubetriage-write-check --dry-run=server -n ${targets[0]!.split('/')[1]}`;
    out.push({
      detector: 'writes-refused',
      kind: 'writes-refused',
      subject: webhook ? `webhook/${webhook}` : quota ? `quota/${quota}` : 'cluster',
      severity: failsClosed.has(cause) ? 'critical' : 'warning',
      sinceMs: first.atMs,
      summary: `kubetriage's dry-run create of ${targets.join(', ')} ${what} ${attempts.length} time(s) in a row for ${durationText(last.atMs - first.atMs)} since ${isoSeconds(first.atMs)}${last.error ? `: "${last.error.slice(0, 200)}"` : ''}; see ${next}`,
      scope: { namespaces: [...new Set(targets.map((t) => t.split('/')[1]!))].sort() },
      facts: {
        cause,
        webhook,
        quota,
        targets,
        failures: attempts.length,
        attempts: streaks.reduce((n, s) => n + s.windowAttempts, 0),
        since: isoSeconds(first.atMs),
        lastStatus: last.status ?? 0,
        lastError: (last.error ?? '').slice(0, 600),
        slowestMs: slowest,
        ...(Number.isFinite(lastOk) ? { lastOk: isoSeconds(lastOk) } : {}),
      },
      evidence: attempts.slice(-3).map(
        (p): Evidence => ({
          source: 'probe',
          ref: `write-probe/${p.target}`,
          atMs: p.atMs,
          text: `dry-run create of ${p.target}: ${p.ok ? `HTTP ${p.status ?? 201}` : (p.error ?? 'failed')} after ${p.latencyMs} ms`,
          raw: {
            kind: 'probe',
            check: `write/${p.target}`,
            status: p.status,
            latencyMs: p.latencyMs,
            error: p.error,
          },
        }),
      ),
    });
  }
  return out;
};
