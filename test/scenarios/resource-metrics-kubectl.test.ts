/**
 * The kubelet's resource metrics through the API server's node proxy, as an operator gets
 * them with `kubectl get --raw`: Prometheus lines from a running kubelet, and the refused
 * dial (503) from a stopped one, the same answer its /healthz gives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { minute, quietWorld } from '../../src/sim/world/memory-fixture.ts';
import { type SimCluster, serveSimCluster } from '../support/sim-cluster.ts';

let cluster: SimCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('kubelet /metrics/resource through kubectl', () => {
  it('a Ready node answers with its metric lines; a node whose kubelet is stopped refuses, as its /healthz does', async () => {
    const stopBatchKubelet = { type: 'kubelet-stop', nodes: { pools: ['batch'] } };
    const w = await quietWorld(() => {}, [{ at: '+5m', fault: stopBatchKubelet }]);
    await w.at(10 * minute);
    const cart = w.pods().find((p) => p.metadata.labels?.app === 'cart')!;
    const node = cart.spec?.nodeName ?? '';
    cluster = await serveSimCluster(w.sim);

    const r = await cluster.kubectl(['get', '--raw', `/api/v1/nodes/${node}/proxy/metrics/resource`]);
    expect(r.code).toBe(0);
    const labels = `container="cart",namespace="shop",pod="${cart.metadata.name}"`;
    expect(r.stdout).toMatch(
      /^# HELP node_memory_working_set_bytes \[STABLE\] Current working set of the node in bytes$/m,
    );
    expect(r.stdout).toMatch(/^node_cpu_usage_seconds_total \S+ \d{13}$/m);
    expect(r.stdout).toMatch(/^node_memory_working_set_bytes \S+ \d{13}$/m);
    for (const metric of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes'])
      expect(r.stdout).toMatch(new RegExp(`^${metric}\\{${labels}\\} \\S+ \\d{13}$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^container_start_time_seconds\\{${labels}\\} \\S+$`, 'm'));
    expect(r.stdout).toMatch(
      new RegExp(`^pod_cpu_usage_seconds_total\\{namespace="shop",pod="${cart.metadata.name}"\\} `, 'm'),
    );
    expect(r.stdout).toMatch(
      new RegExp(`^pod_memory_working_set_bytes\\{namespace="shop",pod="${cart.metadata.name}"\\} `, 'm'),
    );
    expect(r.stdout).toMatch(/^resource_scrape_error 0$/m);
    expect(r.stdout).toMatch(/^scrape_error 0$/m);

    const refused =
      'Error from server (ServiceUnavailable): error trying to reach service: dial tcp ip-10-0-2-0:10250: connect: connection refused';
    for (const path of ['metrics/resource', 'healthz']) {
      const down = await cluster.kubectl(['get', '--raw', `/api/v1/nodes/ip-10-0-2-0/proxy/${path}`]);
      expect(down.code).toBe(1);
      expect(down.stderr.trim()).toBe(refused);
    }
  });
});
