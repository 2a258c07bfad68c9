/**
 * Builders for the component detectors' tests, on top of `fixtures.ts`: the tool's own
 * probes, reflector health, component log lines (klog, CoreDNS), kube-proxy metric scrapes,
 * node agent conditions, and the kube-system Services, EndpointSlices and DaemonSets they
 * read. Shapes follow the real components (kubernetes.md §5, node-agent-report.md).
 */
import type { ApiCheck, KubeObject, Observation } from '../kube/observations.ts';
import { trimObject } from '../kube/trim.ts';
import { iso } from './fixtures.ts';

export interface ProbeInput {
  ok?: boolean;
  latencyMs?: number;
  status?: number;
  error?: string;
  body?: string;
}

export function probe(check: ApiCheck, atMs: number, p: ProbeInput = {}): Observation {
  const ok = p.ok ?? true;
  return {
    type: 'probe',
    check,
    ok,
    latencyMs: p.latencyMs ?? 12,
    status: p.status ?? (ok ? 200 : undefined),
    body: p.body ?? (ok ? (check === 'version' ? versionBody('v1.30.1') : 'ok') : undefined),
    error: p.error,
    atMs,
  };
}

/** One round of the three checks, as `probeApiServer` reports it. */
export function probeRound(atMs: number, p: ProbeInput = {}): Observation[] {
  return (['livez', 'readyz', 'version'] as const).map((c) => probe(c, atMs, p));
}

/** Rounds every 5 s from `fromMs` (inclusive) to `toMs` (inclusive). */
export function probeRounds(fromMs: number, toMs: number, p: ProbeInput = {}): Observation[] {
  const out: Observation[] = [];
  for (let at = fromMs; at <= toMs; at += 5_000) out.push(...probeRound(at, p));
  return out;
}

export const timeoutError = 'https://10.0.0.10:6443/livez: no answer before the request timeout';
export const refusedError = 'https://10.0.0.10:6443/livez: connect ECONNREFUSED 10.0.0.10:6443';

export function versionBody(gitVersion: string): string {
  const m = /^v(\d+)\.(\d+)/.exec(gitVersion);
  return JSON.stringify({ major: m?.[1] ?? '1', minor: m?.[2] ?? '30', gitVersion, platform: 'linux/amd64' });
}

export function sourceObs(source: string, ok: boolean, atMs: number, error?: string): Observation {
  return { type: 'source', source, ok, error, atMs };
}

export interface LogsInput {
  namespace?: string;
  pod: string;
  container: string;
  node?: string;
  lines: string[];
  atMs: number;
}

export function logsObs(l: LogsInput): Observation {
  return { type: 'logs', namespace: l.namespace ?? 'kube-system', ...l };
}

/** A klog line: `E0610 07:32:16.910840       1 proxier.go:1564] body`. */
export function klogLine(severity: 'I' | 'W' | 'E', atMs: number, file: string, body: string): string {
  const d = new Date(atMs);
  const two = (n: number) => String(n).padStart(2, '0');
  const micros = String(d.getUTCMilliseconds() * 1000).padStart(6, '0');
  return (
    `${severity}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${micros}` +
    `       1 ${file}] ${body}`
  );
}

/** kube-proxy's iptables-restore failure and the sync failure after it (kubernetes.md §5.3). */
export function restoreFailureLines(
  atMs: number,
  err = 'exit status 1 (iptables-restore: line 8022 failed\\n)',
): string[] {
  return [
    klogLine('E', atMs, 'proxier.go:1564', `"Failed to execute iptables-restore" err="${err}"`),
    klogLine('I', atMs, 'proxier.go:833', '"Sync failed" ipFamily="IPv4" retryingTime="30s"'),
  ];
}

export interface ProxyMetricsInput {
  failures?: number;
  partialFailures?: number;
  /** Last successful sync, epoch seconds. */
  lastSyncS?: number;
  lastQueuedS?: number;
}

/** The kube-proxy metrics the sync detector reads, with a histogram around them as noise. */
export function kubeProxyMetrics(m: ProxyMetricsInput): string {
  return [
    '# HELP kubeproxy_sync_proxy_rules_duration_seconds [ALPHA] SyncProxyRules latency in seconds',
    '# TYPE kubeproxy_sync_proxy_rules_duration_seconds histogram',
    'kubeproxy_sync_proxy_rules_duration_seconds_bucket{le="0.001"} 0',
    'kubeproxy_sync_proxy_rules_duration_seconds_bucket{le="+Inf"} 40',
    '# TYPE kubeproxy_sync_proxy_rules_last_timestamp_seconds gauge',
    `kubeproxy_sync_proxy_rules_last_timestamp_seconds ${m.lastSyncS ?? 0}`,
    '# TYPE kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds gauge',
    `kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds ${m.lastQueuedS ?? m.lastSyncS ?? 0}`,
    '# TYPE kubeproxy_sync_proxy_rules_iptables_restore_failures_total counter',
    `kubeproxy_sync_proxy_rules_iptables_restore_failures_total ${m.failures ?? 0}`,
    '# TYPE kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total counter',
    `kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total ${m.partialFailures ?? 0}`,
    '',
  ].join('\n');
}

/** A scrape at `atMs` whose last sync was `syncAgeS` earlier. */
export function proxyScrape(
  node: string,
  atMs: number,
  m: { failures?: number; syncAgeS?: number; queuedAgeS?: number },
): Observation {
  const lastSyncS = Math.floor(atMs / 1000) - (m.syncAgeS ?? 5);
  const lastQueuedS = m.queuedAgeS === undefined ? lastSyncS : Math.floor(atMs / 1000) - m.queuedAgeS;
  return {
    type: 'metrics',
    node,
    component: 'kube-proxy',
    text: kubeProxyMetrics({ failures: m.failures, lastSyncS, lastQueuedS }),
    atMs,
  };
}

export interface AgentConditionInput {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  heartbeatMs: number;
  transitionMs?: number;
}

/** A node agent condition, to pass in `NodeInput.conditions`. */
export function agentCondition(c: AgentConditionInput) {
  return {
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: c.message,
    lastHeartbeatTime: iso(c.heartbeatMs),
    lastTransitionTime: iso(c.transitionMs ?? c.heartbeatMs - 600_000),
  };
}

export function service(namespace: string, name: string, clusterIP: string, port = 443): KubeObject {
  return trimObject('services', {
    metadata: { name, namespace },
    spec: { type: 'ClusterIP', clusterIP, ports: [{ port, protocol: 'TCP' }] },
  });
}

export function endpointSlice(
  namespace: string,
  serviceName: string,
  endpoints: { ip: string; ready: boolean; node?: string }[],
): KubeObject {
  return trimObject('endpointslices', {
    metadata: {
      name: `${serviceName}-abcde`,
      namespace,
      labels: { 'kubernetes.io/service-name': serviceName },
    },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready },
      nodeName: e.node,
    })),
    ports: [{ name: 'dns', port: 53, protocol: 'UDP' }],
  });
}

export function daemonSet(
  namespace: string,
  name: string,
  image: string,
  labels?: Record<string, string>,
): KubeObject {
  return trimObject('daemonsets', {
    metadata: { name, namespace, labels },
    spec: { selector: {}, template: { spec: { containers: [{ name, image }] } } },
    status: {},
  });
}

/** The same pod with its Ready condition's transition time set, or marked terminating. */
export function podWith(p: KubeObject, o: { readySinceMs?: number; terminating?: boolean }): KubeObject {
  const status = (p as { status?: { conditions?: { type: string }[] } }).status ?? {};
  const conditions = (status.conditions ?? []).map((c) =>
    c.type === 'Ready' && o.readySinceMs !== undefined
      ? { ...c, lastTransitionTime: iso(o.readySinceMs) }
      : c,
  );
  return {
    ...p,
    metadata: { ...p.metadata, ...(o.terminating ? { deletionTimestamp: iso(0) } : {}) },
    status: { ...status, conditions },
  };
}
