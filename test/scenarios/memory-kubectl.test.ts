/**
 * A memory leak as an operator with plain kubectl meets it: the simulated cluster is run
 * in virtual time past the fault, then served, and the real kubectl asks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { limitedLeak, minute, quietWorld } from '../../src/sim/world/memory-fixture.ts';
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
});
