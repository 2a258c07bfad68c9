/**
 * What users see from outside: the tool's own GETs of the public URLs it was given
 * (`--probe-url`: the load balancer, the ingress hosts), every 10 s, over the last 5 min.
 * A failure is an answer of 500 or more, no answer within the deadline, a refused or reset
 * connection, a name that does not resolve, or a TLS failure (an expired certificate, a
 * name that does not match, an unknown authority). Alongside, what the view says of the
 * cluster itself meanwhile (the API answers, the nodes are Ready), because users failing
 * while everything inside is healthy points outside the cluster: the load balancer, its
 * targets, DNS, a certificate.
 *
 * Emits `edge-probe-failing` per URL whose latest GET failed and at least half of the
 * window's failed (subject `url/<url>`). Critical when nine in ten or more failed, else
 * warning. Facts: see EdgeProbeFailingFacts.
 */
import type { UrlProbeResult } from '../observe/cluster-view.ts';
import { bump, countsText } from './event-records.ts';
import { conditionOf } from './node-attributes.ts';
import type { Detector, Evidence, Signal } from './signal.ts';
import { isoSeconds } from './timestamps.ts';

export const edgeWindowMs = 5 * 60_000;
const criticalRatio = 0.9;
/** The API probes of the last minute tell whether the API answers now. */
const apiRecentMs = 60_000;
/**
 * Live, "now" is our clock corrected by the API server's Date headers, which have whole
 * seconds: an observation can be stamped a moment after the "now" asked about.
 */
const skewMs = 5_000;

export const edgeProbe: Detector = (view, nowMs) => {
  const byUrl = new Map<string, UrlProbeResult[]>();
  for (const p of view.urlProbes.within(nowMs - edgeWindowMs, nowMs + skewMs)) {
    const list = byUrl.get(p.url) ?? [];
    list.push(p);
    byUrl.set(p.url, list);
  }
  if (byUrl.size === 0) return [];
  const api = view.probes.within(nowMs - apiRecentMs, nowMs + skewMs).filter((p) => p.check !== 'version');
  const apiHealthy = api.length > 0 && api.every((p) => p.ok);
  const nodes = view.list('nodes');
  const nodesReady = nodes.filter((n) => conditionOf(n, 'Ready')?.status === 'True').length;
  const inClusterHealthy = apiHealthy && nodes.length > 0 && nodesReady / nodes.length >= 0.9;
  const out: Signal[] = [];
  for (const [url, list] of [...byUrl].sort((a, b) => a[0].localeCompare(b[0]))) {
    list.sort((a, b) => a.atMs - b.atMs);
    const latest = list[list.length - 1];
    const failed = list.filter((p) => !p.ok);
    const ratio = failed.length / list.length;
    if (latest.ok || ratio < 0.5) continue;
    const statuses = new Map<string, number>();
    const kinds = new Map<string, number>();
    for (const p of list) if (p.status !== undefined) bump(statuses, String(p.status));
    for (const p of failed) bump(kinds, p.errorKind ?? 'other');
    const lastSuccess = [...list].reverse().find((p) => p.ok);
    const host = new URL(url).host;
    const kindText = countsText(kinds, 2).join(', ');
    out.push({
      detector: 'edge-probe',
      kind: 'edge-probe-failing',
      subject: `url/${url}`,
      severity: ratio >= criticalRatio ? 'critical' : 'warning',
      sinceMs: failed[0].atMs,
      summary:
        `${failed.length} of ${list.length} GETs of ${url} failed in the last 5 min (${kindText})` +
        `${inClusterHealthy ? ' while the API and nodes inside are healthy' : ''}; try curl -sv ${url}`,
      scope: {},
      facts: {
        url,
        host,
        attempts: list.length,
        failures: failed.length,
        failureRatio: Math.round(ratio * 1000) / 1000,
        statuses: countsText(statuses),
        errorKinds: countsText(kinds).map((k) => k.slice(0, k.lastIndexOf('='))),
        lastError: (latest.error ?? '').slice(0, 300),
        ...(latest.status !== undefined ? { lastStatus: latest.status } : {}),
        firstFailure: isoSeconds(failed[0].atMs),
        ...(lastSuccess ? { lastSuccess: isoSeconds(lastSuccess.atMs) } : {}),
        windowMinutes: edgeWindowMs / 60_000,
        inClusterHealthy,
        apiHealthy,
        nodesReady,
        nodesTotal: nodes.length,
      },
      evidence: failed.slice(-3).map(
        (p): Evidence => ({
          source: 'probe',
          ref: `url/${url}`,
          atMs: p.atMs,
          text: `GET ${url}: ${p.status !== undefined ? `HTTP ${p.status}` : (p.error ?? 'failed')} after ${p.latencyMs} ms`,
          raw: { kind: 'probe', check: url, status: p.status, latencyMs: p.latencyMs, error: p.error },
        }),
      ),
    });
  }
  return out;
};
