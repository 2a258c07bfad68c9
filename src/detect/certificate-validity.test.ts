import { describe, expect, it } from 'vitest';
import { issueCertificate } from '../sim/api/x509.ts';
import { certificateValidity } from './certificate-validity.ts';
import { t0, viewOf } from './fixtures.ts';
import { webhookConfiguration } from './fixtures-admission.ts';
import type { SignalOf } from './signal.ts';

const day = 86_400_000;
const apiserver = (notAfterMs: number, notBeforeMs = notAfterMs - 365 * day) =>
  issueCertificate({
    commonName: 'kube-apiserver',
    dnsNames: [
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ],
    ips: ['10.96.0.1', '34.89.12.47'],
    notBeforeMs,
    notAfterMs,
  });

function read(
  pem: string,
  o: { readAtMs?: number; clientClockMs?: number; authorizationError?: string } = {},
) {
  const view = viewOf({}, t0, [
    {
      type: 'certificate',
      source: 'tls/kube-apiserver',
      pem,
      atMs: o.readAtMs ?? t0 - 30_000,
      ...(o.clientClockMs !== undefined ? { clientClockMs: o.clientClockMs } : {}),
      ...(o.authorizationError ? { authorizationError: o.authorizationError } : {}),
    },
  ]);
  return certificateValidity(view, t0) as SignalOf<'certificate-validity'>[];
}

describe("the API server's serving certificate, from the handshake", () => {
  it.each([
    ['issued by kubeadm 90 days ago', t0 + 275 * day, 'valid', 'info', 275],
    ['25 days left: renewal overdue', t0 + 25 * day, 'renewal-overdue', 'warning', 25],
    ['expired two hours ago', t0 - 2 * 3_600_000, 'expired', 'critical', -1],
  ])('%s', (_name, notAfterMs, state, severity, daysLeft) => {
    const [s] = read(apiserver(notAfterMs));
    expect(s).toMatchObject({
      kind: 'certificate-validity',
      subject: 'certificate/kube-apiserver',
      severity,
      facts: {
        holder: 'apiserver-serving',
        state,
        daysLeft,
        subject: 'CN=kube-apiserver',
        lifetimeDays: 365,
      },
    });
    expect(s!.facts.sans).toContain('IP Address:10.96.0.1');
    expect(s!.evidence[0]!.raw).toMatchObject({ kind: 'field', path: 'peerCertificate' });
  });

  it('once expired, it dates the trouble from notAfter and says what the handshake said', () => {
    const [s] = read(apiserver(t0 - 2 * 3_600_000), { authorizationError: 'CERT_HAS_EXPIRED' });
    expect(s!.sinceMs).toBe(t0 - 2 * 3_600_000);
    expect(s!.facts.authorizationError).toBe('CERT_HAS_EXPIRED');
    expect(s!.facts.notAfter).toBe('2024-01-15T10:00:00Z');
    expect(s!.summary).toContain('renew it');
  });

  it("judges the dates by the reading client's clock, as its TLS did, when the cluster's runs ahead", () => {
    // The cluster's clock is a year ahead of ours; the certificate is dated by ours.
    const ours = t0 - 365 * day;
    const [s] = read(apiserver(ours + 100 * day), { readAtMs: t0, clientClockMs: ours });
    expect(s!.facts).toMatchObject({ state: 'valid', daysLeft: 100 });
  });

  it('nothing read, nothing said', () => {
    expect(certificateValidity(viewOf({}), t0)).toEqual([]);
  });
});

describe('webhook CA bundles', () => {
  const ca = (notAfterMs: number, cn = 'kyverno-ca') =>
    issueCertificate({ commonName: cn, ca: true, notBeforeMs: notAfterMs - 365 * day, notAfterMs });
  const b64 = (...pems: string[]) => Buffer.from(pems.join('')).toString('base64');

  it('one signal per bundle, naming the webhooks that trust it; expired and failing closed is critical', () => {
    const bundle = b64(ca(t0 - day));
    const view = viewOf({
      validatingwebhookconfigurations: [
        webhookConfiguration({
          name: 'kyverno-resource-validating-webhook-cfg',
          webhooks: [
            {
              name: 'validate.kyverno.svc-fail',
              service: 'kyverno/kyverno-svc',
              failurePolicy: 'Fail',
              caBundle: bundle,
            },
            {
              name: 'validate.kyverno.svc-ignore',
              service: 'kyverno/kyverno-svc',
              failurePolicy: 'Ignore',
              caBundle: bundle,
            },
          ],
        }),
      ],
    });
    const [s, ...rest] = certificateValidity(view, t0) as SignalOf<'certificate-validity'>[];
    expect(rest).toEqual([]);
    expect(s).toMatchObject({
      subject: 'certificate/validatingwebhookconfiguration/kyverno-resource-validating-webhook-cfg',
      severity: 'critical',
      facts: {
        holder: 'webhook-ca',
        state: 'expired',
        webhooks: ['validate.kyverno.svc-fail', 'validate.kyverno.svc-ignore'],
        failsClosed: true,
        subject: 'CN=kyverno-ca',
      },
    });
  });

  it('expired but only trusted by a webhook that fails open: a warning; a rotation in progress counts its newest CA', () => {
    const view = viewOf({
      mutatingwebhookconfigurations: [
        webhookConfiguration({
          name: 'sidecar',
          type: 'mutating',
          webhooks: [
            {
              name: 'inject.example.com',
              service: 'mesh/injector',
              failurePolicy: 'Ignore',
              caBundle: b64(ca(t0 - day)),
            },
          ],
        }),
      ],
      validatingwebhookconfigurations: [
        webhookConfiguration({
          name: 'policy',
          webhooks: [
            {
              name: 'validate.example.com',
              service: 'p/p',
              caBundle: b64(ca(t0 - day, 'old'), ca(t0 + 300 * day, 'new')),
            },
          ],
        }),
      ],
    });
    const out = certificateValidity(view, t0) as SignalOf<'certificate-validity'>[];
    expect(out.map((s) => [s.subject, s.severity, s.facts.state, s.facts.subject])).toEqual([
      ['certificate/validatingwebhookconfiguration/policy', 'info', 'valid', 'CN=new'],
      ['certificate/mutatingwebhookconfiguration/sidecar', 'warning', 'expired', 'CN=kyverno-ca'],
    ]);
  });
});
