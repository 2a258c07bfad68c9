/**
 * The tool's own look at the cluster, from where it runs: the API server's /livez,
 * /readyz and /version with latency (the data100 team's action item was exactly this),
 * kube-proxy's metrics on every node through nodes/{name}:10249/proxy, and bounded tails
 * of kube-system component logs. Every answer, and every non-answer, is an observation,
 * and its latency also goes to the optional `stats` listener (the Prometheus metrics).
 */
import type { Clock } from '../time/clock.ts';
import { type ApiClient, ApiRequestError } from './api-client.ts';
import { type FeedStats, tell } from './feed-stats.ts';
import { type ForbiddenScrapes, isForbidden } from './forbidden-scrapes.ts';
import type { ApiCheck, MetricsComponent, ObservationSink } from './observations.ts';
import type { PodGet } from './pod-http.ts';

export interface ProbeContext {
  client: ApiClient;
  clock: Clock;
  sink: ObservationSink;
  /** Probe timeout: a slow answer is a finding, but a hung one must not hold the cadence. */
  timeoutMs?: number;
  /** Told how long each probe, scrape and log read took; see FeedStats. */
  stats?: FeedStats;
  /** Told of proxy scrapes refused with 403 (the opt-in role is not granted). */
  forbidden?: ForbiddenScrapes;
  /** Running in the cluster: ingress controllers are scraped at their pod IP, not through pods/proxy. */
  podGet?: PodGet;
}

/**
 * Reports one probe's latency: the client's own measure when it answered, the time to the
 * failure otherwise (both on the feed's clock).
 */
function observed(ctx: ProbeContext, probe: string, latencyMs: number, ok: boolean): void {
  const stats = ctx.stats;
  if (stats?.probeObserved) tell(() => stats.probeObserved?.(probe, Math.max(0, latencyMs) / 1000, ok));
}

const checkPaths: Record<ApiCheck, string> = { livez: '/livez', readyz: '/readyz', version: '/version' };

/** One round of API health checks; each result is reported whatever happens. */
export async function probeApiServer(ctx: ProbeContext): Promise<void> {
  await Promise.all(
    (Object.keys(checkPaths) as ApiCheck[]).map(async (check) => {
      const started = ctx.clock.now();
      try {
        const res = await ctx.client.getText(checkPaths[check], {}, ctx.timeoutMs ?? 5_000);
        ctx.sink({
          type: 'probe',
          check,
          ok: true,
          latencyMs: res.latencyMs,
          status: res.status,
          body: res.body.slice(0, 2_000),
          atMs: ctx.clock.now(),
        });
        observed(ctx, check, res.latencyMs, true);
      } catch (err) {
        const e = err instanceof ApiRequestError ? err : undefined;
        const latencyMs = ctx.clock.now() - started;
        ctx.sink({
          type: 'probe',
          check,
          ok: false,
          latencyMs,
          status: e?.status || undefined,
          error: err instanceof Error ? err.message : String(err),
          atMs: ctx.clock.now(),
        });
        observed(ctx, check, latencyMs, false);
      }
    }),
  );
}

/** Where the API server's own metrics are read, and the source that reports it. */
export const apiServerMetrics = { path: '/metrics', source: 'metrics/kube-apiserver' } as const;

/**
 * Scrapes the API server's own `/metrics` (admission webhook calls, request counts): the
 * replica the connection lands on answers, as for `kubectl get --raw /metrics`. Needs
 * `get` on the non-resource URL /metrics.
 */
export async function scrapeApiServer(ctx: ProbeContext): Promise<void> {
  const started = ctx.clock.now();
  try {
    const res = await ctx.client.getText(apiServerMetrics.path, {}, ctx.timeoutMs ?? 5_000);
    const atMs = ctx.clock.now();
    ctx.sink({ type: 'metrics', node: '', component: 'kube-apiserver', text: res.body, atMs });
    ctx.sink({ type: 'source', source: apiServerMetrics.source, ok: true, atMs });
    observed(ctx, 'kube-apiserver', res.latencyMs, true);
  } catch (err) {
    sourceFailed(ctx, apiServerMetrics.source, err);
    observed(ctx, 'kube-apiserver', ctx.clock.now() - started, false);
  }
}

/** Scrapes kube-proxy on the given nodes, a few at a time. */
export async function scrapeKubeProxy(ctx: ProbeContext, nodes: string[], concurrency = 8): Promise<void> {
  const queue = [...nodes];
  const worker = async (): Promise<void> => {
    for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
      const source = `metrics/kube-proxy/${node}`;
      const started = ctx.clock.now();
      try {
        const res = await ctx.client.getText(
          `/api/v1/nodes/${encodeURIComponent(node)}:10249/proxy/metrics`,
          {},
          ctx.timeoutMs ?? 5_000,
        );
        ctx.sink({ type: 'metrics', node, component: 'kube-proxy', text: res.body, atMs: ctx.clock.now() });
        ctx.sink({ type: 'source', source, ok: true, atMs: ctx.clock.now() });
        observed(ctx, 'kube-proxy', res.latencyMs, true);
      } catch (err) {
        sourceFailed(ctx, source, err);
        observed(ctx, 'kube-proxy', ctx.clock.now() - started, false);
        // RBAC refuses nodes/proxy on every node alike: one refusal a round is enough to tell.
        if (proxyRefused(ctx, 'kube-proxy', err)) queue.length = 0;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, nodes.length) }, worker));
}

/** A source that failed, reported as an observation: silence is never mistaken for health. */
function sourceFailed(ctx: ProbeContext, source: string, err: unknown): void {
  ctx.sink({
    type: 'source',
    source,
    ok: false,
    error: err instanceof Error ? err.message : String(err),
    ...(isForbidden(err) ? { forbidden: true } : {}),
    atMs: ctx.clock.now(),
  });
}

/** Whether a proxy scrape failed for want of the opt-in role; tells ctx.forbidden if so. */
function proxyRefused(ctx: ProbeContext, component: MetricsComponent, err: unknown): boolean {
  if (!isForbidden(err)) return false;
  ctx.forbidden?.refused(component, err instanceof Error ? err.message : String(err));
  return true;
}

/** Where each kind of ingress controller serves its request counters (port and path on the pod), and the proxy path to it. */
export const ingressMetricsEndpoints = {
  nginx: {
    port: 10254,
    path: '/metrics',
    component: 'ingress-nginx',
    proxy: (ns: string, pod: string) => `/api/v1/namespaces/${ns}/pods/${pod}:10254/proxy/metrics`,
  },
  envoy: {
    port: 8002,
    path: '/stats/prometheus',
    component: 'ingress-envoy',
    proxy: (ns: string, pod: string) => `/api/v1/namespaces/${ns}/pods/${pod}:8002/proxy/stats/prometheus`,
  },
} as const;

export interface IngressTarget {
  namespace: string;
  pod: string;
  node?: string;
  podIP?: string;
  kind?: 'nginx' | 'envoy';
}

/**
 * Scrapes ingress controllers' request counters: at the pod IP when running in the cluster
 * (ctx.podGet; a pod without an IP yet serves nothing, so it waits), else through the pods
 * proxy: pods/{name}:10254/proxy/metrics for ingress-nginx, :8002/proxy/stats/prometheus for
 * Envoy.
 */
export async function scrapeIngress(ctx: ProbeContext, pods: readonly IngressTarget[]): Promise<void> {
  for (const p of pods) {
    const at = ingressMetricsEndpoints[p.kind ?? 'nginx'];
    const source = `metrics/${at.component}/${p.namespace}/${p.pod}`;
    const started = ctx.clock.now();
    const timeoutMs = ctx.timeoutMs ?? 5_000;
    if (ctx.podGet && !p.podIP) continue;
    try {
      const res =
        ctx.podGet && p.podIP
          ? await ctx.podGet(p.podIP, at.port, at.path, timeoutMs)
          : await ctx.client.getText(
              at.proxy(encodeURIComponent(p.namespace), encodeURIComponent(p.pod)),
              {},
              timeoutMs,
            );
      ctx.sink({
        type: 'metrics',
        node: p.node ?? '',
        component: at.component,
        pod: `${p.namespace}/${p.pod}`,
        text: res.body,
        atMs: ctx.clock.now(),
      });
      ctx.sink({ type: 'source', source, ok: true, atMs: ctx.clock.now() });
      observed(ctx, at.component, res.latencyMs, true);
    } catch (err) {
      sourceFailed(ctx, source, err);
      observed(ctx, at.component, ctx.clock.now() - started, false);
      // pods/proxy is refused in every namespace alike (the role is a ClusterRole).
      if (proxyRefused(ctx, at.component, err)) return;
    }
  }
}

/**
 * RFC3339Nano drops trailing zeros (`…:37Z`, `…:37.5Z`), so stamps do not sort as text;
 * padding the fraction to nine digits makes them comparable.
 */
export function comparableStamp(stamp: string): string {
  const m = /^(.+T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(stamp);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z` : stamp;
}

export interface LogTarget {
  namespace: string;
  pod: string;
  container: string;
  node?: string;
}

/**
 * Follows component logs by polling with timestamps: the first read takes the last
 * `initialLines`, later reads ask for lines since the newest timestamp seen and drop the
 * ones already delivered. Bounded per read by limitBytes, so a log storm cannot flood us.
 */
export class LogTailer {
  private readonly seen = new Map<string, string>();
  private readonly ctx: ProbeContext;
  private readonly initialLines: number;
  private readonly limitBytes: number;

  constructor(ctx: ProbeContext, o: { initialLines?: number; limitBytes?: number } = {}) {
    this.ctx = ctx;
    this.initialLines = o.initialLines ?? 200;
    this.limitBytes = o.limitBytes ?? 256 * 1024;
  }

  async read(targets: LogTarget[]): Promise<void> {
    const live = new Set(targets.map((t) => `${t.namespace}/${t.pod}/${t.container}`));
    for (const key of this.seen.keys()) if (!live.has(key)) this.seen.delete(key);
    for (const t of targets) await this.readOne(t);
  }

  private async readOne(t: LogTarget): Promise<void> {
    const key = `${t.namespace}/${t.pod}/${t.container}`;
    const source = `logs/${key}`;
    const since = this.seen.get(key);
    const started = this.ctx.clock.now();
    try {
      const res = await this.ctx.client.getText(
        `/api/v1/namespaces/${t.namespace}/pods/${t.pod}/log`,
        {
          container: t.container,
          timestamps: 'true',
          limitBytes: this.limitBytes,
          ...(since ? { sinceTime: since.replace(/\.\d+Z$/, 'Z') } : { tailLines: this.initialLines }),
        },
        this.ctx.timeoutMs ?? 5_000,
      );
      const lines: string[] = [];
      let newest = since;
      for (const raw of res.body.split('\n')) {
        if (!raw) continue;
        const space = raw.indexOf(' ');
        const stamp = space > 0 ? comparableStamp(raw.slice(0, space)) : '';
        // sinceTime has second precision, so the read repeats lines already seen.
        if (since && stamp <= since) continue;
        lines.push(space > 0 ? raw.slice(space + 1) : raw);
        if (!newest || stamp > newest) newest = stamp;
      }
      if (newest) this.seen.set(key, newest);
      if (lines.length) this.ctx.sink({ type: 'logs', ...t, lines, atMs: this.ctx.clock.now() });
      this.ctx.sink({ type: 'source', source, ok: true, atMs: this.ctx.clock.now() });
      observed(this.ctx, 'logs', res.latencyMs, true);
    } catch (err) {
      sourceFailed(this.ctx, source, err);
      observed(this.ctx, 'logs', this.ctx.clock.now() - started, false);
    }
  }
}
