import { describe, expect, it } from 'vitest';
import { controlPlaneRestarts } from './control-plane-restarts.ts';
import { pod, t0, update, viewOf } from './fixtures.ts';
import { ofKind } from './signal.ts';

const min = 60_000;

const staticPod = (component: string, node: string, restarts: number, endedMs: number) =>
  pod({
    name: `${component}-${node}`,
    namespace: 'kube-system',
    node,
    owner: { kind: 'Node', name: node },
    containers: [
      {
        name: component,
        image: `registry.k8s.io/${component}:v1.30.2`,
        restartCount: restarts,
        lastTerminated: {
          reason: 'Error',
          exitCode: 1,
          finishedAtMs: endedMs,
          startedAtMs: endedMs - 50 * min,
        },
      },
    ],
  });

describe('controlPlaneRestarts', () => {
  it('sees a control-plane component restart again and again, dated from the restarts it saw', () => {
    const start = t0 - 2 * 3_600_000;
    const view = viewOf({ pods: [staticPod('kube-controller-manager', 'cp-0', 0, start - 5 * min)] }, start);
    for (const [i, at] of [t0 - 110 * min, t0 - 70 * min, t0 - 10 * min].entries())
      update(view, 'pods', staticPod('kube-controller-manager', 'cp-0', i + 1, at), at);
    const [s] = ofKind(controlPlaneRestarts(view, t0), 'control-plane-restarts');
    expect(s.subject).toBe('component/kube-system/kube-controller-manager');
    expect(s.severity).toBe('warning');
    expect(s.sinceMs).toBe(t0 - 110 * min);
    expect(s.facts).toMatchObject({
      component: 'kube-controller-manager',
      pods: ['kube-controller-manager-cp-0'],
      nodes: ['cp-0'],
      restarts: 3,
      reasons: ['Error'],
      exitCodes: ['1'],
    });
    expect(s.facts.restartTimes).toHaveLength(3);
  });

  it('stays quiet on one restart, on applications, and on old restarts it has no history of', () => {
    const app = pod({
      name: 'api-6d4f-x',
      namespace: 'shop',
      node: 'n1',
      containers: [{ name: 'api', image: 'shop/api:1', restartCount: 9 }],
    });
    expect(
      controlPlaneRestarts(viewOf({ pods: [app, staticPod('etcd', 'cp-0', 1, t0 - 5 * min)] }), t0),
    ).toEqual([]);
    // Restarted a week ago, nothing since: its count says nothing about now.
    expect(
      controlPlaneRestarts(viewOf({ pods: [staticPod('etcd', 'cp-0', 6, t0 - 7 * 24 * 60 * min)] }), t0),
    ).toEqual([]);
    // Restarted because its node rebooted: the runtime lost the container.
    const rebooted = pod({
      name: 'etcd-cp-0',
      namespace: 'kube-system',
      node: 'cp-0',
      owner: { kind: 'Node', name: 'cp-0' },
      containers: [
        {
          name: 'etcd',
          image: 'registry.k8s.io/etcd:3.5.12-0',
          restartCount: 3,
          lastTerminated: { reason: 'Unknown', exitCode: 255, finishedAtMs: t0 - 5 * min },
        },
      ],
    });
    expect(controlPlaneRestarts(viewOf({ pods: [rebooted] }), t0)).toEqual([]);
    // With no history yet, a fresh count stands in.
    expect(
      controlPlaneRestarts(viewOf({ pods: [staticPod('etcd', 'cp-0', 6, t0 - 5 * min)] }), t0)[0]?.severity,
    ).toBe('critical');
  });
});
