/**
 * An ingress controller that still answers requests but routes none of them to a Service:
 * users get the controller's own default answer (ingress-nginx's default server, 404)
 * for every host, while every pod is Ready and no backend sees an error. It happens when
 * the controller stops taking the Ingress objects as its own: a version that reads the
 * class differently, an IngressClass or class flag that no longer matches, lost RBAC on
 * Ingresses, a watch limited to other namespaces.
 *
 * Read from two ingress-nginx counters on its :10254/metrics, scraped through the pods
 * proxy:
 * - `nginx_ingress_controller_nginx_process_requests_total`, nginx's stub_status total
 *   (collectors/nginx_status.go): every request nginx answered, routed or not;
 * - `nginx_ingress_controller_requests{host,namespace,service,status}`, counted per
 *   request routed to an Ingress's backend. Requests for a host no Ingress of the
 *   controller serves are not counted (`--metrics-per-host`, default true:
 *   internal/ingress/metric/collectors/socket.go, "Skipping metric for host not being
 *   served").
 * The stub_status total also counts the controller's own requests to nginx (its health
 * check and status scrape), so a controller that routes little is not judged on the ratio
 * alone: routing must have stopped where, earlier in the last three hours, the same controller
 * routed a steady flow, and the requests must still arrive.
 *
 * Emits `ingress-unrouted` per controller namespace (subject `ingress/<namespace>`),
 * critical. Facts: see IngressUnroutedFacts. Envoy-based controllers are not judged here:
 * Envoy answers no-route requests itself and counts them only per listener.
 */
import type { MetricsScrape } from '../observe/cluster-view.ts';
import { parsePromText } from '../observe/prom-text.ts';
import { increase } from './apiserver-scrapes.ts';
import { bump, type PodObject } from './event-records.ts';
import { conditionOf } from './node-attributes.ts';
import { type Detector, type Signal, uniqueSorted } from './signal.ts';
import { isoSeconds } from './timestamps.ts';

/** How far back "now" reaches, as ingress-errors' window. */
const windowMs = 5 * 60_000;
/**
 * How far back the controller's earlier routing is looked for (as far as the view's metrics
 * ring reaches): an outage of this kind lasts until someone rolls back.
 */
const historyMs = 3 * 3_600_000;
/** Live, scrapes are stamped by a clock that follows the API server's whole-second Date headers. */
const skewMs = 5_000;
/** "Now" needs a minute of counting: two scrapes 30 s apart are too few to say "none". */
const minNowSpanMs = 60_000;
/** A steady flow earlier: 0.1 requests/s is 30 routed requests in five minutes. */
const minRoutedRate = 0.1;
/** Routing has stopped: at most this share of the answered requests is routed now… */
const maxRoutedShare = 0.05;
/** …and at most this share of the earlier routed rate. */
const maxRoutedDrop = 0.1;
/** The users still come: requests answered unrouted now, against the earlier routed rate. */
const minArrivingShare = 0.5;

interface Counts {
  answered: number;
  routed: number;
  /** Routed requests per host, and per Service (`namespace/name`). */
  hosts: Map<string, number>;
  services: Map<string, number>;
}

const parsed = new WeakMap<object, Counts | null>();

/** The two counters of one scrape, parsed once; null when nginx's total is not there. */
function countsOf(scrape: MetricsScrape): Counts | null {
  const cached = parsed.get(scrape);
  if (cached !== undefined) return cached;
  let answered: number | undefined;
  let routed = 0;
  const hosts = new Map<string, number>();
  const services = new Map<string, number>();
  for (const s of parsePromText(scrape.text).samples) {
    if (s.name === 'nginx_ingress_controller_nginx_process_requests_total')
      answered = (answered ?? 0) + s.value;
    else if (s.name === 'nginx_ingress_controller_requests') {
      routed += s.value;
      bump(hosts, s.labels.host ?? '', s.value);
      bump(services, `${s.labels.namespace ?? ''}/${s.labels.service ?? ''}`, s.value);
    }
  }
  const out = answered === undefined ? null : { answered, routed, hosts, services };
  parsed.set(scrape, out);
  return out;
}

interface Tally {
  answered: number;
  routed: number;
  hosts: Set<string>;
  services: Set<string>;
  fromMs: number;
  toMs: number;
  pods: Set<string>;
}

const tally = (): Tally => ({
  answered: 0,
  routed: 0,
  hosts: new Set(),
  services: new Set(),
  fromMs: Number.POSITIVE_INFINITY,
  toMs: Number.NEGATIVE_INFINITY,
  pods: new Set(),
});

/** What a pod's counters grew by from one scrape to the next. */
interface Growth {
  before: MetricsScrape;
  answered: number;
  routed: number;
  hosts: string[];
  services: string[];
}

/**
 * Per later scrape, its growth over the scrape before it: the same pair is looked at every
 * round while both stay in the window, and comparing every host's and Service's counter each
 * time was most of this detector's cost.
 */
const growths = new WeakMap<MetricsScrape, Growth>();

function growthOf(a: MetricsScrape, b: MetricsScrape, ca: Counts, cb: Counts): Growth {
  const known = growths.get(b);
  if (known?.before === a) return known;
  const g: Growth = {
    before: a,
    answered: increase(ca.answered, cb.answered),
    routed: increase(ca.routed, cb.routed),
    hosts: [...cb.hosts].filter(([host, n]) => increase(ca.hosts.get(host) ?? 0, n) > 0).map(([h]) => h),
    services: [...cb.services]
      .filter(([svc, n]) => increase(ca.services.get(svc) ?? 0, n) > 0)
      .map(([s]) => s),
  };
  growths.set(b, g);
  return g;
}

function add(t: Tally, pod: string, a: MetricsScrape, b: MetricsScrape, ca: Counts, cb: Counts): void {
  const g = growthOf(a, b, ca, cb);
  t.answered += g.answered;
  t.routed += g.routed;
  for (const host of g.hosts) t.hosts.add(host);
  for (const svc of g.services) t.services.add(svc);
  t.fromMs = Math.min(t.fromMs, a.atMs);
  t.toMs = Math.max(t.toMs, b.atMs);
  t.pods.add(pod);
}

const rate = (n: number, t: Tally) => (t.toMs > t.fromMs ? n / ((t.toMs - t.fromMs) / 1000) : 0);

export const ingressUnrouted: Detector = (view, nowMs) => {
  const windowStart = nowMs - windowMs;
  const byPod = new Map<string, MetricsScrape[]>();
  for (const m of view.metrics.within(nowMs - historyMs, nowMs + skewMs)) {
    if (m.component !== 'ingress-nginx' || !m.pod) continue;
    const list = byPod.get(m.pod) ?? [];
    list.push(m);
    byPod.set(m.pod, list);
  }
  if (byPod.size === 0) return [];
  const podsKnown = view.synced('pods');
  // Per controller namespace: what its pods counted now and earlier.
  const byNamespace = new Map<
    string,
    { now: Tally; earlier: Tally; lastRoutedMs: number; neverRoutedFirstMs: number }
  >();
  for (const [pod, scrapes] of byPod) {
    scrapes.sort((a, b) => a.atMs - b.atMs);
    const namespace = pod.split('/')[0];
    const ns = byNamespace.get(namespace) ?? {
      now: tally(),
      earlier: tally(),
      lastRoutedMs: Number.NEGATIVE_INFINITY,
      neverRoutedFirstMs: Number.POSITIVE_INFINITY,
    };
    byNamespace.set(namespace, ns);
    const live = view.get('pods', pod);
    // A pod that is gone or going serves nobody now: only what it did earlier counts.
    const serving = !podsKnown || (live !== undefined && !live.metadata.deletionTimestamp);
    let routedEver = false;
    let firstMs: number | undefined;
    for (let i = 1; i < scrapes.length; i++) {
      const [a, b] = [scrapes[i - 1], scrapes[i]];
      const [ca, cb] = [countsOf(a), countsOf(b)];
      if (!ca || !cb) continue;
      firstMs ??= a.atMs;
      if (increase(ca.routed, cb.routed) > 0) {
        routedEver = true;
        ns.lastRoutedMs = Math.max(ns.lastRoutedMs, b.atMs);
      }
      if (a.atMs >= windowStart) {
        if (serving) add(ns.now, pod, a, b, ca, cb);
      } else if (b.atMs <= windowStart + skewMs) add(ns.earlier, pod, a, b, ca, cb);
    }
    if (serving && !routedEver && firstMs !== undefined)
      ns.neverRoutedFirstMs = Math.min(ns.neverRoutedFirstMs, firstMs);
  }
  const out: Signal[] = [];
  for (const [namespace, { now, earlier, lastRoutedMs, neverRoutedFirstMs }] of [...byNamespace].sort()) {
    if (now.pods.size === 0 || now.toMs - now.fromMs < minNowSpanMs) continue;
    // The rate while it still routed: the hours since it stopped would dilute it.
    const routedEarlier = rate(earlier.routed, { ...earlier, toMs: Math.min(earlier.toMs, lastRoutedMs) });
    if (routedEarlier < minRoutedRate) continue;
    const routedNow = rate(now.routed, now);
    const unroutedNow = rate(now.answered - now.routed, now);
    if (now.routed > maxRoutedShare * now.answered) continue;
    if (routedNow > maxRoutedDrop * routedEarlier) continue;
    if (unroutedNow < minArrivingShare * routedEarlier) continue;
    const controllers = uniqueSorted(now.pods);
    const podObjects = controllers
      .map((p) => view.get('pods', p) as PodObject | undefined)
      .filter((p): p is PodObject => p !== undefined);
    const images = uniqueSorted(
      podObjects.flatMap((p) => p.spec?.containers?.map((c) => c.image ?? '') ?? []),
    ).filter(Boolean);
    const ready = podObjects.filter((p) => conditionOf(p, 'Ready')?.status === 'True').length;
    const hostsBefore = uniqueSorted(earlier.hosts);
    const servicesBefore = uniqueSorted(earlier.services);
    const sinceMs = Math.min(neverRoutedFirstMs, Number.isFinite(lastRoutedMs) ? lastRoutedMs : now.fromMs);
    const r = (x: number) => Math.round(x * 100) / 100;
    out.push({
      detector: 'ingress-unrouted',
      kind: 'ingress-unrouted',
      subject: `ingress/${namespace}`,
      severity: 'critical',
      sinceMs,
      summary:
        `the ingress controller in ${namespace} answered ${now.answered} requests in the last ${Math.round((now.toMs - now.fromMs) / 60_000)} min and routed ${now.routed} to a Service; ` +
        `earlier it routed ${r(routedEarlier)}/s${hostsBefore.length ? ` for ${hostsBefore.slice(0, 3).join(', ')}` : ''}` +
        `${podObjects.length ? ` (${ready} of ${podObjects.length} pods Ready)` : ''}`,
      scope: {
        namespaces: uniqueSorted([namespace, ...servicesBefore.map((s) => s.split('/')[0])]),
        services: servicesBefore,
      },
      facts: {
        namespace,
        controllers,
        images,
        podsReady: ready,
        pods: podObjects.length,
        answered: now.answered,
        routed: now.routed,
        windowSeconds: Math.round((now.toMs - now.fromMs) / 1000),
        routedPerSecondBefore: r(routedEarlier),
        unroutedPerSecondNow: r(unroutedNow),
        hostsBefore,
        hostsNow: uniqueSorted(now.hosts),
        servicesBefore,
        ...(Number.isFinite(lastRoutedMs) ? { lastRouted: isoSeconds(lastRoutedMs) } : {}),
      },
      evidence: [
        {
          source: 'metric',
          ref: `ingress/${namespace}`,
          atMs: nowMs,
          text: `nginx_ingress_controller_nginx_process_requests_total +${now.answered}, nginx_ingress_controller_requests +${now.routed} over ${controllers.join(', ')}`,
        },
        {
          source: 'metric',
          ref: `ingress/${namespace}`,
          atMs: earlier.toMs,
          text: `earlier: nginx_ingress_controller_requests +${earlier.routed} of +${earlier.answered} answered over ${uniqueSorted(earlier.pods).join(', ')}`,
        },
      ],
    });
  }
  return out;
};
