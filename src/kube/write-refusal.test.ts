/**
 * Refused writes as real clusters worded them, copied from public issues (each with its
 * source), read into a cause.
 */
import { describe, expect, it } from 'vitest';
import { parseWriteRefusal, type WriteRefusal } from './write-refusal.ts';

const samples: { source: string; status: number; message: string; expect: WriteRefusal }[] = [
  {
    source: 'https://github.com/kubernetes/ingress-nginx/issues/5401',
    status: 500,
    message:
      'Internal error occurred: failed calling webhook "validate.nginx.ingress.kubernetes.io": Post https://ingress-nginx-controller-admission.ingress-nginx.svc:443/extensions/v1beta1/ingresses?timeout=30s: context deadline exceeded',
    expect: { kind: 'timeout', webhook: 'validate.nginx.ingress.kubernetes.io' },
  },
  {
    source: 'https://github.com/open-policy-agent/gatekeeper/issues/3538',
    status: 500,
    message:
      'Internal error occurred: failed calling webhook "check-ignore-label.gatekeeper.sh": failed to call webhook: Post "https://gatekeeper-webhook-service.gatekeeper-system.svc:443/v1/admitlabel?timeout=3s": dial tcp 10.112.0.99:8443: i/o timeout',
    expect: { kind: 'timeout', webhook: 'check-ignore-label.gatekeeper.sh' },
  },
  {
    source: 'https://github.com/kyverno/kyverno/issues/7194',
    status: 500,
    message:
      'Internal error occurred: failed calling webhook "validate.kyverno.svc-ignore": failed to call webhook: Post "https://kyverno-svc.kyverno.svc:443/validate/ignore?timeout=10s": x509: certificate signed by unknown authority (possibly because of "crypto/rsa: verification error" while trying to verify candidate authority certificate "*.kyverno.svc")',
    expect: { kind: 'x509', webhook: 'validate.kyverno.svc-ignore' },
  },
  {
    source: 'https://github.com/kyverno/kyverno/issues/12381',
    status: 500,
    message:
      'Internal error occurred: failed calling webhook "mutate-policy.kyverno.svc": failed to call webhook: Post "https://kyverno-svc.kyverno.svc:443/policymutate?timeout=10s": tls: failed to verify certificate: x509: certificate is not valid for any names, but wanted to match kyverno-svc.kyverno.svc',
    expect: { kind: 'x509', webhook: 'mutate-policy.kyverno.svc' },
  },
  {
    source: 'https://github.com/cert-manager/cert-manager/issues/4453',
    status: 500,
    message:
      'Internal error occurred: failed calling webhook "webhook.cert-manager.io": Post "https://cert-manager-webhook.cert-manager.svc:443/mutate?timeout=10s": dial tcp 10.152.183.134:443: connect: connection refused',
    expect: { kind: 'refused', webhook: 'webhook.cert-manager.io' },
  },
  {
    source: 'https://github.com/spinframework/spin-operator/issues/179',
    status: 500,
    message:
      'Internal error occurred: failed calling webhook "mspinapp.kb.io": failed to call webhook: Post "https://spin-operator-webhook-service.spin-operator.svc:443/mutate-core-spinoperator-dev-v1alpha1-spinapp?timeout=10s": no endpoints available for service "spin-operator-webhook-service"',
    expect: { kind: 'no-endpoints', webhook: 'mspinapp.kb.io' },
  },
  {
    source: 'https://github.com/cert-manager/cert-manager/pull/4968',
    status: 400,
    message:
      'admission webhook "validate-policy.kyverno.svc" denied the request: unable to retrieve the complete list of server APIs: acme.testing.cert-manager.io/v1alpha1: the server is currently unable to handle the request',
    expect: { kind: 'denied', webhook: 'validate-policy.kyverno.svc' },
  },
  {
    source: 'https://github.com/beclab/Olares/issues/3142',
    status: 500,
    message: 'etcdserver: mvcc: database space exceeded',
    expect: { kind: 'etcd-space' },
  },
  {
    source: 'https://github.com/kubernetes/kubeadm/issues/3095',
    status: 500,
    message: 'etcdserver: request timed out',
    expect: { kind: 'etcd' },
  },
  {
    source: 'https://github.com/kubernetes/kubernetes/issues/65671',
    status: 504,
    message: 'Timeout: request did not complete within allowed duration',
    expect: { kind: 'timeout' },
  },
  {
    source: 'https://github.com/kubernetes/kubernetes/issues/100016',
    status: 403,
    message:
      'configmaps "test-configmap" is forbidden: exceeded quota: test-quota, requested: configmaps=1, used: configmaps=2, limited: configmaps=2',
    expect: { kind: 'quota', quota: 'test-quota' },
  },
  {
    source: 'https://github.com/kvaps/kube-fencing/issues/8',
    status: 403,
    message:
      'configmaps is forbidden: User "system:serviceaccount:kube-fencing:kube-fencing-helm-fencing-controller" cannot create resource "configmaps" in API group "" in the namespace "kube-fencing"',
    expect: { kind: 'forbidden' },
  },
];

describe('parseWriteRefusal on real refusals', () => {
  it.each(samples.map((s) => [s.source, s] as const))('%s', (_source, s) => {
    expect(parseWriteRefusal(s.status, s.message)).toEqual(s.expect);
  });

  it('tells a webhook that refuses dry runs (side effects) apart from one that fails', () => {
    // apiserver admission/plugin/webhook/errors NewDryRunUnsupportedErr.
    expect(parseWriteRefusal(400, 'admission webhook "inject.example.com" does not support dry run')).toEqual(
      {
        kind: 'dry-run-unsupported',
        webhook: 'inject.example.com',
      },
    );
  });

  it('reads no answer at all as such, and an unknown 500 as other', () => {
    expect(
      parseWriteRefusal(0, 'https://10.0.0.1:6443/api/v1/namespaces/x/configmaps: connect ECONNREFUSED'),
    ).toEqual({ kind: 'no-answer' });
    expect(parseWriteRefusal(500, 'Internal error occurred: something else')).toEqual({ kind: 'other' });
  });
});
