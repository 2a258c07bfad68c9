import { describe, expect, it } from 'vitest';
import { event, replicaset, t0, viewOf } from './fixtures.ts';
import { podCreationFailures } from './pod-creation-failures.ts';
import { ofKind } from './signal.ts';

const failedCreate = (namespace: string, rs: string, message: string, count = 5) =>
  event({
    kind: 'ReplicaSet',
    name: rs,
    namespace,
    reason: 'FailedCreate',
    type: 'Warning',
    component: 'replicaset-controller',
    message,
    count,
  });

// https://github.com/istio/istio/issues/13840
const webhookTimeout =
  'Error creating: Internal error occurred: failed calling admission webhook "sidecar-injector.istio.io": Post https://istio-sidecar-injector.istio-system.svc:443/inject?timeout=30s: context deadline exceeded';

describe('podCreationFailures', () => {
  it('names the failing webhook and every workload it blocks', () => {
    const view = viewOf({
      replicasets: [
        replicaset({ name: 'web-7d9f8', namespace: 'shop', deployment: 'web' }),
        replicaset({ name: 'coredns-5d78c9869d', namespace: 'kube-system', deployment: 'coredns' }),
      ],
      events: [
        failedCreate('shop', 'web-7d9f8', webhookTimeout),
        failedCreate('kube-system', 'coredns-5d78c9869d', webhookTimeout, 2),
      ],
    });
    const out = podCreationFailures(view, t0);
    const creating = ofKind(out, 'pod-creation-failing');
    expect(creating.map((s) => [s.subject, s.severity])).toEqual([
      ['workload/kube-system/Deployment/coredns', 'critical'],
      ['workload/shop/Deployment/web', 'warning'],
    ]);
    expect(creating[1].facts).toMatchObject({
      cause: 'webhook',
      webhooks: ['sidecar-injector.istio.io'],
      webhookErrors: ['timeout'],
    });
    const [hook] = ofKind(out, 'webhook-failing');
    expect(hook.subject).toBe('webhook/sidecar-injector.istio.io');
    expect(hook.severity).toBe('critical');
    expect(hook.facts).toMatchObject({
      errorKinds: ['timeout'],
      workloads: ['kube-system/Deployment/coredns', 'shop/Deployment/web'],
      namespaces: ['kube-system', 'shop'],
      kubeSystem: true,
      events: 7,
    });
  });

  it('reports a quota refusal without calling it a webhook failure', () => {
    const view = viewOf({
      events: [
        // https://github.com/openshiftio/openshift.io/issues/4668
        failedCreate(
          'ci',
          'jenkins-1',
          'Error creating: pods "jenkins-1-dr8p8" is forbidden: exceeded quota: compute-resources, requested: limits.cpu=2,limits.memory=1Gi, used: limits.cpu=2,limits.memory=1Gi, limited: limits.cpu=2,limits.memory=1Gi',
        ),
      ],
    });
    const out = podCreationFailures(view, t0);
    expect(out.map((s) => s.kind)).toEqual(['pod-creation-failing']);
    expect(ofKind(out, 'pod-creation-failing')[0].facts).toMatchObject({
      cause: 'quota',
      quotas: ['compute-resources'],
      resources: ['limits.cpu', 'limits.memory'],
    });
  });
});
