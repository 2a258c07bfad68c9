/**
 * The Lease lock against the simulator's API server over HTTPS: exclusive, expiring by our
 * own clock (not the holder's timestamps), released for an immediate successor, and
 * observed with the real kubectl.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiRequestError } from '../../src/kube/api-client.ts';
import { LeaseLock } from '../../src/kube/lease-lock.ts';
import { ManualClock } from '../../src/time/manual-clock.ts';
import { apiClientFor } from '../support/live-feed.ts';
import { type SimCluster, startSimCluster } from '../support/sim-cluster.ts';

let cluster: SimCluster;
beforeAll(async () => {
  cluster = await startSimCluster();
});
afterAll(async () => cluster?.stop());

function lock(name: string, holder: string, clock: ManualClock, leaseDurationMs = 15_000): LeaseLock {
  return new LeaseLock({
    api: apiClientFor(cluster),
    namespace: 'default',
    name,
    holder,
    leaseDurationMs,
    clock,
  });
}

describe('LeaseLock', () => {
  it('gives the lock to one holder, renews it for that holder and refuses the other', async () => {
    const clock = new ManualClock(Date.parse('2026-11-21T10:00:00Z'));
    const a = lock('one-holder', 'a', clock);
    const b = lock('one-holder', 'b', clock);
    expect(await a.tryAcquire({ 'kubetriage.io/step': '1' })).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    expect(b.lastSeen?.holder).toBe('a');
    clock.advance(5_000);
    expect(await a.tryAcquire({ 'kubetriage.io/step': '2' })).toBe(true);
    const rec = await b.current();
    expect(rec).toMatchObject({ holder: 'a', durationMs: 15_000, transitions: 0 });
    expect(rec?.annotations['kubetriage.io/step']).toBe('2');
    const got = await cluster.kubectl([
      'get',
      'lease',
      'one-holder',
      '-n',
      'default',
      '-o',
      'jsonpath={.spec.holderIdentity}',
    ]);
    expect(got.stdout).toBe('a');
  });

  it('lets another holder take over only after the record has stood still for a whole lease duration of its own clock', async () => {
    const clockA = new ManualClock(Date.parse('2026-11-21T10:00:00Z'));
    // B's clock is an hour ahead: judged by A's renewTime the lease would look long expired.
    const clockB = new ManualClock(Date.parse('2026-11-21T11:00:00Z'));
    const a = lock('takeover', 'a', clockA);
    const b = lock('takeover', 'b', clockB);
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    clockB.advance(10_000);
    expect(await b.tryAcquire()).toBe(false);
    // A renews: the record moves, so B starts counting again.
    expect(await a.tryAcquire()).toBe(true);
    clockB.advance(10_000);
    expect(await b.tryAcquire()).toBe(false);
    // A stops renewing (crashed); after a full duration of B's clock B takes over.
    clockB.advance(15_000);
    expect(await b.tryAcquire()).toBe(true);
    expect(await a.current()).toMatchObject({ holder: 'b', transitions: 1 });
    // A, back from the dead, finds the lock taken.
    expect(await a.tryAcquire()).toBe(false);
  });

  it('hands over at once on release, keeping the annotations written with it', async () => {
    const clock = new ManualClock(Date.parse('2026-11-21T10:00:00Z'));
    const a = lock('release', 'a', clock);
    const b = lock('release', 'b', clock);
    expect(await a.tryAcquire()).toBe(true);
    await a.release({ 'kubetriage.io/result': 'done' });
    await b.release(); // not b's: nothing happens
    expect(await b.tryAcquire()).toBe(true);
    const rec = await a.current();
    expect(rec).toMatchObject({ holder: 'b', transitions: 1 });
    expect(rec?.annotations['kubetriage.io/result']).toBe('done');
  });

  it('lets exactly one of many simultaneous contenders win', async () => {
    const clock = new ManualClock(Date.parse('2026-11-21T10:00:00Z'));
    const contenders = ['a', 'b', 'c', 'd', 'e'].map((h) => lock('race', h, clock));
    const won = await Promise.all(contenders.map((c) => c.tryAcquire()));
    expect(won.filter(Boolean)).toHaveLength(1);
  });

  it('reports an API failure as the API error, not as a lost race', async () => {
    const clock = new ManualClock(Date.parse('2026-11-21T10:00:00Z'));
    const bad = new LeaseLock({
      api: apiClientFor(cluster),
      namespace: 'no such namespace!',
      name: 'x',
      holder: 'a',
      leaseDurationMs: 15_000,
      clock,
    });
    await expect(bad.tryAcquire()).rejects.toBeInstanceOf(ApiRequestError);
  });
});
