import { describe, expect, it } from 'vitest';
import { event, pod, replicaset, t0, viewOf } from './fixtures.ts';
import { schedulingFailures } from './scheduling-failures.ts';
import { ofKind } from './signal.ts';

const fitError =
  '0/12 nodes are available: 3 Insufficient memory, 9 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. preemption: 0/12 nodes are available: 12 Preemption is not helpful for scheduling.';

function pending(name: string, namespace: string, rs: string) {
  return pod({
    name,
    namespace,
    phase: 'Pending',
    podIP: '',
    owner: { kind: 'ReplicaSet', name: rs },
    noStatuses: true,
  });
}

function failed(
  name: string,
  namespace: string,
  o: { message?: string; lastMs?: number; count?: number } = {},
) {
  return event({
    kind: 'Pod',
    name,
    namespace,
    reason: 'FailedScheduling',
    type: 'Warning',
    component: 'default-scheduler',
    message: o.message ?? fitError,
    count: o.count ?? 3,
    firstMs: (o.lastMs ?? t0) - 120_000,
    lastMs: o.lastMs ?? t0 - 30_000,
  });
}

describe('schedulingFailures', () => {
  it('names the workload whose pods cannot be placed, with the scheduler reasons of its newest message', () => {
    const view = viewOf({
      replicasets: [replicaset({ name: 'web-7d9f8', namespace: 'shop', deployment: 'web' })],
      pods: [
        pending('web-7d9f8-aaaaa', 'shop', 'web-7d9f8'),
        pending('web-7d9f8-bbbbb', 'shop', 'web-7d9f8'),
        // Placed since: its old FailedScheduling is history.
        pod({
          name: 'web-7d9f8-ccccc',
          namespace: 'shop',
          node: 'n1',
          owner: { kind: 'ReplicaSet', name: 'web-7d9f8' },
        }),
      ],
      events: [
        failed('web-7d9f8-aaaaa', 'shop'),
        failed('web-7d9f8-bbbbb', 'shop', { count: 2 }),
        failed('web-7d9f8-ccccc', 'shop'),
      ],
    });
    const out = schedulingFailures(view, t0);
    expect(out.map((s) => s.kind)).toEqual(['pods-unschedulable']);
    const [s] = ofKind(out, 'pods-unschedulable');
    expect(s.subject).toBe('workload/shop/Deployment/web');
    expect(s.severity).toBe('warning');
    expect(s.facts).toMatchObject({
      pods: 2,
      events: 5,
      nodesTotal: 12,
      nodeReasons: [
        'node(s) had untolerated taint {node.kubernetes.io/not-ready: }=9',
        'Insufficient memory=3',
      ],
      causes: ['insufficient-resources', 'taints'],
      untoleratedTaints: ['node.kubernetes.io/not-ready'],
      windowMinutes: 10,
    });
    expect(s.summary).toContain('kubectl describe pod -n shop');
    expect(s.evidence[0].raw).toMatchObject({ kind: 'event', reason: 'FailedScheduling' });
  });

  it('says the cluster cannot place pods when three workloads in two namespaces wait', () => {
    const view = viewOf({
      pods: [
        pending('a-5d9f8c7b6-aaaaa', 'shop', 'a-5d9f8c7b6'),
        pending('b-5d9f8c7b6-aaaaa', 'shop', 'b-5d9f8c7b6'),
        pending('c-5d9f8c7b6-aaaaa', 'billing', 'c-5d9f8c7b6'),
      ],
      events: [
        failed('a-5d9f8c7b6-aaaaa', 'shop'),
        failed('b-5d9f8c7b6-aaaaa', 'shop'),
        failed('c-5d9f8c7b6-aaaaa', 'billing', { message: '0/12 nodes are available: 12 Insufficient cpu.' }),
      ],
    });
    const [blocked] = ofKind(schedulingFailures(view, t0), 'scheduling-blocked');
    expect(blocked.subject).toBe('cluster');
    expect(blocked.facts).toMatchObject({
      pods: 3,
      workloadCount: 3,
      namespaces: ['billing', 'shop'],
      podReasons: [
        'Insufficient memory=2',
        'node(s) had untolerated taint {node.kubernetes.io/not-ready: }=2',
        'Insufficient cpu=1',
      ],
      causes: ['insufficient-resources=3', 'taints=2'],
      nodesTotal: 12,
    });
  });

  it('stays quiet on Events older than two scheduler retries', () => {
    const view = viewOf({
      pods: [pending('web-7d9f8-aaaaa', 'shop', 'web-7d9f8')],
      events: [failed('web-7d9f8-aaaaa', 'shop', { lastMs: t0 - 11 * 60_000 })],
    });
    expect(schedulingFailures(view, t0)).toEqual([]);
  });
});
