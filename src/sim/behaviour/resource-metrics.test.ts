/**
 * /metrics/resource's text as a kubelet of each version writes it, from a fixed summary.
 */
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../time/clock.ts';
import type { PodStats } from './container-runtime.ts';
import { nodeSystemUsageBytes } from './memory.ts';
import { goFloat, ResourceMetrics } from './resource-metrics.ts';

const startMs = Date.UTC(2024, 2, 4, 10, 0, 0);

function metrics(version: string) {
  let nowMs = startMs;
  const clock = {
    now: () => nowMs,
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
  const pods: PodStats[] = [
    {
      key: 'shop/cart-1',
      namespace: 'shop',
      name: 'cart-1',
      priority: 0,
      critical: false,
      containers: [
        {
          name: 'cart',
          startedAtMs: startMs - 60_000,
          workingSetBytes: 100 * 1024 * 1024,
          requestBytes: 0,
          cpuCores: 0.25,
          cpuCoreSeconds: 15,
        },
        {
          name: 'envoy',
          startedAtMs: startMs - 30_000,
          workingSetBytes: 20 * 1024 * 1024,
          requestBytes: 0,
          cpuCores: 0.002,
          cpuCoreSeconds: 0.06,
        },
      ],
    },
  ];
  const m = new ResourceMetrics({
    clock: clock as unknown as Clock,
    summary: () => pods,
    kubeletVersion: () => version,
  });
  return { clock, m };
}

describe('kubelet /metrics/resource', () => {
  it('a v1.29 kubelet: GA families with their labels and sample times, scrape_error deprecated beside resource_scrape_error', () => {
    const { clock, m } = metrics('v1.29.0-eks-5e0fdde');
    clock.advance(10_000);
    const t = startMs + 10_000;
    // The node burns its daemons' 0.1 core plus its containers' 0.252 for the 10 s since the kubelet started.
    expect(m.render()).toBe(
      [
        '# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds',
        '# TYPE container_cpu_usage_seconds_total counter',
        `container_cpu_usage_seconds_total{container="cart",namespace="shop",pod="cart-1"} 15 ${t}`,
        `container_cpu_usage_seconds_total{container="envoy",namespace="shop",pod="cart-1"} 0.06 ${t}`,
        '# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes',
        '# TYPE container_memory_working_set_bytes gauge',
        `container_memory_working_set_bytes{container="cart",namespace="shop",pod="cart-1"} 1.048576e+08 ${t}`,
        `container_memory_working_set_bytes{container="envoy",namespace="shop",pod="cart-1"} 2.097152e+07 ${t}`,
        '# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds',
        '# TYPE container_start_time_seconds gauge',
        'container_start_time_seconds{container="cart",namespace="shop",pod="cart-1"} 1.70954634e+09',
        'container_start_time_seconds{container="envoy",namespace="shop",pod="cart-1"} 1.70954637e+09',
        '# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds',
        '# TYPE node_cpu_usage_seconds_total counter',
        `node_cpu_usage_seconds_total 3.52 ${t}`,
        '# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes',
        '# TYPE node_memory_working_set_bytes gauge',
        `node_memory_working_set_bytes ${goFloat(nodeSystemUsageBytes + 120 * 1024 * 1024)} ${t}`,
        '# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds',
        '# TYPE pod_cpu_usage_seconds_total counter',
        `pod_cpu_usage_seconds_total{namespace="shop",pod="cart-1"} 15.06 ${t}`,
        '# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes',
        '# TYPE pod_memory_working_set_bytes gauge',
        `pod_memory_working_set_bytes{namespace="shop",pod="cart-1"} 1.2582912e+08 ${t}`,
        '# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise',
        '# TYPE resource_scrape_error gauge',
        'resource_scrape_error 0',
        '# HELP scrape_error [ALPHA] (Deprecated since 1.29.0) 1 if there was an error while getting container metrics, 0 otherwise',
        '# TYPE scrape_error gauge',
        'scrape_error 0',
        '',
      ].join('\n'),
    );
  });

  it('a v1.32 kubelet hides scrape_error; a v1.27 one marks every family ALPHA and has only scrape_error', () => {
    const newer = metrics('v1.32.4').m.render();
    expect(newer).toMatch(/^resource_scrape_error 0$/m);
    expect(newer).not.toMatch(/^scrape_error/m);
    const older = metrics('v1.27.3').m.render();
    expect(older).not.toMatch(/STABLE|resource_scrape_error/);
    expect(older).toMatch(
      /^# HELP node_memory_working_set_bytes \[ALPHA\] Current working set of the node in bytes$/m,
    );
    expect(older).toContain(
      '# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise\n# TYPE scrape_error gauge\nscrape_error 0\n',
    );
  });

  it('the node CPU counter only grows, at its daemons and containers rate between looks', () => {
    const { clock, m } = metrics('v1.29.0');
    const node = () => Number(/^node_cpu_usage_seconds_total (\S+)/m.exec(m.render())?.[1]);
    clock.advance(10_000);
    const first = node();
    clock.advance(100_000);
    expect(node() - first).toBeCloseTo(35.2, 6);
  });

  it.each([
    [0, '0'],
    [15, '15'],
    [0.195744, '0.195744'],
    [123456, '123456'],
    [1234567, '1.234567e+06'],
    [8577024, '8.577024e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1709546340, '1.70954634e+09'],
  ])('prints %d as Go prints a float64 (%s)', (n, text) => {
    expect(goFloat(n)).toBe(text);
  });
});
