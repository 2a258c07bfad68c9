import { describe, expect, it } from 'vitest';
import { event, pod, t0, viewOf } from './fixtures.ts';
import { probeFailures } from './probe-failures.ts';
import { ofKind } from './signal.ts';

const unhealthy = (name: string, namespace: string, message: string, count: number) =>
  event({
    kind: 'Pod',
    name,
    namespace,
    reason: 'Unhealthy',
    type: 'Warning',
    host: 'n1',
    message,
    count,
    lastMs: t0 - 30_000,
  });
const killed = (name: string, namespace: string, container: string, count: number) =>
  event({
    kind: 'Pod',
    name,
    namespace,
    reason: 'Killing',
    host: 'n1',
    count,
    lastMs: t0 - 30_000,
    message: `Container ${container} failed liveness probe, will be restarted`,
  });

describe('probeFailures', () => {
  it('reads probe failures and liveness kills per workload; a control-plane restart loop is critical', () => {
    const apiserver = 'kube-apiserver-cp-1';
    const view = viewOf({
      pods: [
        pod({
          name: apiserver,
          namespace: 'kube-system',
          node: 'cp-1',
          owner: { kind: 'Node', name: 'cp-1' },
        }),
        pod({ name: 'web-7d9f8c6b5d-aaaaa', namespace: 'shop', node: 'n1' }),
      ],
      events: [
        // https://github.com/kubernetes/k8s.io/issues/3843
        unhealthy(
          apiserver,
          'kube-system',
          'Liveness probe failed: HTTP probe failed with statuscode: 500',
          6,
        ),
        killed(apiserver, 'kube-system', 'kube-apiserver', 3),
        // https://github.com/kubernetes/kubernetes/issues/48798
        unhealthy(
          'web-7d9f8c6b5d-aaaaa',
          'shop',
          'Readiness probe failed: Get http://172.17.0.2:8081/readiness: dial tcp 172.17.0.2:8081: getsockopt: connection refused',
          4,
        ),
      ],
    });
    const out = ofKind(probeFailures(view, t0), 'probe-failing');
    expect(out.map((s) => [s.subject, s.severity])).toEqual([
      ['workload/kube-system/StaticPod/kube-apiserver', 'critical'],
      ['workload/shop/Pod/web-7d9f8c6b5d-aaaaa', 'warning'],
    ]);
    expect(out[0].facts).toMatchObject({
      component: 'control-plane',
      systemComponent: true,
      probes: ['liveness'],
      results: ['http-500=6'],
      livenessKills: 3,
      events: 9,
    });
    expect(out[1].facts).toMatchObject({ probes: ['readiness'], results: ['refused=4'], livenessKills: 0 });
  });

  it('guesses a Deployment from the pod name when the pod is gone', () => {
    const view = viewOf({
      events: [
        unhealthy(
          'web-7d9f8c6b5d-aaaaa',
          'shop',
          'Readiness probe failed: HTTP probe failed with statuscode: 503',
          2,
        ),
      ],
    });
    expect(probeFailures(view, t0).map((s) => s.subject)).toEqual(['workload/shop/Deployment/web']);
  });
});
