import { describe, expect, it } from 'vitest';
import { daemonset, deployment, endpointSlice, pod, service, t0, update, viewOf } from './fixtures.ts';
import { ofKind } from './signal.ts';
import { workloadImpact } from './workload-impact.ts';

const min = 60_000;

describe('workloads short of Ready replicas', () => {
  it.each([
    ['a Deployment with all replicas Ready', { deployments: [deployment({ name: 'web', replicas: 3 })] }, []],
    [
      'a Deployment with 1 of 3 Ready',
      { deployments: [deployment({ name: 'web', replicas: 3, ready: 1 })] },
      ['warning'],
    ],
    [
      'a Deployment with none Ready',
      { deployments: [deployment({ name: 'web', replicas: 3, ready: 0 })] },
      ['critical'],
    ],
    [
      'a Deployment scaled to zero',
      { deployments: [deployment({ name: 'web', replicas: 0, ready: 0 })] },
      [],
    ],
    [
      'a DaemonSet missing one node',
      { daemonsets: [daemonset({ name: 'kube-proxy', desired: 5, ready: 4 })] },
      ['warning'],
    ],
    ['a DaemonSet on every node', { daemonsets: [daemonset({ name: 'kube-proxy', desired: 5 })] }, []],
  ])('%s', (_name, objects, severities) => {
    expect(
      ofKind(workloadImpact(viewOf(objects), t0), 'workload-unavailable').map((x) => x.severity),
    ).toEqual(severities);
  });

  it('says since when from the transition the view recorded', () => {
    const view = viewOf(
      { deployments: [deployment({ name: 'web', namespace: 'shop', replicas: 3 })] },
      t0 - 60 * min,
    );
    update(
      view,
      'deployments',
      deployment({ name: 'web', namespace: 'shop', replicas: 3, ready: 1 }),
      t0 - 12 * min,
    );
    const [x] = workloadImpact(view, t0);
    expect(x).toMatchObject({
      kind: 'workload-unavailable',
      subject: 'workload/shop/Deployment/web',
      sinceMs: t0 - 12 * min,
      scope: { namespaces: ['shop'], workloads: ['shop/Deployment/web'] },
      facts: {
        namespace: 'shop',
        workloadKind: 'Deployment',
        workloadName: 'web',
        desired: 3,
        ready: 1,
        missing: 2,
        available: 1,
        updated: 3,
        rollingOut: false,
        sinceMs: t0 - 12 * min,
        sinceKnown: true,
        unavailableInNamespace: 1,
      },
    });
  });

  it("falls back to the Deployment's Available condition, then to now", () => {
    const view = viewOf({
      deployments: [
        deployment({
          name: 'a',
          replicas: 2,
          ready: 0,
          available: { status: 'False', sinceMs: t0 - 30 * min },
        }),
        deployment({ name: 'b', replicas: 2, ready: 1 }),
      ],
    });
    expect(
      ofKind(workloadImpact(view, t0), 'workload-unavailable').map((x) => [
        x.subject,
        x.sinceMs,
        x.facts.sinceKnown,
        x.facts.unavailableInNamespace,
      ]),
    ).toEqual([
      ['workload/default/Deployment/a', t0 - 30 * min, true, 2],
      ['workload/default/Deployment/b', t0, false, 2],
    ]);
  });

  it('marks a shortfall during a rollout', () => {
    const view = viewOf({ deployments: [deployment({ name: 'web', replicas: 4, ready: 3, updated: 2 })] });
    expect(ofKind(workloadImpact(view, t0), 'workload-unavailable')[0].facts.rollingOut).toBe(true);
  });
});

describe('Services without a Ready endpoint', () => {
  const selector = { app: 'cart' };

  it.each([
    [
      'some endpoints Ready',
      [
        { pod: 'cart-1', ready: true },
        { pod: 'cart-2', ready: false },
      ],
      0,
    ],
    [
      'no endpoint Ready',
      [
        { pod: 'cart-1', node: 'n1', ready: false },
        { pod: 'cart-2', node: 'n2', ready: false },
      ],
      1,
    ],
    ['no endpoints at all', [], 1],
  ])('%s', (_name, endpoints, count) => {
    const view = viewOf({
      services: [service({ name: 'cart', namespace: 'shop', selector })],
      endpointslices: [endpointSlice({ service: 'cart', namespace: 'shop', endpoints })],
    });
    expect(ofKind(workloadImpact(view, t0), 'service-no-endpoints')).toHaveLength(count);
  });

  it('names the not-Ready pods and nodes, and since when the last one went', () => {
    const view = viewOf({
      services: [service({ name: 'cart', namespace: 'shop', selector })],
      endpointslices: [
        endpointSlice({
          service: 'cart',
          namespace: 'shop',
          endpoints: [
            { pod: 'cart-1', node: 'n1', ready: false },
            { pod: 'cart-2', node: 'n2', ready: false },
          ],
        }),
      ],
      pods: [
        withReadySince(
          pod({ name: 'cart-1', namespace: 'shop', containers: [{ name: 'app', ready: false }] }),
          t0 - 9 * min,
        ),
        withReadySince(
          pod({ name: 'cart-2', namespace: 'shop', containers: [{ name: 'app', ready: false }] }),
          t0 - 4 * min,
        ),
      ],
    });
    const [x] = workloadImpact(view, t0);
    expect(x).toMatchObject({
      kind: 'service-no-endpoints',
      subject: 'service/shop/cart',
      severity: 'warning',
      sinceMs: t0 - 4 * min,
      scope: { services: ['shop/cart'], nodes: ['n1', 'n2'] },
      facts: {
        namespace: 'shop',
        service: 'cart',
        endpoints: 2,
        readyEndpoints: 0,
        slices: 1,
        nodes: ['n1', 'n2'],
        pods: ['cart-1', 'cart-2'],
        hasSelector: true,
      },
    });
  });

  it.each([
    ['a selectorless Service with no slices (endpoints kept by hand)', service({ name: 'ext' }), []],
    ['an ExternalName Service', service({ name: 'ext', type: 'ExternalName', selector }), []],
    [
      'cluster DNS',
      service({ name: 'kube-dns', namespace: 'kube-system', selector: { 'k8s-app': 'kube-dns' } }),
      ['critical'],
    ],
  ])('%s', (_name, svc, severities) => {
    expect(workloadImpact(viewOf({ services: [svc] }), t0).map((x) => x.severity)).toEqual(severities);
  });

  it('treats an endpoint with no ready condition as Ready, as the API does', () => {
    const slice = endpointSlice({ service: 'cart', endpoints: [{ pod: 'cart-1', ready: true }] });
    const unset = {
      ...slice,
      endpoints: (slice.endpoints as { conditions?: object }[]).map((e) => ({ ...e, conditions: {} })),
    };
    const view = viewOf({ services: [service({ name: 'cart', selector })], endpointslices: [unset] });
    expect(workloadImpact(view, t0)).toEqual([]);
  });
});

function withReadySince(p: ReturnType<typeof pod>, ms: number): ReturnType<typeof pod> {
  const status = p.status as { conditions: { type: string; status: string }[] };
  return {
    ...p,
    status: {
      ...status,
      conditions: status.conditions.map((c) =>
        c.type === 'Ready' ? { ...c, lastTransitionTime: new Date(ms).toISOString() } : c,
      ),
    },
  };
}
