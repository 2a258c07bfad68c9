/**
 * What users see at the front door: the ingress controller's request counters, scraped
 * through the pods proxy, turned into per-Service request and 5xx rates over the last 5
 * minutes. ingress-nginx counts `nginx_ingress_controller_requests{namespace,service,status}`;
 * Envoy-based controllers (Contour, Emissary, Envoy Gateway) count per upstream cluster,
 * which Contour names `<namespace>/<service>/<port>/<hash>`:
 * `envoy_cluster_upstream_rq{envoy_response_code}` (or only the class,
 * `envoy_cluster_upstream_rq_xx{envoy_response_code_class}`), plus
 * `envoy_cluster_upstream_cx_none_healthy`, requests Envoy answered 503 itself because no
 * endpoint was healthy; with no upstream series at all, the listener's
 * `envoy_http_downstream_rq_xx` is counted as the Service `listener:<prefix>` in the
 * controller's namespace (envoyproxy.io statistics reference). A counter that drops means
 * the controller restarted; its new value counts as the increase.
 *
 * Emits `service-errors` per Service (subject `service/<ns>/<name>`) when at least
 * `minRequests` requests were served and more than 5 % of them were 5xx, unless the last
 * minute's requests are back under 5 % (the window trails the recovery). Facts: namespace,
 * service, requests, errors (5xx count), errorRatio (0..1), statuses (`503=120`, most
 * first), controllers (pods that counted them), windowSeconds. Critical above 50 %.
 */
import type { ClusterView, MetricsScrape } from '../observe/cluster-view.ts';
import { parsePromText } from '../observe/prom-text.ts';
import { increase } from './apiserver-scrapes.ts';
import { bump } from './event-records.ts';
import { type Detector, type Signal, uniqueSorted } from './signal.ts';

const windowMs = 5 * 60_000;
/** Live, scrapes are stamped by a clock that follows the API server's whole-second Date headers. */
const skewMs = 5_000;
const ingressComponents = new Set(['ingress-nginx', 'ingress-envoy']);
const minRequests = 50;
/**
 * The 5-minute window trails: once the errors stop it still holds them for 5 minutes. The
 * last minute of counting (at least this long, from the scrape before it) tells whether
 * they still happen; with enough requests in it and no more than the warning share failing,
 * the Service has recovered and is not reported.
 */
const recentMs = 60_000;
const minRecentRequests = 20;
const warnRatio = 0.05;
const criticalRatio = 0.5;

type Counts = Map<string, number>; // `ns/service|status` → count

const parsed = new WeakMap<object, Counts>();

/** Request counts of one scrape, parsed once: the scrape is read again every round. */
function counts(scrape: MetricsScrape): Counts {
  const cached = parsed.get(scrape);
  if (cached) return cached;
  const out: Counts = new Map();
  parsed.set(scrape, out);
  const add = (key: string, n: number) => out.set(key, (out.get(key) ?? 0) + n);
  const samples = parsePromText(scrape.text).samples;
  if (scrape.component === 'ingress-envoy') {
    envoyCounts(samples, scrape.pod?.split('/')[0] ?? '', add);
    return out;
  }
  for (const s of samples) {
    if (s.name !== 'nginx_ingress_controller_requests') continue;
    add(`${s.labels.namespace}/${s.labels.service}|${s.labels.status}`, s.value);
  }
  return out;
}

/** Contour's upstream cluster name `<namespace>/<service>/<port>/<hash>` as `namespace/service`. */
function serviceOfCluster(name: string): string | undefined {
  const parts = name.split('/');
  return parts.length >= 3 && parts[0] && parts[1] ? `${parts[0]}/${parts[1]}` : undefined;
}

function envoyCounts(
  samples: ReturnType<typeof parsePromText>['samples'],
  controllerNamespace: string,
  add: (key: string, n: number) => void,
): void {
  const exact = new Set<string>();
  for (const s of samples)
    if (s.name === 'envoy_cluster_upstream_rq' && s.labels.envoy_response_code)
      exact.add(s.labels.envoy_cluster_name ?? '');
  let upstream = false;
  for (const s of samples) {
    const svc = serviceOfCluster(s.labels.envoy_cluster_name ?? '');
    if (!svc) continue;
    if (s.name === 'envoy_cluster_upstream_rq' && s.labels.envoy_response_code) {
      add(`${svc}|${s.labels.envoy_response_code}`, s.value);
      upstream = true;
    } else if (s.name === 'envoy_cluster_upstream_rq_xx' && !exact.has(s.labels.envoy_cluster_name ?? '')) {
      add(`${svc}|${s.labels.envoy_response_code_class}xx`, s.value);
      upstream = true;
    } else if (s.name === 'envoy_cluster_upstream_cx_none_healthy') {
      add(`${svc}|503`, s.value);
      upstream = true;
    }
  }
  if (upstream) return;
  for (const s of samples)
    if (s.name === 'envoy_http_downstream_rq_xx')
      add(
        `${controllerNamespace}/listener:${s.labels.envoy_http_conn_manager_prefix ?? ''}|${s.labels.envoy_response_code_class}xx`,
        s.value,
      );
}

/** Each `namespace/service` and status counter's increase from one scrape to a later one. */
function* increments(
  from: MetricsScrape,
  to: MetricsScrape,
): Generator<[svc: string, status: string, n: number]> {
  const before = counts(from);
  for (const [key, value] of counts(to)) {
    const n = increase(before.get(key) ?? 0, value);
    if (n <= 0) continue;
    const [svc, status] = key.split('|');
    yield [svc, status, n];
  }
}

export const ingressErrors: Detector = (view: ClusterView, nowMs: number): Signal[] => {
  // Per controller pod: its scrapes in the window, oldest first.
  const byPod = new Map<string, MetricsScrape[]>();
  for (const m of view.metrics.within(nowMs - windowMs, nowMs + skewMs)) {
    if (!ingressComponents.has(m.component) || !m.pod) continue;
    const list = byPod.get(m.pod) ?? [];
    list.push(m);
    byPod.set(m.pod, list);
  }
  // Per Service: requests and 5xx in each pod's last minute of counting.
  const recent = new Map<string, { requests: number; errors: number }>();
  for (const all of byPod.values()) {
    const last = all[all.length - 1];
    const base = all.filter((m) => m.atMs <= last.atMs - recentMs).at(-1);
    if (!base || base === all[0]) continue;
    for (const [svc, status, inc] of increments(base, last)) {
      const r = recent.get(svc) ?? { requests: 0, errors: 0 };
      r.requests += inc;
      if (status.startsWith('5')) r.errors += inc;
      recent.set(svc, r);
    }
  }
  const perService = new Map<
    string,
    { statuses: Map<string, number>; pods: Set<string>; firstMs: number; metric: string }
  >();
  for (const [pod, all] of byPod) {
    const [first, last] = [all[0], all[all.length - 1]];
    if (first === last) continue;
    for (const [svc, status, inc] of increments(first, last)) {
      const agg = perService.get(svc) ?? {
        statuses: new Map(),
        pods: new Set(),
        firstMs: first.atMs,
        metric:
          last.component === 'ingress-envoy'
            ? 'envoy_cluster_upstream_rq'
            : 'nginx_ingress_controller_requests',
      };
      bump(agg.statuses, status, inc);
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
    const last = recent.get(svc);
    if (last && last.requests >= minRecentRequests && last.errors <= warnRatio * last.requests) continue;
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
          text: `${agg.metric} for ${svc}: ${statuses.join(' ')}`,
        },
      ],
    });
  }
  return out.sort((a, b) => a.subject.localeCompare(b.subject));
};
