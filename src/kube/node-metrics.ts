/**
 * Node resource usage from the resource metrics API, when the cluster serves it
 * (metrics-server: `GET /apis/metrics.k8s.io/v1beta1/nodes`, a NodeMetricsList whose items
 * carry `usage.cpu`, `usage.memory` — the working set — `timestamp` and `window`;
 * kubernetes.io/docs/reference/external-api/metrics.v1beta1). Read with the other scrapes.
 * A cluster without the API answers 404: nothing is reported, so the source reads "never"
 * (not checked) rather than stale, and a cluster that never installed metrics-server
 * raises no stale-source alert. An API that is registered but fails (metrics-server down,
 * a 503 from its APIService, a 403 without the role) is a failing source.
 */
import { ApiRequestError } from './api-client.ts';
import type { ProbeContext } from './probes.ts';

interface NodeMetricsList {
  items?: {
    metadata?: { name?: string };
    timestamp?: string;
    window?: string;
    usage?: { cpu?: string; memory?: string };
  }[];
}

export const nodeMetricsPath = '/apis/metrics.k8s.io/v1beta1/nodes';
export const nodeMetricsSource = 'metrics/nodes';

export async function scrapeNodeMetrics(ctx: ProbeContext): Promise<void> {
  try {
    const res = await ctx.client.getText(nodeMetricsPath, {}, ctx.timeoutMs ?? 5_000);
    const list = JSON.parse(res.body) as NodeMetricsList;
    ctx.sink({
      type: 'node-usage',
      items: (list.items ?? [])
        .filter((i) => i.metadata?.name)
        .map((i) => ({
          node: i.metadata?.name ?? '',
          cpu: i.usage?.cpu ?? '',
          memory: i.usage?.memory ?? '',
          timestamp: i.timestamp ?? '',
          window: i.window ?? '',
        })),
      atMs: ctx.clock.now(),
    });
  } catch (err) {
    if (err instanceof ApiRequestError && err.status === 404) return;
    ctx.sink({
      type: 'source',
      source: nodeMetricsSource,
      ok: false,
      error: err instanceof Error ? err.message : String(err),
      atMs: ctx.clock.now(),
    });
  }
}
