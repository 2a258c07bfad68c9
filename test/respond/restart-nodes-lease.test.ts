/**
 * AirMap, with a restart hook that takes three lease durations: the run writes no progress
 * while the hook runs, and must still hold the restart Lease when it returns, so a second
 * run started meanwhile cannot take it and act on the cluster at the same time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LeaseLock } from '../../src/kube/lease-lock.ts';
import type { NodeRestarter } from '../../src/respond/node-restarters.ts';
import { applyRestartNodes } from '../../src/respond/restart-nodes-apply.ts';
import { restartDefaults, restartLease } from '../../src/respond/restart-nodes-plan.ts';
import { CountingApi } from './counting-api.ts';
import { type RemediationCluster, remediationAt } from './remediation-cluster.ts';

let cluster: RemediationCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const leaseDurationMs = 60_000;

describe('restart-nodes holds its Lease through long waits', () => {
  it('AirMap: a second run cannot take the Lease while the first waits three lease durations on its restart hook', async () => {
    const c = await remediationAt('airmap-2018', '2018-07-19T18:00:00Z');
    cluster = c;
    // Apply's own client, to wait for the renewals the clock sets off before moving time on.
    const api = CountingApi.for(c.kubeconfig);
    const secondRun = new LeaseLock({
      api: c.api,
      ...restartLease,
      holder: 'run-2',
      leaseDurationMs,
      clock: c.clock,
    });
    const crash = new AbortController();
    const tries: boolean[] = [];
    const slowHook: NodeRestarter = {
      mechanism: 'command',
      restart: async () => {
        tries.push(await secondRun.tryAcquire());
        for (let waited = 0; waited < 3 * leaseDurationMs; waited += 5_000) {
          await c.applyClock.sleep(5_000);
          await api.idle();
        }
        tries.push(await secondRun.tryAcquire());
        crash.abort(new Error('enough: the hook outlasted the lease three times'));
      },
    };
    await expect(
      c.drive(
        applyRestartNodes({
          api,
          clock: c.applyClock,
          holder: 'run-1',
          options: {
            ...restartDefaults,
            selector: 'agentpool=agentpool',
            mechanism: 'command',
            restartCommand: 'slow-reboot {node}',
          },
          restarter: slowHook,
          signal: crash.signal,
          leaseDurationMs,
        }),
      ),
    ).rejects.toThrow(/outlasted the lease/);
    expect(tries).toEqual([false, false]);
    const holder = await c.kubectl([
      '-n',
      restartLease.namespace,
      'get',
      'lease',
      restartLease.name,
      '-o',
      'jsonpath={.spec.holderIdentity}',
    ]);
    expect(holder.stdout).toBe('run-1');
  });
});
