/**
 * The replay feed: the simulator's own changes handed straight to `observe`, in the
 * simulator's time, as the same observations the live feed produces over HTTP (same
 * trimming, same shapes, same source names). Lives in cli because only cli and tests may
 * import the simulator; the product sees nothing but observations.
 *
 * It meets the simulated API server the way the live feed meets a real one: while the
 * endpoint is closed to outside clients, no watch event arrives, every probe and reflector
 * fails with the error a client would get, and when it opens again every resource is
 * listed afresh. Probes run every 5 s, kube-proxy and ingress metrics every 30 s, component
 * logs every 15 s, public URLs (`probeUrls`) every 10 s and dry-run creates every 30 s, the
 * live feed's cadences.
 */

import { type ObservationSink, type WatchedResource, watchedResources } from '../kube/observations.ts';
import { apiServerMetrics, ingressMetricsEndpoints } from '../kube/probes.ts';
import { apiServerTlsSource } from '../kube/tls-certificate.ts';
import { trimObject } from '../kube/trim.ts';
import { UrlProbeTargets } from '../kube/url-probe-targets.ts';
import type { WriteProbeTarget } from '../kube/write-probe.ts';
import type { ComponentTargets } from '../observe/component-targets.ts';
import type { KubeObject as StoredObject } from '../sim/api/k8s-types.ts';
import { podEndpointKey } from '../sim/api/node-proxy.ts';
import { healthAnswer, healthWaitMs } from '../sim/api/readyz.ts';
import { type ResourceType, resourceTypes } from '../sim/api/resources.ts';
import type { Simulator } from '../sim/simulator.ts';
import { parsedEntry } from '../sim/store/object-store.ts';
import type { Timer } from '../time/clock.ts';
import { startReplayWriteProbe } from './replay-write-probe.ts';

const groups: Record<WatchedResource, string> = {
  nodes: '',
  pods: '',
  events: '',
  leases: 'coordination.k8s.io',
  services: '',
  endpointslices: 'discovery.k8s.io',
  deployments: 'apps',
  replicasets: 'apps',
  daemonsets: 'apps',
  poddisruptionbudgets: 'policy',
  validatingwebhookconfigurations: 'admissionregistration.k8s.io',
  mutatingwebhookconfigurations: 'admissionregistration.k8s.io',
};

/** Only kubelet heartbeats are watched among leases, as the live feed does. */
const namespaceOf: Partial<Record<WatchedResource, string>> = { leases: 'kube-node-lease' };

/** Where the simulator keeps a watched resource, and the namespace the feed limits it to. */
export function simStorageOf(resource: WatchedResource): { r: ResourceType; namespace?: string } {
  return {
    r: resourceTypes.find((t) => t.plural === resource && t.group === groups[resource])!,
    namespace: namespaceOf[resource],
  };
}

export interface ReplayFeedOptions {
  /** Which nodes to scrape and which containers to tail, asked each round (as the live feed). */
  targets?: () => ComponentTargets;
  apiProbeIntervalMs?: number;
  metricsIntervalMs?: number;
  logsIntervalMs?: number;
  /** Only watch events (the old behaviour, for tests comparing reflectors alone). */
  watchOnly?: boolean;
  /** Public URLs to GET every 10 s, as `--probe-url` does: answered by the scenario's load balancer. */
  probeUrls?: readonly string[];
  /**
   * Dry-run creates every 30 s (replay-write-probe.ts). Default: a ConfigMap in `default`, the
   * namespace a client outside the cluster uses when its context names none, as the live default.
   */
  writeProbes?: readonly WriteProbeTarget[];
}

const probeTimeoutMs = 5_000;

export function startReplayFeed(
  sim: Simulator,
  sink: ObservationSink,
  o: ReplayFeedOptions = {},
): () => void {
  const stops: (() => void)[] = [];
  const timers: Timer[] = [];
  const clock = sim.clock;
  const server = 'https://simulator';
  // An expired serving certificate fails every handshake our client makes, as a closed
  // endpoint does; Node names it `certificate has expired` (CERT_HAS_EXPIRED), as live.
  const closed = () =>
    sim.faults.current.unreachable ?? (sim.controlPlane.servingCertificateExpired() ? 'tls' : undefined);
  let wasClosed = Boolean(closed());

  const list = (resource: WatchedResource): void => {
    const { r, namespace: ns } = simStorageOf(resource);
    const items = sim.store.listObjects(r, ns).map((obj: StoredObject) => trimObject(resource, obj));
    sink({
      type: 'listed',
      resource,
      items,
      resourceVersion: String(sim.store.resourceVersion),
      atMs: clock.now(),
    });
    sink({ type: 'source', source: `reflector/${resource}`, ok: true, atMs: clock.now() });
  };
  const unreachableError = (path: string) => {
    const how = closed();
    if (how === 'hang') return `${server}${path}: no answer before the request timeout`;
    return how === 'tls'
      ? `${server}${path}: certificate has expired`
      : `${server}${path}: connect ECONNREFUSED`;
  };

  /** One scrape through the API server's proxy, failing as it would: endpoint closed, nothing listening, node down. */
  const scrape = (
    source: string,
    key: string,
    node: string | undefined,
    port: number,
    path: string,
    emit: (text: string, atMs: number) => void,
    handlerPath = '/metrics',
  ): void => {
    const handler = sim.nodeProxy.lookup(key, port);
    const atMs = clock.now();
    if (closed() || !handler || (node && !sim.nodeReachable(node))) {
      const target = key.split('/').at(-1);
      const error = closed()
        ? unreachableError(path)
        : `${server}${path}: error trying to reach service: dial tcp ${target}:${port}: ${handler ? 'i/o timeout' : 'connect: connection refused'}`;
      sink({ type: 'source', source, ok: false, error, atMs });
      return;
    }
    emit(handler({ method: 'GET', path: handlerPath, query: new URLSearchParams() }).body, atMs);
    sink({ type: 'source', source, ok: true, atMs });
  };

  for (const resource of watchedResources) {
    if (!wasClosed) list(resource);
    const { r, namespace: ns } = simStorageOf(resource);
    stops.push(
      sim.store.subscribe(r.storage, (ev) => {
        if (ns && ev.entry.namespace !== ns) return;
        if (closed()) return;
        // The store's shared parse of this version: the behaviour model reads it next anyway.
        const object = trimObject(resource, parsedEntry(ev.entry));
        const atMs = clock.now();
        sink(
          ev.type === 'DELETED'
            ? { type: 'delete', resource, object, atMs }
            : { type: 'upsert', resource, object, atMs },
        );
      }),
    );
  }
  // The endpoint closing and opening: reflectors fail, then relist what changed meanwhile.
  const reconcile = (): void => {
    const now = Boolean(closed());
    if (now === wasClosed) return;
    wasClosed = now;
    for (const resource of watchedResources) {
      if (now)
        sink({
          type: 'source',
          source: `reflector/${resource}`,
          ok: false,
          error: unreachableError(`/api/v1/${resource}`),
          atMs: clock.now(),
        });
      else list(resource);
    }
  };
  stops.push(sim.faults.onChange(reconcile), sim.controlPlane.onChange(reconcile));
  if (o.watchOnly) {
    return () => {
      for (const stop of stops) stop();
    };
  }

  const every = (ms: number, fn: () => void): void => {
    const tick = (): void => {
      fn();
      timers.push(clock.after(ms, tick));
    };
    timers.push(clock.after(0, tick));
  };
  // The API server sends each watch a bookmark about once a minute, and the live reflector
  // reports itself fresh on it; without them a quiet resource would read as stale.
  every(60_000, () => {
    if (closed()) return;
    for (const resource of watchedResources)
      sink({ type: 'source', source: `reflector/${resource}`, ok: true, atMs: clock.now() });
  });

  let probeTurn = 0;
  every(o.apiProbeIntervalMs ?? 5_000, () => {
    const state = sim.faults.current;
    for (const check of ['livez', 'readyz', 'version'] as const) {
      const path = `/${check}`;
      const atMs = clock.now();
      if (closed()) {
        sink({
          type: 'probe',
          check,
          ok: false,
          latencyMs: closed() === 'hang' ? probeTimeoutMs : 1,
          error: unreachableError(path),
          atMs,
        });
        continue;
      }
      // The replica the load balancer would hand this probe to, and how long /livez and
      // /readyz wait on their etcd check there (sim/api/readyz.ts, as the served endpoints do).
      const cp = sim.controlPlane;
      const replica = cp.replica(cp.members[probeTurn++ % cp.members.length]!);
      if (!replica.serving) {
        // The balancer's backend is gone: the connection drops without an answer (sim/api/server.ts).
        sink({
          type: 'probe',
          check,
          ok: false,
          latencyMs: 1,
          error: `${server}${path}: socket hang up`,
          atMs,
        });
        continue;
      }
      const none = new URLSearchParams();
      const waitMs = check === 'version' ? 0 : healthWaitMs('', none, replica, cp.etcdLatencyMs());
      const latencyMs = Math.min(probeTimeoutMs, (state.latencyMs ?? 3) + waitMs);
      const injected = sim.faults.rollError();
      if (injected || (state.latencyMs ?? 0) >= probeTimeoutMs) {
        sink({
          type: 'probe',
          check,
          ok: false,
          latencyMs,
          status: injected?.code,
          error: injected
            ? `${server}${path}: HTTP ${injected.code}`
            : `${server}${path}: no answer before the request timeout`,
          atMs,
        });
        continue;
      }
      if (check === 'version') {
        const body = JSON.stringify(sim.versionInfo());
        sink({ type: 'probe', check, ok: true, latencyMs, status: 200, body, atMs });
        continue;
      }
      const answer = healthAnswer(check, '', none, replica);
      if (answer.status !== 200) {
        // The live client reads a non-JSON error body as the message (kube/api-client.ts).
        const error = `${server}${path}: ${answer.body.trim().slice(0, 200)}`;
        sink({ type: 'probe', check, ok: false, latencyMs, status: answer.status, error, atMs });
        continue;
      }
      sink({ type: 'probe', check, ok: true, latencyMs, status: 200, body: answer.body, atMs });
    }
  });

  // The API server's own /metrics, as `GET /metrics` reads it: what its admission and
  // request accounting have counted so far.
  every(o.metricsIntervalMs ?? 30_000, () => {
    const atMs = clock.now();
    const { source, path } = apiServerMetrics;
    if (closed() || (sim.faults.current.latencyMs ?? 0) >= probeTimeoutMs) {
      const error = closed()
        ? unreachableError(path)
        : `${server}${path}: no answer before the request timeout`;
      sink({ type: 'source', source, ok: false, error, atMs });
      return;
    }
    sink({ type: 'metrics', node: '', component: 'kube-apiserver', text: sim.metrics.render(), atMs });
    sink({ type: 'source', source, ok: true, atMs });
  });

  // The serving certificate, as the live feed's own handshake reads it (kube/tls-certificate.ts):
  // still presented, and read, once expired; no handshake while the endpoint is closed.
  every(60_000, () => {
    const pem = sim.certificates?.servingCertificate();
    if (!pem) return;
    const how = closed();
    const atMs = clock.now();
    if (how && how !== 'tls')
      sink({ type: 'source', source: apiServerTlsSource, ok: false, error: unreachableError('/'), atMs });
    else
      sink({
        type: 'certificate',
        source: apiServerTlsSource,
        pem,
        ...(how === 'tls' ? { authorizationError: 'CERT_HAS_EXPIRED' } : {}),
        atMs,
      });
  });

  const targets = o.targets;
  if (targets) {
    every(o.metricsIntervalMs ?? 30_000, () => {
      for (const node of targets().nodes)
        scrape(
          `metrics/kube-proxy/${node}`,
          node,
          node,
          10249,
          `/api/v1/nodes/${node}:10249/proxy/metrics`,
          (text, atMs) => sink({ type: 'metrics', node, component: 'kube-proxy', text, atMs }),
        );
      // The simulator serves no resource metrics API (metrics.k8s.io): a live client gets 404
      // and reports nothing (kube/node-metrics.ts), so neither does the replay.
      for (const p of targets().ingress) {
        const at = ingressMetricsEndpoints[p.kind ?? 'nginx'];
        scrape(
          `metrics/${at.component}/${p.namespace}/${p.pod}`,
          podEndpointKey(p.namespace, p.pod),
          p.node,
          at.port,
          at.proxy(p.namespace, p.pod),
          (text, atMs) =>
            sink({
              type: 'metrics',
              node: p.node ?? '',
              component: at.component,
              pod: `${p.namespace}/${p.pod}`,
              text,
              atMs,
            }),
          at.path,
        );
      }
    });
    const seen = new Map<string, number>();
    every(o.logsIntervalMs ?? 15_000, () => {
      for (const t of targets().logs) {
        const key = `${t.namespace}/${t.pod}/${t.container}`;
        const source = `logs/${key}`;
        const atMs = clock.now();
        if (closed() || (t.node && !sim.nodeReachable(t.node))) {
          const path = `/api/v1/namespaces/${t.namespace}/pods/${t.pod}/log`;
          const error = closed()
            ? unreachableError(path)
            : `${server}${path}: Get "https://${t.node}:10250/containerLogs/${t.namespace}/${t.pod}/${t.container}": dial tcp ${t.node}:10250: i/o timeout`;
          sink({ type: 'source', source, ok: false, error, atMs });
          continue;
        }
        const all = sim.logs.lines(t.namespace, t.pod, t.container, false) ?? [];
        const since = seen.get(key);
        const fresh = since === undefined ? all.slice(-200) : all.filter((l) => l.atMs > since);
        if (all.length) seen.set(key, all[all.length - 1].atMs);
        if (fresh.length) sink({ type: 'logs', ...t, lines: fresh.map((l) => l.text), atMs });
        sink({ type: 'source', source, ok: true, atMs });
      }
    });
  }

  const urls = new UrlProbeTargets(o.probeUrls ?? [], () => o.targets?.().publicUrls ?? []);
  if (o.probeUrls?.length || o.targets)
    every(10_000, () => {
      for (const url of urls.urls()) {
        const answer = simulatedGet(sim, url);
        if (urls.keep(url, answer.status)) sink({ type: 'url-probe', url, ...answer, atMs: clock.now() });
      }
    });

  const writeProbes = o.writeProbes ?? [{ kind: 'configmap', namespace: 'default' }];
  if (writeProbes.length)
    stops.push(startReplayWriteProbe(sim, sink, { targets: writeProbes, closed, unreachableError, server }));

  return () => {
    for (const stop of stops) stop();
    for (const t of timers) t.cancel();
  };
}

/**
 * A GET of a public URL in the simulated world: every name resolves to the scenario's load
 * balancer (as the site's DNS record would), whose answer or timeout is what a user gets;
 * without one the name does not resolve. Timeouts take the probe's 5 s deadline.
 */
function simulatedGet(
  sim: Simulator,
  url: string,
): { ok: boolean; latencyMs: number; status?: number; error?: string; errorKind?: string } {
  const u = new URL(url);
  const lb = sim.runner?.loadBalancer;
  if (!lb) return { ok: false, latencyMs: 2, error: `getaddrinfo ENOTFOUND ${u.hostname}`, errorKind: 'dns' };
  const answer = lb.request(u.hostname, `${u.pathname}${u.search}`);
  if (answer.status === 'timeout')
    return {
      ok: false,
      latencyMs: probeTimeoutMs,
      error: `no answer within ${probeTimeoutMs} ms`,
      errorKind: 'timeout',
    };
  const status = answer.status;
  return status >= 500
    ? { ok: false, latencyMs: 20, status, error: `HTTP ${status}`, errorKind: 'http-5xx' }
    : { ok: true, latencyMs: 20, status };
}
