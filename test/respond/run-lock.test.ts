/**
 * The run lock holds its Lease for as long as the run lasts, not for as long as the run
 * happens to write progress: a run waiting several lease durations (a node slow to come
 * back, a slow restart hook) keeps it, and a second run cannot take it and act at the
 * same time. A lock that was taken anyway says so at the next check, and stops renewing
 * once released. Against the simulator's API server, on a ManualClock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, ApiRequestError } from '../../src/kube/api-client.ts';
import { LeaseLock } from '../../src/kube/lease-lock.ts';
import { LockHeldError, LockLostError, RunLock } from '../../src/respond/run-lock.ts';
import { ManualClock } from '../../src/time/manual-clock.ts';
import { apiClientFor } from '../support/live-feed.ts';
import { type SimCluster, startSimCluster } from '../support/sim-cluster.ts';
import { CountingApi } from './counting-api.ts';

let cluster: SimCluster;
beforeAll(async () => {
  cluster = await startSimCluster();
});
afterAll(async () => cluster?.stop());

const start = Date.parse('2026-11-21T10:00:00Z');
const durationMs = 15_000;

function runLock(name: string, api: ApiClient, clock: ManualClock) {
  return new RunLock<{ done: number }>({
    api,
    namespace: 'default',
    name,
    holder: 'run-1',
    clock,
    leaseDurationMs: durationMs,
  });
}

function otherRun(name: string, clock: ManualClock) {
  return new LeaseLock({
    api: apiClientFor(cluster),
    namespace: 'default',
    name,
    holder: 'run-2',
    leaseDurationMs: durationMs,
    clock,
  });
}

describe('RunLock', () => {
  it('keeps the Lease through a wait four lease durations long, with no progress written', async () => {
    const clock = new ManualClock(start);
    const api = CountingApi.for(cluster.kubeconfig);
    const run = runLock('long-wait', api, clock);
    expect(await run.acquire()).toBeUndefined();
    const other = otherRun('long-wait', clock);
    for (let s = 1; s <= (4 * durationMs) / 1000; s++) {
      clock.advance(1_000);
      await api.idle();
      expect(await other.tryAcquire(), `the second run took the Lease ${s}s into the wait`).toBe(false);
    }
    run.check();
    await run.save({ done: 1 });
    await run.release({ done: 1 }, true);
    // Released: no more renewals, and the next run may start at once.
    const sent = api.requests;
    clock.advance(4 * durationMs);
    await api.idle();
    expect(api.requests).toBe(sent);
    expect(await other.tryAcquire()).toBe(true);
  });

  it('remembers that another run took the Lease, and refuses to go on', async () => {
    // The run's process was paused (its clock stood still) long enough for the other to take over.
    const clock = new ManualClock(start);
    const otherClock = new ManualClock(start);
    const api = CountingApi.for(cluster.kubeconfig);
    const run = runLock('taken', api, clock);
    await run.acquire();
    const other = otherRun('taken', otherClock);
    expect(await other.tryAcquire()).toBe(false);
    otherClock.advance(durationMs + 1_000);
    expect(await other.tryAcquire()).toBe(true);

    clock.advance(durationMs / 3);
    await api.idle();
    expect(() => run.check()).toThrow(LockLostError);
    await expect(run.save({ done: 2 })).rejects.toThrow(
      /lost lease\/default\/taken to another holder mid-run/,
    );
    expect((await other.current())?.holder).toBe('run-2');
    // A lost lock does not keep knocking.
    const sent = api.requests;
    clock.advance(4 * durationMs);
    await api.idle();
    expect(api.requests).toBe(sent);
  });

  it('takes an API answer that timed out, was throttled or failed as a round lost, and tries again', async () => {
    const clock = new ManualClock(start);
    const api = FlakyApi.failing(cluster.kubeconfig, [0, 429, 503]);
    const run = runLock('flaky', api, clock);
    let settled = false;
    const acquired = run.acquire().finally(() => {
      settled = true;
    });
    for (let round = 0; round < 5 && !settled; round++) {
      await api.idle();
      clock.advance(5_000);
    }
    await acquired;
    expect(api.failed).toBe(3);
    expect((await otherRun('flaky', clock).current())?.holder).toBe('run-1');
    await run.release({ done: 0 }, true);
  });

  it('gives up at once on an answer no retry will change', async () => {
    const clock = new ManualClock(start);
    const api = FlakyApi.failing(cluster.kubeconfig, [403]);
    await expect(runLock('forbidden', api, clock).acquire()).rejects.toMatchObject({ status: 403 });
  });

  it('still says the Lease is held when the holder keeps it through the failures', async () => {
    const clock = new ManualClock(start);
    const other = otherRun('held', clock);
    expect(await other.tryAcquire()).toBe(true);
    const api = FlakyApi.failing(cluster.kubeconfig, [0, 0]);
    const run = runLock('held', api, clock);
    let settled = false;
    const acquired = run.acquire().catch((err: unknown) => {
      settled = true;
      return err;
    });
    for (let round = 0; round < 10 && !settled; round++) {
      await api.idle();
      clock.advance(5_000);
      await other.tryAcquire();
    }
    expect(await acquired).toBeInstanceOf(LockHeldError);
  });
});

/** Answers its first requests with the given statuses (0: no answer), then passes them through. */
class FlakyApi extends CountingApi {
  failed = 0;
  private statuses: number[] = [];

  static failing(kubeconfig: string, statuses: number[]): FlakyApi {
    const api = FlakyApi.for(kubeconfig);
    api.statuses = [...statuses];
    return api;
  }

  override getJson<T>(...args: Parameters<ApiClient['getJson']>) {
    const status = this.statuses.shift();
    if (status === undefined) return super.getJson<T>(...args);
    this.failed++;
    return Promise.reject(
      new ApiRequestError(`${args[0]}: simulated answer ${status}`, {
        status,
        reason: status === 0 ? 'Timeout' : 'Simulated',
      }),
    );
  }
}
