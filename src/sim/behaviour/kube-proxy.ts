/**
 * kube-proxy (iptables mode) on one node, as v1.32 behaves (kubernetes.md §5.3): Service
 * and EndpointSlice changes queue a sync (at most every minSyncPeriod 1 s, at least every
 * syncPeriod 30 s); a sync that fails logs "Failed to execute iptables-restore" and
 * "Sync failed" retryingTime="30s" in klog format, counts
 * kubeproxy_sync_proxy_rules_iptables_restore_failures_total, and leaves the rules as they
 * were: the last-sync timestamp stops, /healthz turns 503 after 60 s of a queued update,
 * and traffic to Services whose endpoints changed since goes nowhere.
 *
 * The fault is low: the rules on the node are in a format this kube-proxy's
 * iptables-restore input does not fit (a version skew after an upgrade step was rolled
 * back). Syncs that only re-assert the same rules still pass; syncs carrying changes fail,
 * so trouble grows with churn. Restarting the node (fresh rules) clears it.
 */
import type { Clock, Timer } from '../../time/clock.ts';
import type { NodeProxyRegistry } from '../api/node-proxy.ts';
import type { PodLogBook } from '../api/pod-log-book.ts';
import { resourceForKind } from '../api/resources.ts';
import { type KubeProxyState, kubeProxyMetrics } from '../cluster/node-endpoints.ts';
import type { ObjectStore } from '../store/object-store.ts';
import type { Dependencies } from './dependencies.ts';

const podType = resourceForKind('Pod')!;
const serviceType = resourceForKind('Service')!;
const sliceType = resourceForKind('EndpointSlice', 'discovery.k8s.io')!;

export const syncPeriodMs = 30_000;
export const minSyncPeriodMs = 1_000;
/** /healthz reports unhealthy when a queued update waited longer than 2 × syncPeriod. */
export const healthTimeoutMs = 2 * syncPeriodMs;

/** klog's text header: `Lmmdd hh:mm:ss.uuuuuu threadid file:line]`. */
export function klogHeader(level: 'I' | 'W' | 'E', atMs: number, source: string): string {
  const d = new Date(atMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${level}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}${p(0, 3)}       1 ${source}]`;
}

export class KubeProxyModel {
  readonly node: string;
  readonly state: KubeProxyState;
  /** Ground truth: the node's rules do not fit this kube-proxy's restore input. */
  ruleFormatMismatch = false;
  private readonly o: {
    node: string;
    store: ObjectStore;
    clock: Clock;
    logs: PodLogBook;
    proxy: NodeProxyRegistry;
    deps?: Dependencies;
  };
  private pendingChanges = 0;
  private oldestPendingMs: number | undefined;
  private staleSinceMs: number | undefined;
  private timer: Timer | undefined;
  private unsubscribe: (() => void)[] = [];
  /** The line number iptables-restore reports; it depends on the rule set's size. */
  private failingLine = 8022;

  constructor(o: {
    node: string;
    store: ObjectStore;
    clock: Clock;
    logs: PodLogBook;
    proxy: NodeProxyRegistry;
    deps?: Dependencies;
  }) {
    this.o = o;
    this.node = o.node;
    const now = o.clock.now();
    this.state = { lastSyncMs: now, lastQueuedMs: now, restoreFailures: 0, syncs: 0 };
  }

  start(): void {
    const { proxy, node, clock } = this.o;
    proxy.register(node, 10249, (req) =>
      req.path === '/metrics'
        ? {
            status: 200,
            contentType: 'text/plain; version=0.0.4; charset=utf-8',
            body: kubeProxyMetrics(this.state),
          }
        : { status: 404, contentType: 'text/plain', body: '404 page not found\n' },
    );
    proxy.register(node, 10256, (req) => {
      if (req.path !== '/healthz' && req.path !== '/livez')
        return { status: 404, contentType: 'text/plain', body: '404 page not found\n' };
      const now = clock.now();
      // proxy_health.go: unhealthy once the oldest update still pending has waited longer
      // than healthTimeout.
      const healthy = this.oldestPendingMs === undefined || now <= this.oldestPendingMs + healthTimeoutMs;
      const body = JSON.stringify({
        lastUpdated: new Date(this.state.lastSyncMs).toISOString(),
        currentTime: new Date(now).toISOString(),
        nodeEligible: true,
      });
      return { status: healthy ? 200 : 503, contentType: 'application/json', body };
    });
    const queue = (): void => this.queue();
    this.unsubscribe = [
      this.o.store.subscribe(serviceType.storage, queue),
      this.o.store.subscribe(sliceType.storage, queue),
    ];
    this.schedule(syncPeriodMs);
  }

  stop(): void {
    this.timer?.cancel();
    for (const u of this.unsubscribe) u();
  }

  /** A restart of the node: fresh rules written from scratch, so the mismatch is gone. */
  restart(): void {
    this.ruleFormatMismatch = false;
    this.queue();
  }

  private queue(): void {
    this.pendingChanges++;
    this.state.lastQueuedMs = this.o.clock.now();
    this.oldestPendingMs ??= this.state.lastQueuedMs;
    this.schedule(minSyncPeriodMs);
  }

  private schedule(ms: number): void {
    this.timer?.cancel();
    this.timer = this.o.clock.after(ms, () => this.sync());
  }

  private sync(): void {
    const now = this.o.clock.now();
    const withChanges = this.pendingChanges > 0;
    if (this.ruleFormatMismatch && withChanges) {
      this.state.restoreFailures++;
      this.staleSinceMs ??= now;
      this.log([
        `${klogHeader('E', now, 'proxier.go:1564')} "Failed to execute iptables-restore" err=<`,
        `\texit status 1 (iptables-restore: line ${this.failingLine} failed`,
        '\t)',
        ' > ipFamily="IPv4"',
        `${klogHeader('I', now, 'proxier.go:833')} "Sync failed" ipFamily="IPv4" retryingTime="30s"`,
      ]);
      this.setRouting(true);
      this.schedule(syncPeriodMs);
      return;
    }
    this.state.syncs++;
    this.state.lastSyncMs = now;
    this.pendingChanges = 0;
    this.oldestPendingMs = undefined;
    this.staleSinceMs = undefined;
    this.setRouting(false);
    this.schedule(syncPeriodMs);
  }

  private setRouting(broken: boolean): void {
    const deps = this.o.deps;
    if (!deps) return;
    const current = deps.faultsOn(this.node);
    if (Boolean(current.serviceRoutingBroken) !== broken)
      deps.setFaults(this.node, { ...current, serviceRoutingBroken: broken });
  }

  private log(lines: string[]): void {
    const pod = this.o.store.list(podType, {
      namespace: 'kube-system',
      filter: (e) => e.fields['spec.nodeName'] === this.node && e.labels?.['k8s-app'] === 'kube-proxy',
    }).entries[0];
    if (!pod) return;
    for (const line of lines)
      this.o.logs.append('kube-system', pod.name, 'kube-proxy', line, this.o.clock.now());
  }
}
