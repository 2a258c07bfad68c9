/**
 * The per-node HTTP endpoints reachable through `nodes/{name}[:port]/proxy`: the
 * kubelet's /healthz and /metrics/resource (10250), and kube-proxy's Prometheus /metrics (10249) and /healthz
 * (10256) with the metric names and health body of v1.32 (kubernetes.md §5.3).
 */
import type { NodeProxyRegistry, ProxyResponse } from '../api/node-proxy.ts';

const text = (status: number, body: string, contentType = 'text/plain; charset=utf-8'): ProxyResponse => ({
  status,
  body,
  contentType,
});

/** The kubelet process behind port 10250, when the node runs one. */
export interface KubeletServer {
  /** Whether the process runs: a stopped kubelet listens on nothing and the dial is refused. */
  listening: () => boolean;
  /** The body of /metrics/resource now. */
  resourceMetrics?: () => string | undefined;
}

export function kubeletEndpoints(proxy: NodeProxyRegistry, node: string, kubelet?: KubeletServer): void {
  proxy.register(
    node,
    10250,
    (req) => {
      if (req.path === '/healthz') return text(200, 'ok');
      const metrics = req.path === '/metrics/resource' ? kubelet?.resourceMetrics?.() : undefined;
      if (metrics !== undefined) return text(200, metrics, 'text/plain; version=0.0.4; charset=utf-8');
      return text(404, '404 page not found\n');
    },
    { listening: kubelet?.listening },
  );
}

export interface KubeProxyState {
  lastSyncMs: number;
  lastQueuedMs: number;
  restoreFailures: number;
  syncs: number;
}

/** Renders kube-proxy's metrics the way its Prometheus registry exposes them. */
export function kubeProxyMetrics(s: KubeProxyState): string {
  const secs = (ms: number) => (ms / 1000).toFixed(3);
  return [
    '# HELP kubeproxy_sync_proxy_rules_last_timestamp_seconds [ALPHA] The last time proxy rules were successfully synced',
    '# TYPE kubeproxy_sync_proxy_rules_last_timestamp_seconds gauge',
    `kubeproxy_sync_proxy_rules_last_timestamp_seconds ${secs(s.lastSyncMs)}`,
    '# HELP kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds [ALPHA] The last time a sync of proxy rules was queued',
    '# TYPE kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds gauge',
    `kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds ${secs(s.lastQueuedMs)}`,
    '# HELP kubeproxy_sync_proxy_rules_iptables_restore_failures_total [ALPHA] Cumulative proxy iptables restore failures',
    '# TYPE kubeproxy_sync_proxy_rules_iptables_restore_failures_total counter',
    `kubeproxy_sync_proxy_rules_iptables_restore_failures_total ${s.restoreFailures}`,
    '# HELP kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total [ALPHA] Cumulative proxy iptables partial restore failures',
    '# TYPE kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total counter',
    'kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total 0',
    '# HELP kubeproxy_sync_proxy_rules_duration_seconds [ALPHA] SyncProxyRules latency in seconds',
    '# TYPE kubeproxy_sync_proxy_rules_duration_seconds histogram',
    `kubeproxy_sync_proxy_rules_duration_seconds_bucket{le="0.001"} 0`,
    `kubeproxy_sync_proxy_rules_duration_seconds_bucket{le="0.032"} ${s.syncs}`,
    `kubeproxy_sync_proxy_rules_duration_seconds_bucket{le="+Inf"} ${s.syncs}`,
    `kubeproxy_sync_proxy_rules_duration_seconds_sum ${(s.syncs * 0.012).toFixed(3)}`,
    `kubeproxy_sync_proxy_rules_duration_seconds_count ${s.syncs}`,
    '',
  ].join('\n');
}

/** Registers a healthy kube-proxy whose rules were last synced at `nowMs`. */
export function kubeProxyEndpoints(proxy: NodeProxyRegistry, node: string, nowMs: number): KubeProxyState {
  const state: KubeProxyState = { lastSyncMs: nowMs, lastQueuedMs: nowMs, restoreFailures: 0, syncs: 42 };
  proxy.register(node, 10249, (req) => {
    if (req.path === '/metrics')
      return text(200, kubeProxyMetrics(state), 'text/plain; version=0.0.4; charset=utf-8');
    return text(404, '404 page not found\n');
  });
  proxy.register(node, 10256, (req) => {
    if (req.path !== '/healthz' && req.path !== '/livez') return text(404, '404 page not found\n');
    const body = {
      lastUpdated: new Date(state.lastSyncMs).toISOString(),
      currentTime: new Date(state.lastQueuedMs).toISOString(),
      nodeEligible: true,
    };
    return text(200, JSON.stringify(body), 'application/json');
  });
  return state;
}
