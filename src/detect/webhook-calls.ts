/**
 * Admission webhook calls as the API server counts them in its own /metrics
 * (k8s.io/apiserver/pkg/admission/metrics): `apiserver_admission_webhook_request_total`
 * (every call, `code` 0 when no answer came), `apiserver_admission_webhook_rejection_count`
 * with `error_type="calling_webhook_error"` (failurePolicy Fail: the write is refused),
 * `apiserver_admission_webhook_fail_open_count` (failurePolicy Ignore: the write goes on,
 * after waiting out the call), and the latency histogram
 * `apiserver_admission_webhook_admission_duration_seconds`.
 *
 * Why the metrics and not only Events: a webhook that fails open leaves no Event at all,
 * and one that fails closed shows up in Events only when a controller's create is refused,
 * often long after the first refused write. A call that outlasts 10 s matters even when it
 * ends well: the kubelet's heartbeat client gives up after 10 s, so a slow webhook that
 * matches leases or node status turns nodes NotReady.
 *
 * Counters are compared per API server replica (apiserver-scrapes.ts), and increases are
 * summed over the replicas.
 *
 * Emits `webhook-calls-failing` per webhook (subject `webhook/<name>`) when, over the last
 * 5 minutes, at least one call failed and failures are a fifth of the calls or five or
 * more, or a fifth of the calls took over 10 s. Critical when writes were refused. Once
 * that stops, the webhook is still reported for 30 minutes at info severity, `ongoing` false.
 */
import type { ClusterView, MetricsScrape } from '../observe/cluster-view.ts';
import type { PromSample } from '../observe/prom-text.ts';
import { increase, scrapesByReplica } from './apiserver-scrapes.ts';
import type { Detector, Signal } from './signal.ts';
import { durationText, isoSeconds } from './timestamps.ts';

const windowMs = 5 * 60_000;
/**
 * How long trouble that has stopped is still reported (as info): as long as node flapping
 * is counted, so nodes that flipped while calls timed out are not later read as a network fault.
 */
const memoryMs = 30 * 60_000;
/** The kubelet's heartbeat client timeout (nodeStatusUpdateFrequency, 10 s). */
const slowSeconds = 10;
const minShare = 0.2;
const manyFailures = 5;

interface WebhookCounts {
  type: string;
  calls: number;
  refused: number;
  failedOpen: number;
  /** Calls counted by the latency histogram, and those within `slowSeconds`. */
  timed: number;
  fast: number;
  operations: Set<string>;
}

interface ScrapeCounts {
  hooks: Map<string, WebhookCounts>;
}

const parsed = new WeakMap<object, ScrapeCounts>();

/** The webhook counters of one scrape, parsed once: the scrape is read again every round. */
function countsOf(scrape: MetricsScrape, samples: readonly PromSample[]): ScrapeCounts {
  const cached = parsed.get(scrape);
  if (cached) return cached;
  const hooks = new Map<string, WebhookCounts>();
  const hook = (name: string, type: string): WebhookCounts => {
    let h = hooks.get(name);
    if (!h) {
      h = { type, calls: 0, refused: 0, failedOpen: 0, timed: 0, fast: 0, operations: new Set() };
      hooks.set(name, h);
    }
    return h;
  };
  for (const s of samples) {
    if (!s.name.startsWith('apiserver_admission_webhook_')) continue;
    const name = s.labels.name;
    if (!name) continue;
    const h = hook(name, s.labels.type ?? '');
    switch (s.name) {
      case 'apiserver_admission_webhook_request_total':
        h.calls += s.value;
        if (s.labels.operation) h.operations.add(s.labels.operation);
        break;
      case 'apiserver_admission_webhook_rejection_count':
        if (s.labels.error_type === 'calling_webhook_error') h.refused += s.value;
        break;
      case 'apiserver_admission_webhook_fail_open_count':
        h.failedOpen += s.value;
        break;
      case 'apiserver_admission_webhook_admission_duration_seconds_bucket':
        if (s.labels.le === '+Inf') h.timed += s.value;
        else if (Number(s.labels.le) === slowSeconds) h.fast += s.value;
        break;
    }
  }
  const out = { hooks };
  parsed.set(scrape, out);
  return out;
}

interface Totals {
  type: string;
  calls: number;
  refused: number;
  failedOpen: number;
  slow: number;
  operations: Set<string>;
  firstFailedMs?: number;
  lastTroubleMs?: number;
  fromMs: number;
  toMs: number;
}

interface Step {
  name: string;
  type: string;
  fromMs: number;
  toMs: number;
  calls: number;
  refused: number;
  failedOpen: number;
  slow: number;
  operations: Set<string>;
}

/** Per webhook, the increases between consecutive scrapes of each replica the view holds. */
function stepsOf(view: ClusterView, nowMs: number): Step[] {
  const steps: Step[] = [];
  for (const scrapes of scrapesByReplica(view, nowMs, countsOf))
    for (let i = 1; i < scrapes.length; i++) {
      const prev = scrapes[i - 1]!;
      const cur = scrapes[i]!;
      for (const [name, after] of cur.c.hooks) {
        const before = prev.c.hooks.get(name);
        const d = (pick: (h: WebhookCounts) => number) => increase(before ? pick(before) : 0, pick(after));
        steps.push({
          name,
          type: after.type,
          fromMs: prev.atMs,
          toMs: cur.atMs,
          calls: d((h) => h.calls),
          refused: d((h) => h.refused),
          failedOpen: d((h) => h.failedOpen),
          slow: Math.max(0, d((h) => h.timed) - d((h) => h.fast)),
          operations: after.operations,
        });
      }
    }
  return steps;
}

function sum(steps: readonly Step[]): Map<string, Totals> {
  const totals = new Map<string, Totals>();
  for (const x of steps) {
    const t = totals.get(x.name) ?? {
      type: x.type,
      calls: 0,
      refused: 0,
      failedOpen: 0,
      slow: 0,
      operations: new Set<string>(),
      fromMs: x.fromMs,
      toMs: x.toMs,
    };
    t.calls += x.calls;
    t.refused += x.refused;
    t.failedOpen += x.failedOpen;
    t.slow += x.slow;
    for (const op of x.operations) t.operations.add(op);
    t.fromMs = Math.min(t.fromMs, x.fromMs);
    t.toMs = Math.max(t.toMs, x.toMs);
    if (x.refused + x.failedOpen > 0) t.firstFailedMs = Math.min(t.firstFailedMs ?? x.fromMs, x.fromMs);
    if (x.refused + x.failedOpen + x.slow > 0) t.lastTroubleMs = Math.max(t.lastTroubleMs ?? x.toMs, x.toMs);
    totals.set(x.name, t);
  }
  return totals;
}

/**
 * When the webhook's current run of trouble began, as far back as the scrapes kept reach:
 * the earliest failed or slow step with no clean step (calls, none failed or slow) after it.
 */
function streakStart(steps: readonly Step[], name: string): number | undefined {
  const mine = steps.filter((x) => x.name === name).sort((a, b) => a.fromMs - b.fromMs);
  let start: number | undefined;
  for (const x of mine) {
    const trouble = x.refused + x.failedOpen + x.slow > 0;
    if (trouble) start ??= x.fromMs;
    else if (x.calls > 0) start = undefined;
  }
  return start;
}

/** Whether these totals are trouble: enough failed calls, or enough slow ones. */
function troubled(t: Totals): boolean {
  const failed = t.refused + t.failedOpen;
  const calls = Math.max(t.calls, failed);
  if (calls === 0) return false;
  return (
    (failed > 0 && (failed / calls >= minShare || failed >= manyFailures)) ||
    (t.slow > 0 && t.slow / calls >= minShare)
  );
}

export const webhookCalls: Detector = (view: ClusterView, nowMs: number): Signal[] => {
  const all = stepsOf(view, nowMs);
  const recent = sum(all.filter((x) => x.fromMs >= nowMs - windowMs));
  const remembered = sum(all.filter((x) => x.fromMs >= nowMs - memoryMs));
  const out: Signal[] = [];
  for (const [name, past] of remembered) {
    const now = recent.get(name);
    const ongoing = now !== undefined && troubled(now);
    // Over: reported for a while, as context (info), so what it did to the nodes can still be
    // told from what a network fault would have done.
    if (!ongoing && !troubled(past)) continue;
    const t = ongoing ? now! : past;
    const failed = t.refused + t.failedOpen;
    const calls = Math.max(t.calls, failed);
    const window = durationText(t.toMs - t.fromMs);
    const parts = [
      failed ? `${failed} of ${calls} call(s) failed` : `${calls} call(s)`,
      t.refused ? `${t.refused} write(s) refused` : '',
      t.failedOpen ? `${t.failedOpen} let through after failing open` : '',
      t.slow ? `${t.slow} took over ${slowSeconds} s` : '',
    ].filter(Boolean);
    const when = ongoing
      ? `in the last ${window}`
      : `in ${window} up to ${isoSeconds(past.lastTroubleMs ?? t.toMs)}, none since`;
    out.push({
      detector: 'webhook-calls',
      kind: 'webhook-calls-failing',
      subject: `webhook/${name}`,
      severity: !ongoing ? 'info' : t.refused > 0 ? 'critical' : 'warning',
      sinceMs: streakStart(all, name) ?? past.firstFailedMs ?? t.fromMs,
      summary: `admission webhook ${name}: ${parts.join(', ')} ${when} (API server metrics); see kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations`,
      scope: {},
      facts: {
        webhook: name,
        type: t.type,
        ongoing,
        calls,
        failed,
        refused: t.refused,
        failedOpen: t.failedOpen,
        slowCalls: t.slow,
        failedShare: Math.round((failed / calls) * 100) / 100,
        operations: [...t.operations].sort(),
        windowSeconds: Math.round((t.toMs - t.fromMs) / 1000),
        lastTrouble: isoSeconds(past.lastTroubleMs ?? t.toMs),
      },
      evidence: [
        {
          source: 'metric',
          ref: `metric/apiserver_admission_webhook_request_total{name="${name}"}`,
          atMs: nowMs,
          text: `apiserver_admission_webhook_* for ${name}: ${parts.join(', ')} ${when}`,
        },
      ],
    });
  }
  return out.sort((a, b) => a.subject.localeCompare(b.subject));
};
