/**
 * A memory leak as an operator with plain kubectl meets it: the simulated cluster is run
 * in virtual time past the fault, then served, and the real kubectl asks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { limitedLeak, minute, quietWorld, unlimitedLeak } from '../../src/sim/world/memory-fixture.ts';
import { type SimCluster, serveSimCluster } from '../support/sim-cluster.ts';

let cluster: SimCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('memory through kubectl', () => {
  it('a leak under a limit: describe pod shows Last State Terminated, Reason OOMKilled, Exit Code 137', async () => {
    const w = await quietWorld(limitedLeak.edit, limitedLeak.timeline);
    await w.at(25 * minute);
    cluster = await serveSimCluster(w.sim);
    const name = w.pods().find((p) => p.metadata.labels?.app === 'cart')?.metadata.name ?? '';
    const r = await cluster.kubectl(['describe', 'pod', '-n', 'shop', name]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Last State:\s+Terminated\n\s+Reason:\s+OOMKilled\n\s+Exit Code:\s+137/);
    expect(r.stdout).toMatch(/Limits:\n\s+memory:\s+256Mi\n\s+Requests:\n\s+memory:\s+128Mi/);
    expect(r.stdout).toMatch(/Back-off restarting failed container cart/);
  });

  it('a leak without a limit: describe node shows MemoryPressure, its taint and EvictionThresholdMet; the pod is Evicted', async () => {
    const w = await quietWorld(unlimitedLeak.edit, unlimitedLeak.timeline);
    await w.at(10 * minute);
    const first = w.pods().find((p) => p.metadata.labels?.app === 'leaky')!;
    await w.at(30 * minute);
    cluster = await serveSimCluster(w.sim);
    const node = await cluster.kubectl(['describe', 'node', first.spec?.nodeName ?? '']);
    expect(node.code).toBe(0);
    expect(node.stdout).toMatch(/Taints:\s+node\.kubernetes\.io\/memory-pressure:NoSchedule/);
    expect(node.stdout).toMatch(
      /MemoryPressure\s+True\s+.*KubeletHasInsufficientMemory\s+kubelet has insufficient memory available/,
    );
    expect(node.stdout).toMatch(/memory:\s+4Gi/);
    expect(node.stdout).toMatch(/EvictionThresholdMet\s+.*Attempting to reclaim memory/);
    const pods = await cluster.kubectl(['get', 'pods', '-n', 'shop', '-l', 'app=leaky', '--no-headers']);
    // printPod lets a terminated container's reason win over the pod's: the killed
    // container's `Error`, with phase Failed and reason Evicted underneath.
    expect(pods.stdout).toMatch(new RegExp(`${first.metadata.name}\\s+0/1\\s+Error`));
    const pod = await cluster.kubectl(['describe', 'pod', '-n', 'shop', first.metadata.name ?? '']);
    expect(pod.stdout).toMatch(
      /Status:\s+Failed\nReason:\s+Evicted\nMessage:\s+The node was low on resource: memory\./,
    );
  });
});
