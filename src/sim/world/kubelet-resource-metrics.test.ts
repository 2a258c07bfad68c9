/**
 * The kubelet's /metrics/resource on the quiet baseline with a leaking workload: its
 * working sets are the ones the eviction manager observes, and they grow with the leak.
 */
import { describe, expect, it } from 'vitest';
import { kubeletPort } from '../api/node-proxy.ts';
import { nodeWorkingSetBytes } from '../behaviour/memory.ts';
import { limitedLeak, minute, quietWorld } from './memory-fixture.ts';

/** `name{labels} value [time]` lines of one metric, by their `pod/container` or `pod` label. */
function samples(body: string, metric: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of body.split('\n')) {
    const m = new RegExp(`^${metric}(?:\\{(.*)\\})? (\\S+)`).exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]),
    );
    out.set([labels.namespace, labels.pod, labels.container].filter(Boolean).join('/'), Number(m[2]));
  }
  return out;
}

describe('kubelet /metrics/resource', () => {
  it("reports the working sets the eviction manager observes, a leak's growing between scrapes", async () => {
    const w = await quietWorld(limitedLeak.edit, limitedLeak.timeline);
    await w.at(11 * minute);
    const cart = w.pods().find((p) => p.metadata.labels?.app === 'cart')!;
    const node = cart.spec?.nodeName ?? '';
    const kubelet = w.sim.world!.kubelets.get(node)!;
    const scrape = () =>
      w.sim.nodeProxy.lookup(node, kubeletPort)!({
        method: 'GET',
        path: '/metrics/resource',
        query: new URLSearchParams(),
      })!;
    const answer = scrape();
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');

    const observed = kubelet.pods!.runtime.memoryUsage(w.sim.clock.now());
    const containers = samples(answer.body, 'container_memory_working_set_bytes');
    expect(containers.size).toBe(observed.flatMap((p) => p.containers).length);
    for (const p of observed)
      for (const c of p.containers) expect(containers.get(`${p.key}/${c.name}`)).toBe(c.workingSetBytes);
    const nodeBytes = samples(answer.body, 'node_memory_working_set_bytes').get('');
    expect(nodeBytes).toBe(nodeWorkingSetBytes(observed));

    const key = `shop/${cart.metadata.name}/cart`;
    const before = containers.get(key)!;
    await w.at(12 * minute);
    const after = samples(scrape().body, 'container_memory_working_set_bytes').get(key)!;
    // 50Mi/min, counted in whole pages.
    expect(after - before).toBeGreaterThan(49 * 1024 * 1024);
    expect(after - before).toBeLessThan(51 * 1024 * 1024);
    expect(samples(scrape().body, 'container_cpu_usage_seconds_total').get(key)).toBeGreaterThan(0);
  });
});
