/**
 * What users see at the front door: the ingress controller's request counters
 * (`nginx_ingress_controller_requests{namespace,service,status}`, scraped through the pods
 * proxy) turned into per-Service request and 5xx rates over the last 5 minutes. A counter
 * that drops means the controller restarted; its new value counts as the increase.
 *
 * Emits `service-errors` per Service (subject `service/<ns>/<name>`) when at least
 * `minRequests` requests were served and more than 5 % of them were 5xx. Facts: namespace,
 * service, requests, errors (5xx count), errorRatio (0..1), statuses (`503=120`, most
 * first), controllers (pods that counted them), windowSeconds. Critical above 50 %.
 */
import type { ClusterView } from '../observe/cluster-view.ts';
import { parsePromText } from '../observe/prom-text.ts';
import { type Detector, type Signal, uniqueSorted } from './signal.ts';

const windowMs = 5 * 60_000;
const minRequests = 50;
const warnRatio = 0.05;
const criticalRatio = 0.5;

type Counts = Map<string, number>; // `ns/service|status` → count

const parsed = new WeakMap<object, Counts>();

/** Request counts of one scrape, parsed once: the scrape is read again every round. */
function counts(scrape: { text: string }): Counts {
  const cached = parsed.get(scrape);
  if (cached) return cached;
  const out: Counts = new Map();
  parsed.set(scrape, out);
  for (const s of parsePromText(scrape.text).samples) {
    if (s.name !== 'nginx_ingress_controller_requests') continue;
    const key = `${s.labels.namespace}/${s.labels.service}|${s.labels.status}`;
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

export const ingressErrors: Detector = (view: ClusterView, nowMs: number): Signal[] => {
  // Per controller pod: the oldest and newest scrape in the window.
  const byPod = new Map<
    string,
    { first: { text: string; atMs: number }; last: { text: string; atMs: number } }
  >();
  for (const m of view.metrics.toArray()) {
    if (m.component !== 'ingress-nginx' || !m.pod || m.atMs > nowMs || m.atMs < nowMs - windowMs) continue;
    const cur = byPod.get(m.pod);
    if (!cur) byPod.set(m.pod, { first: m, last: m });
    else cur.last = m;
  }
  const perService = new Map<string, { statuses: Map<string, number>; pods: Set<string>; firstMs: number }>();
  for (const [pod, { first, last }] of byPod) {
    if (first === last) continue;
    const before = counts(first);
    for (const [key, value] of counts(last)) {
      const prev = before.get(key) ?? 0;
      const inc = value >= prev ? value - prev : value;
      if (inc <= 0) continue;
      const [svc, status] = key.split('|');
      const agg = perService.get(svc) ?? { statuses: new Map(), pods: new Set(), firstMs: first.atMs };
      agg.statuses.set(status, (agg.statuses.get(status) ?? 0) + inc);
      agg.pods.add(pod);
      agg.firstMs = Math.min(agg.firstMs, first.atMs);
      perService.set(svc, agg);
    }
  }
  const out: Signal[] = [];
  for (const [svc, agg] of perService) {
    const requests = [...agg.statuses.values()].reduce((a, b) => a + b, 0);
    const errors = [...agg.statuses].filter(([s]) => s.startsWith('5')).reduce((a, [, n]) => a + n, 0);
    const ratio = requests ? errors / requests : 0;
    if (requests < minRequests || ratio <= warnRatio) continue;
    const [namespace, service] = svc.split('/');
    const statuses = [...agg.statuses].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s}=${n}`);
    out.push({
      detector: 'ingress-errors',
      kind: 'service-errors',
      subject: `service/${svc}`,
      severity: ratio > criticalRatio ? 'critical' : 'warning',
      sinceMs: agg.firstMs,
      summary: `${Math.round(ratio * 100)}% of ${requests} requests to ${svc} failed with 5xx in the last 5 min (${statuses.join(', ')})`,
      scope: { namespaces: [namespace], services: [svc] },
      facts: {
        namespace,
        service,
        requests,
        errors,
        errorRatio: Math.round(ratio * 1000) / 1000,
        statuses,
        controllers: uniqueSorted(agg.pods),
        windowSeconds: windowMs / 1000,
      },
      evidence: [
        {
          source: 'metric',
          ref: `service/${svc}`,
          atMs: nowMs,
          text: `nginx_ingress_controller_requests for ${svc}: ${statuses.join(' ')}`,
        },
      ],
    });
  }
  return out.sort((a, b) => a.subject.localeCompare(b.subject));
};
