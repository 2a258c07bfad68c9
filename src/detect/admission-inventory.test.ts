import { describe, expect, it } from 'vitest';
import { issueCertificate } from '../sim/api/x509.ts';
import { admissionInventory } from './admission-inventory.ts';
import { endpointSlice, node, service, t0, update, viewOf } from './fixtures.ts';
import { type WebhookInput, webhookConfiguration } from './fixtures-admission.ts';
import type { SignalOf } from './signal.ts';

const day = 86_400_000;
/** A CA as Kyverno or cert-manager's CA issuer makes it, base64 of PEM as caBundle holds it. */
const caBundle = (notAfterMs: number, notBeforeMs = notAfterMs - 365 * day) =>
  Buffer.from(
    issueCertificate({
      commonName: 'policy.policy-system.svc-ca',
      organization: 'policy',
      ca: true,
      notBeforeMs,
      notAfterMs,
    }),
  ).toString('base64');

const policySvc = service({ name: 'policy', namespace: 'policy-system' });
const policyReady = (ready: boolean) =>
  endpointSlice({
    service: 'policy',
    namespace: 'policy-system',
    endpoints: [{ pod: 'policy-1', node: 'n1', ready }],
  });
const hook = (o: Partial<WebhookInput> = {}): WebhookInput => ({
  name: 'validate.policy.example.com',
  service: 'policy-system/policy',
  failurePolicy: 'Fail',
  caBundle: caBundle(t0 + 200 * day),
  namespaceSelector: {
    matchExpressions: [
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'policy-system'] },
    ],
  },
  ...o,
});

function inventory(
  webhooks: WebhookInput[],
  o: { ready?: boolean; noService?: boolean; createdMs?: number } = {},
) {
  const view = viewOf({
    nodes: [node({ name: 'n1' })],
    services: o.noService ? [] : [policySvc],
    endpointslices: o.noService ? [] : [policyReady(o.ready ?? true)],
    validatingwebhookconfigurations: [
      webhookConfiguration({ name: 'policy', webhooks, createdMs: o.createdMs }),
    ],
  });
  return admissionInventory(view, t0) as SignalOf<'admission-webhook'>[];
}

describe('admission inventory', () => {
  it('a policy webhook that stays off kube-system, with ready endpoints and a valid CA: nothing at risk', () => {
    const [s] = inventory([hook()]);
    expect(s).toMatchObject({
      kind: 'admission-webhook',
      subject: 'webhook/validate.policy.example.com',
      severity: 'info',
      facts: {
        configuration: 'policy',
        type: 'validating',
        failurePolicy: 'Fail',
        timeoutSeconds: 10,
        backend: 'service/policy-system/policy',
        backendState: 'ready',
        readyEndpoints: 1,
        caBundle: 'valid',
        caSubject: 'O=policy, CN=policy.policy-system.svc-ca',
        caDaysLeft: 200,
        systemWrites: [],
        failsClosedOnSystemWrites: false,
        changed: '',
        risks: [],
      },
    });
  });

  it('fails closed on everything with its pods gone: no ready endpoints, and the cluster’s own writes go through it', () => {
    const [s] = inventory(
      [
        hook({
          rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*'] }],
          namespaceSelector: undefined,
        }),
      ],
      {
        ready: false,
      },
    );
    expect(s!.severity).toBe('warning');
    expect(s!.facts.backendState).toBe('no-ready-endpoints');
    expect(s!.facts.failsClosedOnSystemWrites).toBe(true);
    expect(s!.facts.systemWrites).toContain('node heartbeats (UPDATE leases in kube-node-lease)');
    expect(s!.facts.risks).toEqual([
      'no-ready-endpoints',
      'fails-closed-on-system-writes',
      'can-outlast-heartbeats',
    ]);
    expect(s!.evidence.map((e) => e.text)).toContainEqual(
      'Service policy-system/policy: 0 ready endpoint(s) in its EndpointSlices',
    );
  });

  it('the same with failurePolicy Ignore and a 5 s timeout: a risk noted, nothing refused', () => {
    const [s] = inventory(
      [
        hook({
          failurePolicy: 'Ignore',
          timeoutSeconds: 5,
          rules: [
            {
              operations: ['UPDATE'],
              apiGroups: ['coordination.k8s.io'],
              apiVersions: ['v1'],
              resources: ['leases'],
            },
          ],
          namespaceSelector: undefined,
        }),
      ],
      { ready: false },
    );
    expect(s!.severity).toBe('info');
    expect(s!.facts.risks).toEqual(['no-ready-endpoints']);
    expect(s!.facts.systemWrites).toEqual([
      'node heartbeats (UPDATE leases in kube-node-lease)',
      'leader election (UPDATE leases in kube-system)',
    ]);
  });

  it.each([
    ['expired yesterday', caBundle(t0 - day), 'expired', 'warning', ['ca-expired']],
    ['20 days left of a year', caBundle(t0 + 20 * day), 'renewal-overdue', 'info', ['ca-renewal-overdue']],
    [
      'not a certificate (a placeholder left by a chart)',
      Buffer.from('-----BEGIN CERTIFICATE-----\n(placeholder)\n-----END CERTIFICATE-----\n').toString(
        'base64',
      ),
      'unparsable',
      'warning',
      ['ca-unparsable'],
    ],
  ])('its caBundle: %s', (_name, bundle, state, severity, risks) => {
    const [s] = inventory([hook({ caBundle: bundle })]);
    expect(s!.facts.caBundle).toBe(state);
    expect(s!.severity).toBe(severity);
    expect(s!.facts.risks).toEqual(risks);
  });

  it('a backend Service that does not exist, and a URL backend that is not checked', () => {
    const [s] = inventory([hook()], { noService: true });
    expect(s!.facts.backendState).toBe('no-service');
    const [u] = inventory([hook({ service: undefined, url: 'https://policy.example.com/validate' })]);
    expect(u!.facts).toMatchObject({
      backend: 'https://policy.example.com/validate',
      backendState: 'not-checked',
    });
  });

  it('tells which configuration changed lately: created 20 minutes ago, or its webhooks changed while watched', () => {
    const [created] = inventory([hook()], { createdMs: t0 - 20 * 60_000 });
    expect(created!.facts).toMatchObject({ changed: 'created', changedAt: '2024-01-15T11:40:00Z' });
    const [old] = inventory([hook()], { createdMs: t0 - 3 * 3_600_000 });
    expect(old!.facts.changed).toBe('');

    const view = viewOf({
      services: [policySvc],
      endpointslices: [policyReady(true)],
      validatingwebhookconfigurations: [webhookConfiguration({ name: 'policy', webhooks: [hook()] })],
    });
    update(
      view,
      'validatingwebhookconfigurations',
      webhookConfiguration({ name: 'policy', generation: 2, webhooks: [hook({ timeoutSeconds: 30 })] }),
      t0 - 5 * 60_000,
    );
    const [s] = admissionInventory(view, t0) as SignalOf<'admission-webhook'>[];
    expect(s!.facts).toMatchObject({
      changed: 'updated',
      changedAt: '2024-01-15T11:55:00Z',
      generation: 2,
      timeoutSeconds: 30,
    });
    expect(s!.sinceMs).toBe(t0 - 5 * 60_000);
  });

  it('reads mutating configurations too, each webhook on its own', () => {
    const view = viewOf({
      mutatingwebhookconfigurations: [
        webhookConfiguration({
          name: 'istio-sidecar-injector',
          type: 'mutating',
          webhooks: [
            hook({ name: 'a.sidecar-injector.istio.io' }),
            hook({ name: 'b.sidecar-injector.istio.io', failurePolicy: 'Ignore' }),
          ],
        }),
      ],
    });
    const out = admissionInventory(view, t0) as SignalOf<'admission-webhook'>[];
    expect(out.map((s) => [s.subject, s.facts.type, s.facts.failurePolicy])).toEqual([
      ['webhook/a.sidecar-injector.istio.io', 'mutating', 'Fail'],
      ['webhook/b.sidecar-injector.istio.io', 'mutating', 'Ignore'],
    ]);
  });
});
