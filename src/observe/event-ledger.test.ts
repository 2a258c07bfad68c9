import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/observations.ts';
import { trimObject } from '../kube/trim.ts';
import { ClusterView } from './cluster-view.ts';
import { eventClass } from './event-families.ts';
import { EventLedger } from './event-ledger.ts';

const t0 = Date.UTC(2024, 0, 15, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

function ev(
  name: string,
  reason: string,
  o: {
    type?: string;
    message?: string;
    count?: number;
    lastMs?: number;
    kind?: string;
    component?: string;
  } = {},
): KubeObject {
  return trimObject('events', {
    metadata: { name, namespace: 'shop' },
    involvedObject: {
      kind: o.kind ?? 'Pod',
      name: 'web-1',
      namespace: 'shop',
      fieldPath: 'spec.containers{web}',
    },
    reason,
    message: o.message ?? '',
    type: o.type ?? 'Warning',
    source: { component: o.component ?? 'kubelet', host: 'n1' },
    count: o.count ?? 1,
    firstTimestamp: iso(t0 - 60_000),
    lastTimestamp: iso(o.lastMs ?? t0),
  });
}

describe('event families', () => {
  it.each([
    ['FailedScheduling', '', 'default-scheduler', 'scheduling'],
    ['Failed', 'Failed to pull image "x": not found', 'kubelet', 'image'],
    ['Failed', 'Error: ImagePullBackOff', 'kubelet', 'image'],
    ['Failed', 'Error: failed to create containerd task', 'kubelet', 'container'],
    ['BackOff', 'Back-off pulling image "x"', 'kubelet', 'image'],
    ['BackOff', 'Back-off restarting failed container app in pod x', 'kubelet', 'container'],
    ['Killing', 'Container app failed liveness probe, will be restarted', 'kubelet', 'probe'],
    ['Killing', 'Stopping container app', 'kubelet', 'routine'],
    ['Starting', 'Starting kubelet.', 'kubelet', 'node-lifecycle'],
    ['Starting', 'Starting kube-proxy.', 'kube-proxy', 'routine'],
    ['KernelOops', 'BUG: unable to handle kernel NULL pointer', 'kernel-monitor', 'node-problem'],
    ['TaskHungSomething', 'new reason', 'custom-plugin-monitor', 'node-problem'],
    ['VIPConnectTimeout', '…', 'kubetriage-agent', 'agent'],
    ['Scheduled', 'Successfully assigned', 'default-scheduler', 'routine'],
    ['MadeUpReason', 'anything', 'some-operator', 'unknown'],
  ])('%s (%s) from %s is %s', (reason, message, component, cls) => {
    expect(eventClass(reason, message, component)).toBe(cls);
  });
});

describe('the event ledger', () => {
  it('keeps one record per Event object, replaced as its count grows, and tallies only the increase', () => {
    const l = new EventLedger();
    l.record(ev('a', 'FailedScheduling', { count: 1, lastMs: t0 - 30_000 }), t0);
    l.record(ev('a', 'FailedScheduling', { count: 4 }), t0);
    // A relist hands the same object again: nothing more happened.
    l.record(ev('a', 'FailedScheduling', { count: 4 }), t0);
    const recs = [...l.family('scheduling')];
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ reason: 'FailedScheduling', count: 4, lastMs: t0, firstMs: t0 - 60_000 });
    expect(l.reasons()).toEqual([
      { reason: 'FailedScheduling', type: 'Warning', class: 'scheduling', count: 4, events: 1, lastMs: t0 },
    ]);
  });

  it('counts routine and unknown reasons without keeping them, but keeps unknown warnings to show', () => {
    const l = new EventLedger();
    l.record(ev('s', 'Scheduled', { type: 'Normal' }), t0);
    l.record(ev('u', 'MadeUpReason', { type: 'Normal', component: 'op' }), t0);
    l.record(ev('w', 'MadeUpWarning', { component: 'op', count: 3 }), t0);
    expect(l.size).toBe(1);
    expect([...l.family('unknown')].map((r) => r.reason)).toEqual(['MadeUpWarning']);
    expect(
      l
        .reasons()
        .map((t) => `${t.reason}:${t.class}:${t.count}`)
        .sort(),
    ).toEqual(['MadeUpReason:unknown:1', 'MadeUpWarning:unknown:3', 'Scheduled:routine:1']);
  });

  it('is bounded: past the limit and its slack, the least recently updated records go', () => {
    // Limit 3 and a slack of 1: the fifth record trims the ledger back to the newest three.
    const l = new EventLedger(3);
    for (const n of ['a', 'b', 'c']) l.record(ev(n, 'FailedMount'), t0);
    l.record(ev('a', 'FailedMount', { count: 2 }), t0);
    l.record(ev('d', 'FailedMount'), t0);
    expect(l.size).toBe(4);
    l.record(ev('e', 'FailedMount'), t0);
    expect([...l.family('volume')].map((r) => r.key)).toEqual(['shop/a', 'shop/d', 'shop/e']);
    expect(l.dropped).toBe(2);
  });

  it('is filled by the view from watch events and lists, and outlives the Event object', () => {
    const view = new ClusterView();
    view.apply({
      type: 'listed',
      resource: 'events',
      items: [ev('x', 'Evicted')],
      resourceVersion: '1',
      atMs: t0,
    });
    view.apply({
      type: 'upsert',
      resource: 'events',
      object: ev('y', 'SystemOOM', { kind: 'Node' }),
      atMs: t0,
    });
    view.apply({ type: 'delete', resource: 'events', object: ev('x', 'Evicted'), atMs: t0 + 1 });
    expect([...view.events.family('eviction')].map((r) => r.key)).toEqual(['shop/x']);
    expect([...view.events.family('node-pressure')].map((r) => [r.kind, r.host])).toEqual([['Node', 'n1']]);
  });
});
