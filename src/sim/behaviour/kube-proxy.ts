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
 * back). Syncs that only re-assert the same rules still pass; each change a sync carries
 * may hit a rule it cannot restore, so trouble grows with churn, and a failed restore may
 * leave the rules corrupt, failing every later sync with changes. A failed sync leaves the
 * rules as they were: Services whose endpoints changed since the last good sync go
 * nowhere from this node, the others keep working. Restarting the node (fresh rules)
 * clears it.
 */
import type { Clock, Timer } from '../../time/clock.ts';
import type { NodeProxyRegistry } from '../api/node-proxy.ts';
import type { PodLogBook } from '../api/pod-log-book.ts';
import { resourceForKind } from '../api/resources.ts';
import { type KubeProxyState, kubeProxyMetrics } from '../cluster/node-endpoints.ts';
import type { ObjectStore } from '../store/object-store.ts';
import type { Dependencies } from './dependencies.ts';

const podType = resourceForKind('Pod')!;
const nodeType = resourceForKind('Node')!;
const serviceType = resourceForKind('Service')!;
const sliceType = resourceForKind('EndpointSlice', 'discovery.k8s.io')!;

export const syncPeriodMs = 30_000;
export const minSyncPeriodMs = 1_000;
/** /healthz reports unhealthy when a queued update waited longer than 2 × syncPeriod. */
export const healthTimeoutMs = 2 * syncPeriodMs;
/** A sync carrying this many changes or more risks corruption at the fault's full probability. */
const corruptingChanges = 20;

/** klog's text header: `Lmmdd hh:mm:ss.uuuuuu threadid file:line]`. */
export function klogHeader(level: 'I' | 'W' | 'E', atMs: number, source: string): string {
  const d = new Date(atMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${level}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}${p(0, 3)}       1 ${source}]`;
}

/** Ground truth: the node's rules are in a format this kube-proxy's restore input does not fit. */
export interface RuleFormatMismatch {
  /** Chance that one change carried by a sync hits a rule it cannot restore. */
  failureProbability: number;
  /** Chance that a failed restore leaves the rules corrupt (every later sync with changes fails). */
  corruptionProbability: number;
  /** The line iptables-restore reports; it depends on the rule set's size. */
  failedLine: number;
  retryMs: number;
  /**
   * The version whose rule format is on the nodes. A kubelet at that minor or newer keeps
   * writing its own chains in that format (kubelet 1.24 stopped creating the chains
   * kube-proxy 1.23 expects, KEP-3178), so every sync with changes fails there.
   */
  rulesVersion?: string;
}

export interface KubeProxyOptions {
  node: string;
  store: ObjectStore;
  clock: Clock;
  logs: PodLogBook;
  proxy: NodeProxyRegistry;
  deps?: Dependencies;
  /** Seeded randomness for the fault's dice; without it every sync with changes fails. */
  random?: () => number;
}

export class KubeProxyModel {
  readonly node: string;
  readonly state: KubeProxyState;
  ruleFormat: RuleFormatMismatch | undefined;
  /** A failed restore left the rules half-written. */
  corrupt = false;
  private readonly o: KubeProxyOptions;
  /** Services whose endpoints changed since the last good sync: stale here when a sync fails. */
  private readonly changedServices = new Set<string>();
  private pendingChanges = 0;
  private oldestPendingMs: number | undefined;
  private staleSinceMs: number | undefined;
  private timer: Timer | undefined;
  private unsubscribe: (() => void)[] = [];

  constructor(o: KubeProxyOptions) {
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
    this.unsubscribe = [
      this.o.store.subscribe(serviceType.storage, (ev) =>
        this.queue(`${ev.entry.namespace}/${ev.entry.name}`),
      ),
      this.o.store.subscribe(sliceType.storage, (ev) => {
        const svc = ev.entry.labels?.['kubernetes.io/service-name'];
        this.queue(svc ? `${ev.entry.namespace}/${svc}` : undefined);
      }),
    ];
    this.schedule(syncPeriodMs);
  }

  stop(): void {
    this.timer?.cancel();
    for (const u of this.unsubscribe) u();
  }

  /** Shorthand for tests: every sync that carries changes fails. */
  set ruleFormatMismatch(on: boolean) {
    this.ruleFormat = on
      ? { failureProbability: 1, corruptionProbability: 0, failedLine: 8022, retryMs: syncPeriodMs }
      : undefined;
  }

  /** A restart of the node: fresh rules written from scratch, so the mismatch is gone. */
  restart(): void {
    this.ruleFormat = undefined;
    this.corrupt = false;
    this.queue();
  }

  private queue(service?: string): void {
    if (service) this.changedServices.add(service);
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
    const fault = this.ruleFormat;
    if (fault && this.pendingChanges > 0 && this.restoreFails(fault)) {
      this.state.restoreFailures++;
      this.staleSinceMs ??= now;
      const retry = `${Math.round(fault.retryMs / 1000)}s`;
      this.log([
        `${klogHeader('E', now, 'proxier.go:1564')} "Failed to execute iptables-restore" err=<`,
        `\texit status 1 (iptables-restore: line ${fault.failedLine} failed`,
        '\t)',
        ' > ipFamily="IPv4"',
        `${klogHeader('I', now, 'proxier.go:833')} "Sync failed" ipFamily="IPv4" retryingTime="${retry}"`,
      ]);
      this.setStale([...this.changedServices]);
      this.schedule(fault.retryMs);
      return;
    }
    this.state.syncs++;
    this.state.lastSyncMs = now;
    this.pendingChanges = 0;
    this.changedServices.clear();
    this.oldestPendingMs = undefined;
    this.staleSinceMs = undefined;
    this.setStale([]);
    this.schedule(syncPeriodMs);
  }

  /** Whether this sync's restore fails: certain on corrupt rules, else a die per change. */
  private restoreFails(f: RuleFormatMismatch): boolean {
    if (this.corrupt || this.kubeletWritesRulesFormat(f)) return true;
    const roll = this.o.random ?? (() => 0);
    const p = 1 - (1 - f.failureProbability) ** this.pendingChanges;
    if (roll() >= p) return false;
    // A big rewrite that fails half-way is what leaves rules corrupt; a one-line change rarely does.
    const size = Math.min(1, this.pendingChanges / corruptingChanges);
    if (f.corruptionProbability > 0 && roll() < f.corruptionProbability * size) this.corrupt = true;
    return true;
  }

  private kubeletWritesRulesFormat(f: RuleFormatMismatch): boolean {
    if (!f.rulesVersion) return false;
    const node = this.o.store.find(nodeType, '', this.node) as
      | { status?: { nodeInfo?: { kubeletVersion?: string } } }
      | undefined;
    const kubelet = minorOf(node?.status?.nodeInfo?.kubeletVersion);
    const rules = minorOf(f.rulesVersion);
    return kubelet !== undefined && rules !== undefined && kubelet >= rules;
  }

  /** The Services whose rules on this node are stale (empty: all current). */
  private setStale(services: string[]): void {
    this.o.deps?.setFaults(
      this.node,
      services.length ? { brokenServices: services.sort() } : {},
      'kube-proxy',
    );
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

/** `v1.24.10` → 24. */
function minorOf(version: string | undefined): number | undefined {
  const m = /^v?1\.(\d+)/.exec(version ?? '');
  return m ? Number(m[1]) : undefined;
}
