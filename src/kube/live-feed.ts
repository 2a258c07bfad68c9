/**
 * The live feed: every reflector and probe against one API server, all reporting into one
 * sink. Reflectors run continuously; API health is probed every few seconds; kube-proxy
 * metrics and kube-system component logs are read on slower cadences, for the nodes and
 * pods the caller names, and public URLs (`--probe-url`) are fetched every 10 s (the view knows them; this module does not keep one).
 * The write path is tried every 30 s with dry-run creates (write-probe.ts). The optional
 * `stats` listener hears of reflector restarts and relists and of every probe's latency.
 */
import type { Clock } from '../time/clock.ts';
import type { ApiClient } from './api-client.ts';
import type { FeedStats } from './feed-stats.ts';
import { ForbiddenScrapes } from './forbidden-scrapes.ts';
import { scrapeNodeMetrics } from './node-metrics.ts';
import { type ObservationSink, type WatchedResource, watchedResources } from './observations.ts';
import type { PodGet } from './pod-http.ts';
import { Poller } from './poller.ts';
import {
  type IngressTarget,
  LogTailer,
  type LogTarget,
  probeApiServer,
  scrapeApiServer,
  scrapeIngress,
  scrapeKubeProxy,
} from './probes.ts';
import { Reflector, type ReflectorOptions } from './reflector.ts';
import { readApiServerCertificate } from './tls-certificate.ts';
import { probeUrls, type UrlProbeOptions } from './url-probe.ts';
import { UrlProbeTargets } from './url-probe-targets.ts';
import { probeWrites, type WriteProbeTarget } from './write-probe.ts';

export interface LiveFeedOptions {
  client: ApiClient;
  clock: Clock;
  sink: ObservationSink;
  resources?: readonly WatchedResource[];
  apiProbeIntervalMs?: number;
  metricsIntervalMs?: number;
  logsIntervalMs?: number;
  /** Which nodes to scrape and which component containers to tail, asked each round. */
  targets?: () => {
    nodes: string[];
    logs: LogTarget[];
    ingress?: IngressTarget[];
    /** Load balancer addresses found in the cluster, GET like `probeUrls` once they answer. */
    publicUrls?: readonly string[];
  };
  reflector?: Partial<Omit<ReflectorOptions, 'resource' | 'client' | 'clock' | 'sink'>>;
  /** Reflector restarts and relists, probe latencies (e.g. the Prometheus metrics). */
  stats?: FeedStats;
  /** Public URLs to GET from here (`--probe-url`), every `urlProbeIntervalMs` (10 s). */
  probeUrls?: readonly string[];
  urlProbeIntervalMs?: number;
  /** How often to read the API server's serving certificate from a handshake (60 s). */
  certificateIntervalMs?: number;
  /** Name resolution for the URL probes (tests point public names at a local server). */
  urlProbeLookup?: UrlProbeOptions['lookup'];
  /** Told once per kind of scrape that is forbidden, with the step that grants it. */
  warn?: (message: string) => void;
  /** Running in the cluster: scrape ingress controllers at their pod IP (pod-http.ts). */
  podGet?: PodGet;
  /** Dry-run creates to try every `writeProbeIntervalMs` (30 s): write-probe.ts. */
  writeProbes?: readonly WriteProbeTarget[];
  writeProbeIntervalMs?: number;
}

export class LiveFeed {
  readonly reflectors: Reflector[];
  private readonly pollers: Poller[] = [];
  private readonly apiProbe: Poller;

  constructor(o: LiveFeedOptions) {
    const base = {
      client: o.client,
      clock: o.clock,
      sink: o.sink,
      stats: o.stats,
      forbidden: new ForbiddenScrapes(o.warn),
      podGet: o.podGet,
    };
    this.reflectors = (o.resources ?? watchedResources).map(
      (resource) => new Reflector({ ...base, ...o.reflector, resource }),
    );
    this.apiProbe = new Poller(o.clock, o.apiProbeIntervalMs ?? 5_000, () => probeApiServer(base));
    this.pollers.push(this.apiProbe);
    this.pollers.push(new Poller(o.clock, o.metricsIntervalMs ?? 30_000, () => scrapeApiServer(base)));
    this.pollers.push(
      new Poller(o.clock, o.certificateIntervalMs ?? 60_000, () => readApiServerCertificate(base)),
    );
    if (o.targets) {
      const targets = o.targets;
      const tailer = new LogTailer(base);
      this.pollers.push(
        new Poller(o.clock, o.metricsIntervalMs ?? 30_000, async () => {
          const t = targets();
          await scrapeKubeProxy(base, t.nodes);
          await scrapeIngress(base, t.ingress ?? []);
          await scrapeNodeMetrics(base);
        }),
      );
      this.pollers.push(new Poller(o.clock, o.logsIntervalMs ?? 15_000, () => tailer.read(targets().logs)));
    }
    const writes = o.writeProbes ?? [];
    if (writes.length)
      this.pollers.push(
        new Poller(o.clock, o.writeProbeIntervalMs ?? 30_000, () => probeWrites(base, writes)),
      );
    const found = o.targets;
    const urls = new UrlProbeTargets(o.probeUrls ?? [], () => found?.().publicUrls ?? []);
    const sink: ObservationSink = (obs) => {
      if (obs.type !== 'url-probe' || urls.keep(obs.url, obs.status)) o.sink(obs);
    };
    if (o.probeUrls?.length || o.targets)
      this.pollers.push(
        new Poller(o.clock, o.urlProbeIntervalMs ?? 10_000, () =>
          probeUrls({ ...base, sink, lookup: o.urlProbeLookup }, urls.urls()),
        ),
      );
  }

  start(): void {
    for (const r of this.reflectors) r.start();
    for (const p of this.pollers) p.start();
  }

  /** One round of every poller (probes, metrics, logs) now, for a one-shot scan. */
  pollNow(): Promise<void> {
    return Promise.all(this.pollers.map((p) => p.runOnce())).then(() => undefined);
  }

  /** One API health round now, for commands that want a reading before the cadence. */
  probeNow(): Promise<void> {
    return this.apiProbe.runOnce();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.reflectors.map((r) => r.stop()), ...this.pollers.map((p) => p.stop())]);
  }
}
