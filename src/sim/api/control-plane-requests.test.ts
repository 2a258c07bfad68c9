import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/manual-clock.ts';
import { ControlPlane } from '../cluster/control-plane.ts';
import {
  dryRunCreateRoundTrip,
  etcdRoundTrip,
  isDryRunCreate,
  needsEtcd,
  ReplicaUnavailable,
  routeToReplica,
} from './control-plane-requests.ts';
import type { ApiError } from './status.ts';

const three = () =>
  new ControlPlane({
    members: ['cp-0', 'cp-1', 'cp-2'].map((name, i) => ({ name, ip: `10.0.0.${10 + i}`, onNode: true })),
    stacked: true,
  });

/** Runs one request's etcd round trip; returns how long it took and how it ended. */
async function roundTrip(cp: ControlPlane, method: string, query = '', member?: number) {
  const clock = new ManualClock(0);
  const replica = member === undefined ? routeToReplica(cp) : cp.replica(cp.members[member]);
  const q = new URLSearchParams(query);
  const trip = isDryRunCreate(method, q, false)
    ? dryRunCreateRoundTrip(cp, replica, clock, q)
    : etcdRoundTrip(cp, replica, clock, { method, q });
  const done = trip.then(
    () => ({ code: 200, message: '', ms: clock.now() }),
    (e: ApiError) => ({ code: e.code, message: e.message, reason: e.reason, ms: clock.now() }),
  );
  for (let i = 0; i < 70; i++) {
    clock.advance(1000);
    // Let the woken round trip settle before time moves on.
    for (let j = 0; j < 5; j++) await Promise.resolve();
  }
  return done;
}

describe('which requests reach etcd', () => {
  it.each([
    ['GET', '', false, true],
    ['GET', 'resourceVersion=0', false, false],
    ['GET', 'resourceVersion=123', false, false],
    ['GET', '', true, false],
    ['POST', '', false, true],
    ['DELETE', '', false, true],
  ])('%s ?%s watch=%s: %s', (method, query, watch, expected) => {
    expect(needsEtcd(method, new URLSearchParams(query), watch)).toBe(expected);
  });
});

describe('the control plane in the request path', () => {
  it('a healthy etcd answers at once', async () => {
    expect(await roundTrip(three(), 'POST')).toMatchObject({ code: 200 });
  });

  it('without quorum every replica gives etcd’s own timeout after 7 s: 500, no reason', async () => {
    const cp = three();
    cp.setEtcdDown('cp-0', 't', true);
    cp.setEtcdDown('cp-1', 't', true);
    const r = await roundTrip(cp, 'GET', '', 2);
    expect(r).toEqual({ code: 500, message: 'etcdserver: request timed out', reason: '', ms: 7000 });
  });

  it('a replica whose own member is down answers at the request deadline with the timeout filter’s 504', async () => {
    const cp = three();
    cp.setEtcdDown('cp-0', 't', true);
    const r = await roundTrip(cp, 'GET', 'timeout=32s');
    expect(r).toMatchObject({
      code: 504,
      message: 'Timeout: request did not complete within requested timeout - context deadline exceeded',
      ms: 32_000,
    });
    // The other two replicas still have quorum and their own members.
    expect((await roundTrip(cp, 'GET')).code).toBe(200);
    expect((await roundTrip(cp, 'GET')).code).toBe(200);
  });

  it('the NOSPACE alarm refuses writes but not reads or deletes', async () => {
    const cp = three();
    cp.setNoSpace('t', true);
    expect(await roundTrip(cp, 'POST')).toMatchObject({
      code: 500,
      message: 'etcdserver: mvcc: database space exceeded',
    });
    expect((await roundTrip(cp, 'GET')).code).toBe(200);
    expect((await roundTrip(cp, 'DELETE')).code).toBe(200);
  });

  it('a dry-run create writes nothing: etcd full or without quorum, it still passes, only later', async () => {
    const cp = three();
    cp.setNoSpace('t', true);
    expect((await roundTrip(cp, 'POST', 'dryRun=All')).code).toBe(200);
    cp.setNoSpace('t', false);
    cp.setEtcdDown('cp-0', 't', true);
    cp.setEtcdDown('cp-1', 't', true);
    // Its read of the key times out, and DryRunnableStorage.Create carries on regardless.
    const slow = await roundTrip(cp, 'POST', 'dryRun=All', 2);
    expect(slow.code).toBe(200);
    expect(slow.ms).toBeGreaterThanOrEqual(7000);
    // Cut off from its own member, the replica still answers at the request deadline.
    expect(await roundTrip(cp, 'POST', 'dryRun=All&timeout=32s', 0)).toMatchObject({ code: 504 });
  });

  it('a slow disk delays each round trip, and past 7 s times it out', async () => {
    const cp = three();
    cp.setEtcdLatency('t', 10_000);
    expect(await roundTrip(cp, 'PUT')).toMatchObject({ code: 500, message: 'etcdserver: request timed out' });
    cp.setEtcdLatency('t', 1_500);
    expect(await roundTrip(cp, 'PUT')).toMatchObject({ code: 200, ms: 2_000 });
  });

  it('a dead replica drops its share of requests, round robin; all dead closes the endpoint', () => {
    const cp = three();
    cp.setApiserverDown('cp-1', 't', true);
    const outcomes = Array.from({ length: 6 }, () => {
      try {
        return routeToReplica(cp).member.name;
      } catch (e) {
        expect(e).toBeInstanceOf(ReplicaUnavailable);
        return 'dropped';
      }
    });
    expect(outcomes).toEqual(['cp-0', 'dropped', 'cp-2', 'cp-0', 'dropped', 'cp-2']);
    expect(cp.allDown()).toBe(false);
    cp.setApiserverDown('cp-0', 't', true);
    cp.setApiserverDown('cp-2', 't', true);
    expect(cp.allDown()).toBe(true);
  });
});
