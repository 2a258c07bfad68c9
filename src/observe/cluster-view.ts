/**
 * The cluster view: everything the detectors may look at, built only from observations.
 * Current objects per resource, a bounded history of transitions, Events by family (the
 * event ledger), the tool's own probe results (API and public URLs), recent component log
 * lines, metric scrapes and node usage samples, the freshness of every source, and a
 * longer memory of when node problems began (`onsets`). The view never
 * reads a clock: "now" is whatever the caller asks about, so a replay in virtual time
 * and a live run build the same view from the same observations.
 */
import type {
  KubeObject,
  MetricsComponent,
  NodeUsageSample,
  Observation,
  WatchedResource,
} from '../kube/observations.ts';
import { EventLedger } from './event-ledger.ts';
import { kubeProxyNodes } from './kube-proxy-nodes.ts';
import { type LogRecord, parseLogBatch } from './log-records.ts';
import { NodeOnsets } from './onsets.ts';
import { Ring } from './ring.ts';
import { TransitionLog } from './transition-log.ts';
import { diffObject, removalTransition, type Transition } from './transitions.ts';

/** One probe answer as kept in the view: the probe observation without its tag. */
export type ProbeResult = Omit<Extract<Observation, { type: 'probe' }>, 'type'>;

/** One GET of a public URL (`--probe-url`), without its tag. */
export type UrlProbeResult = Omit<Extract<Observation, { type: 'url-probe' }>, 'type'>;

/** One dry-run create of the write probe, without its tag. */
export type WriteProbeResult = Omit<Extract<Observation, { type: 'write-probe' }>, 'type'>;

export interface LogObservation {
  namespace: string;
  pod: string;
  container: string;
  node?: string;
  /** When the tail was read. */
  atMs: number;
  entry: LogRecord;
}

export interface MetricsScrape {
  node: string;
  component: MetricsComponent;
  /** `namespace/name` for scrapes of a pod (the ingress controller). */
  pod?: string;
  text: string;
  atMs: number;
}

/** A certificate as a TLS server presented it: the observation without its tag. */
export type CertificateSeen = Omit<Extract<Observation, { type: 'certificate' }>, 'type'>;

export interface SourceRecord {
  source: string;
  /** Last time the source worked. */
  lastOkMs?: number;
  /** When the current run of failures began; unset while the source works. */
  failingSinceMs?: number;
  lastError?: string;
  failures: number;
  /** The current failures are 403s: kubetriage may not read it (a role not granted). */
  forbidden?: boolean;
}

export interface SourceStatus extends SourceRecord {
  /** `forbidden`: failing with 403, so its silence says nothing of the cluster. */
  state: 'fresh' | 'stale' | 'never' | 'forbidden';
  /** Since when the source has not delivered: its last success, or its first failure. */
  staleSinceMs?: number;
}

export interface ClusterViewOptions {
  transitionLimit?: number;
  probeLimit?: number;
  logLimit?: number;
  metricsLimit?: number;
  eventLimit?: number;
}

export function objectKey(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

export class ClusterView {
  private readonly objects = new Map<WatchedResource, Map<string, KubeObject>>();
  private readonly listedAt = new Map<WatchedResource, number>();
  readonly transitions: TransitionLog;
  readonly probes: Ring<ProbeResult>;
  readonly urlProbes: Ring<UrlProbeResult>;
  readonly writeProbes: Ring<WriteProbeResult>;
  readonly logs: Ring<LogObservation>;
  readonly metrics: Ring<MetricsScrape>;
  /** Node problem onsets, kept for days: what recurs at the same time of day. */
  readonly onsets: NodeOnsets;
  /** Events by family, kept as they arrive (event-ledger.ts). */
  readonly events: EventLedger;
  /** The newest certificate each TLS source presented (kube/tls-certificate.ts), by source. */
  readonly certificates = new Map<string, CertificateSeen>();
  /** The newest resource-metrics sample per node, with when it was read. */
  readonly nodeUsage = new Map<string, NodeUsageSample & { atMs: number }>();
  private readonly sources = new Map<string, SourceRecord>();
  /** When each source last reported, working or not. */
  private readonly lastReportMs = new Map<string, number>();
  /** The newest observation time seen; the view's own sense of "latest". */
  lastObservationMs = 0;
  /** Bumped by every observation applied: readers that index the view per round key on it. */
  revision = 0;

  constructor(o: ClusterViewOptions = {}) {
    this.transitions = new TransitionLog(o.transitionLimit ?? 20_000);
    this.probes = new Ring(o.probeLimit ?? 2_000);
    this.urlProbes = new Ring(o.probeLimit ?? 2_000);
    this.writeProbes = new Ring(o.probeLimit ?? 2_000);
    this.logs = new Ring(o.logLimit ?? 5_000);
    this.metrics = new Ring(o.metricsLimit ?? 2_000);
    this.onsets = new NodeOnsets();
    this.events = new EventLedger(o.eventLimit ?? 20_000);
  }

  apply(o: Observation): void {
    this.revision++;
    this.lastObservationMs = Math.max(this.lastObservationMs, o.atMs);
    switch (o.type) {
      case 'listed':
        this.replace(o.resource, o.items, o.atMs);
        break;
      case 'upsert':
        this.upsert(o.resource, o.object, o.atMs);
        break;
      case 'delete':
        this.remove(o.resource, objectKey(o.object), o.atMs);
        break;
      case 'source':
        this.recordSource(o.source, o.ok, o.error, o.atMs, o.forbidden);
        break;
      case 'probe': {
        const { type: _t, ...result } = o;
        this.probes.push(result);
        this.recordSource(`probe/${o.check}`, o.ok, o.error, o.atMs);
        break;
      }
      case 'url-probe': {
        const { type: _t, ...result } = o;
        this.urlProbes.push(result);
        // The prober ran: a failing site is the finding, not a failing source.
        this.recordSource(`probe-url/${o.url}`, true, undefined, o.atMs);
        break;
      }
      case 'certificate': {
        const { type: _t, ...seen } = o;
        this.certificates.set(o.source, seen);
        this.recordSource(o.source, true, undefined, o.atMs);
        break;
      }
      case 'write-probe': {
        const { type: _t, ...result } = o;
        this.writeProbes.push(result);
        // A refused write is the finding; the probe itself fails only unanswered, or refused
        // by kubetriage's own role (403 from RBAC: a grant to add, said as forbidden).
        const forbidden = o.refusal?.kind === 'forbidden';
        const failed = forbidden || o.refusal?.kind === 'no-answer';
        this.recordSource(
          `probe-write/${o.target}`,
          !failed,
          failed ? o.error : undefined,
          o.atMs,
          forbidden,
        );
        break;
      }
      case 'node-usage':
        for (const item of o.items) this.nodeUsage.set(item.node, { ...item, atMs: o.atMs });
        this.recordSource('metrics/nodes', true, undefined, o.atMs);
        break;
      case 'logs':
        for (const entry of parseLogBatch(o.lines, o.atMs)) {
          this.logs.push({
            namespace: o.namespace,
            pod: o.pod,
            container: o.container,
            node: o.node,
            atMs: o.atMs,
            entry,
          });
        }
        break;
      case 'metrics':
        this.metrics.push({
          node: o.node,
          component: o.component,
          ...(o.pod ? { pod: o.pod } : {}),
          text: o.text,
          atMs: o.atMs,
        });
        break;
    }
  }

  private map(resource: WatchedResource): Map<string, KubeObject> {
    let m = this.objects.get(resource);
    if (!m) {
      m = new Map();
      this.objects.set(resource, m);
    }
    return m;
  }

  private upsert(resource: WatchedResource, object: KubeObject, atMs: number): void {
    const m = this.map(resource);
    const key = objectKey(object);
    const before = m.get(key);
    for (const t of diffObject(resource, key, before, object, atMs)) this.record(t);
    if (resource === 'events' && before !== object) this.events.record(object, atMs);
    m.set(key, object);
  }

  private remove(resource: WatchedResource, key: string, atMs: number): void {
    const m = this.map(resource);
    const before = m.get(key);
    if (!before) return;
    const t = removalTransition(resource, key, before, atMs);
    if (t) this.record(t);
    m.delete(key);
  }

  private record(t: Transition): void {
    this.transitions.push(t);
    this.onsets.record(t);
  }

  /** A full list: what changed while we were not watching becomes transitions too. */
  private replace(resource: WatchedResource, items: KubeObject[], atMs: number): void {
    const old = this.map(resource);
    const next = new Map<string, KubeObject>();
    for (const item of items) {
      const key = objectKey(item);
      for (const t of diffObject(resource, key, old.get(key), item, atMs)) this.record(t);
      if (resource === 'events') this.events.record(item, atMs);
      next.set(key, item);
    }
    for (const [key, before] of old) {
      if (next.has(key)) continue;
      const t = removalTransition(resource, key, before, atMs);
      if (t) this.record(t);
    }
    this.objects.set(resource, next);
    this.listedAt.set(resource, atMs);
  }

  /**
   * Sources whose subject is gone from the cluster stop counting: the logs of a pod that
   * was deleted (or of an ingress controller's), the metrics of a node that left or no
   * longer runs kube-proxy. Otherwise every rollout would leave a
   * stale source behind for good. Only once it has gone quiet: until then it still tells
   * what happened last.
   */
  private forgetGoneSources(nowMs: number, quietMs: number): void {
    const podsKnown = this.synced('pods');
    const nodesKnown = this.synced('nodes');
    const proxyNodes = podsKnown ? kubeProxyNodes(this.map('pods').values()) : undefined;
    for (const [source, rec] of this.sources) {
      if (nowMs - (this.lastReportMs.get(source) ?? rec.lastOkMs ?? -Infinity) <= quietMs) continue;
      const logs = /^logs\/([^/]+)\/([^/]+)\//.exec(source);
      const ingress = /^metrics\/ingress-(?:nginx|envoy)\/([^/]+)\/([^/]+)$/.exec(source);
      const proxy = /^metrics\/kube-proxy\/([^/]+)$/.exec(source);
      const pod = logs ?? ingress;
      if (
        (pod && podsKnown && !this.map('pods').has(`${pod[1]}/${pod[2]}`)) ||
        (proxy && nodesKnown && !this.map('nodes').has(proxy[1])) ||
        // A node that runs no kube-proxy pod any more (its DaemonSet removed when Cilium's
        // kube-proxy replacement took over) has no kube-proxy metrics to expect.
        (proxy && proxyNodes && !proxyNodes.has(proxy[1]))
      ) {
        this.sources.delete(source);
        this.lastReportMs.delete(source);
      }
    }
  }

  private recordSource(
    source: string,
    ok: boolean,
    error: string | undefined,
    atMs: number,
    forbidden = false,
  ): void {
    const rec = this.sources.get(source) ?? { source, failures: 0 };
    this.lastReportMs.set(source, atMs);
    if (ok) {
      rec.lastOkMs = atMs;
      rec.failingSinceMs = undefined;
      rec.lastError = undefined;
      rec.forbidden = undefined;
    } else {
      rec.failures++;
      rec.failingSinceMs ??= atMs;
      rec.lastError = error;
      rec.forbidden = forbidden || undefined;
    }
    this.sources.set(source, rec);
  }

  list(resource: WatchedResource): KubeObject[] {
    return [...this.map(resource).values()];
  }

  get(resource: WatchedResource, key: string): KubeObject | undefined {
    return this.map(resource).get(key);
  }

  count(resource: WatchedResource): number {
    return this.map(resource).size;
  }

  /** Whether kubetriage's role is refused this resource (403): it will never list, and that says nothing of the cluster. */
  forbidden(resource: WatchedResource): boolean {
    return this.sources.get(`reflector/${resource}`)?.forbidden === true;
  }

  /** Whether the resource has been listed at least once (an empty list counts). */
  synced(resource: WatchedResource): boolean {
    return this.listedAt.has(resource);
  }

  /**
   * Freshness of every source at `nowMs`: failing now, or silent for longer than
   * `staleAfterMs` since its last success, is stale. Absence of data is evidence too.
   */
  freshness(nowMs: number, staleAfterMs: number): SourceStatus[] {
    this.forgetGoneSources(nowMs, staleAfterMs);
    return [...this.sources.values()]
      .map((rec): SourceStatus => {
        if (rec.forbidden) return { ...rec, state: 'forbidden', staleSinceMs: rec.failingSinceMs };
        if (rec.lastOkMs === undefined) return { ...rec, state: 'never', staleSinceMs: rec.failingSinceMs };
        if (rec.failingSinceMs !== undefined)
          return { ...rec, state: 'stale', staleSinceMs: rec.failingSinceMs };
        if (nowMs - rec.lastOkMs > staleAfterMs)
          return { ...rec, state: 'stale', staleSinceMs: rec.lastOkMs };
        return { ...rec, state: 'fresh' };
      })
      .sort((a, b) => a.source.localeCompare(b.source));
  }
}
