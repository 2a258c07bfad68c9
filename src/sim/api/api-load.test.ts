import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/manual-clock.ts';
import { requestUser } from './apf.ts';
import { ApiLoad, type ClientFlow, costOf } from './api-load.ts';
import { ApiServerMetrics } from './apiserver-metrics.ts';
import { adminUser } from './request-accounting.ts';

function cluster(pods: number) {
  const clock = new ManualClock(0);
  const load = new ApiLoad({ clock, count: (r) => (r === 'pods' ? pods : 1) });
  return { clock, load };
}

const lister = (rate: number, user = requestUser('alice')): ClientFlow => ({
  name: 'lister',
  user,
  userAgent: 'lister/v1',
  verb: 'list',
  group: '',
  version: 'v1',
  resource: 'pods',
  rate: () => rate,
});

describe('what a request costs', () => {
  it.each([
    ['get', 1, 1],
    ['update', 1, 1],
    ['list', 50, 1],
    ['list', 5_000, 10],
    ['list', 150_000, 10],
  ] as const)('%s over %i objects takes %i seats', (verb, objects, seats) => {
    expect(costOf(verb, objects).seats).toBe(seats);
  });

  it('a cluster-wide LIST of pods takes longer on a bigger cluster', () => {
    expect(costOf('list', 150_000).seconds).toBeGreaterThan(costOf('list', 1_500).seconds * 50);
  });
});

describe('the load on a priority level', () => {
  it('a busy cluster within capacity: no rejections, waits in milliseconds', () => {
    const { load } = cluster(3_000);
    load.add(lister(0.5));
    const s = load.admit(adminUser, { verb: 'list', group: '', resource: 'pods', path: '' }).state;
    expect(s.level.name).toBe('global-default');
    expect(s.rejectShare).toBe(0);
    expect(s.waitSeconds).toBeLessThan(0.05);
  });

  it('a client listing every pod of a big cluster each second saturates its level: the excess is rejected', () => {
    const { load } = cluster(150_000);
    load.add(lister(100));
    const s = load.admit(adminUser, { verb: 'get', group: '', resource: 'pods', path: '' }).state;
    expect(s.utilization).toBeGreaterThan(1);
    expect(s.rejectShare).toBeCloseTo(1 - 1 / s.utilization, 6);
    // Other levels are untouched: kubelets still renew their leases.
    const node = load.admit(requestUser('system:node:n1', ['system:nodes']), {
      verb: 'update',
      group: 'coordination.k8s.io',
      resource: 'leases',
      namespace: 'kube-node-lease',
      path: '',
    }).state;
    expect(node.rejectShare).toBe(0);
  });

  it('metrics integrate the flows: served, rejected and the level’s seats', () => {
    const { clock, load } = cluster(150_000);
    const m = new ApiServerMetrics();
    load.add(lister(100), m);
    clock.advance(10_000);
    load.integrate(m);
    const fl = { flow_schema: 'global-default', priority_level: 'global-default' };
    const rejected = m.value('apiserver_flowcontrol_rejected_requests_total', {
      ...fl,
      reason: 'queue-full',
    });
    const served = m.value('apiserver_flowcontrol_dispatched_requests_total', fl);
    expect(rejected + served).toBeGreaterThanOrEqual(998);
    expect(rejected).toBeGreaterThan(served);
    expect(m.render()).toMatch(
      /^apiserver_request_total\{code="429",component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1"\} \d+$/m,
    );
    expect(m.render()).toMatch(
      /^apiserver_flowcontrol_nominal_limit_seats\{priority_level="global-default"\} 49$/m,
    );
  });
});
