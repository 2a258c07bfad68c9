import { describe, expect, it } from 'vitest';
import { ManualClock } from '../time/manual-clock.ts';
import { type ApiClient, ApiRequestError } from './api-client.ts';
import { scrapeNodeMetrics } from './node-metrics.ts';
import type { Observation } from './observations.ts';

function client(answer: () => string): ApiClient {
  return {
    getText: async (path: string) => {
      expect(path).toBe('/apis/metrics.k8s.io/v1beta1/nodes');
      return { status: 200, body: answer(), latencyMs: 3 };
    },
  } as unknown as ApiClient;
}

describe('scrapeNodeMetrics', () => {
  it('reads a NodeMetricsList as served by metrics-server', async () => {
    // The item from https://gist.github.com/243688abadd186b30219d57ca3050a39, in a list.
    const body = JSON.stringify({
      kind: 'NodeMetricsList',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: {},
      items: [
        {
          metadata: { name: 'worker-n5-a6ayds', creationTimestamp: '2018-01-26T06:41:49Z' },
          timestamp: '2018-01-26T06:41:00Z',
          window: '1m0s',
          usage: { cpu: '12436m', memory: '4991296Ki' },
        },
      ],
    });
    const seen: Observation[] = [];
    const clock = new ManualClock(Date.UTC(2018, 0, 26, 6, 42));
    await scrapeNodeMetrics({ client: client(() => body), clock, sink: (o) => seen.push(o) });
    expect(seen).toEqual([
      {
        type: 'node-usage',
        items: [
          {
            node: 'worker-n5-a6ayds',
            cpu: '12436m',
            memory: '4991296Ki',
            timestamp: '2018-01-26T06:41:00Z',
            window: '1m0s',
          },
        ],
        atMs: clock.now(),
      },
    ]);
  });

  const failing = (status: number, message: string) =>
    ({
      getText: async () => {
        throw new ApiRequestError(`https://10.0.0.10:6443/apis/metrics.k8s.io/v1beta1/nodes: ${message}`, {
          status,
          reason: String(status),
        });
      },
    }) as unknown as ApiClient;

  it('reports nothing for a cluster that does not serve the API: the source stays "never", not stale', async () => {
    const seen: Observation[] = [];
    const client = failing(404, 'the server could not find the requested resource');
    await scrapeNodeMetrics({ client, clock: new ManualClock(0), sink: (o) => seen.push(o) });
    expect(seen).toEqual([]);
  });

  it('reports a registered API that fails (metrics-server down behind its APIService) as a failing source', async () => {
    const seen: Observation[] = [];
    // The aggregator's answer while metrics-server is down (kube-aggregator's proxy).
    const client = failing(503, 'the server is currently unable to handle the request');
    await scrapeNodeMetrics({ client, clock: new ManualClock(0), sink: (o) => seen.push(o) });
    expect(seen).toMatchObject([{ type: 'source', source: 'metrics/nodes', ok: false }]);
  });
});
