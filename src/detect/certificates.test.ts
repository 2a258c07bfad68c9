import { describe, expect, it } from 'vitest';
import { issueCertificate } from '../sim/api/x509.ts';
import { readCaBundle, readCertificate, validityAt } from './certificates.ts';

const day = 86_400_000;
const t0 = Date.parse('2024-03-06T00:00:00Z');

/** kubeadm's apiserver certificate: CN kube-apiserver, the service names and IPs, one year. */
const kubeadmApiserver = (notAfterMs: number) =>
  issueCertificate({
    commonName: 'kube-apiserver',
    dnsNames: [
      'cp-1',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ],
    ips: ['10.96.0.1', '10.0.0.10'],
    notBeforeMs: notAfterMs - 365 * day,
    notAfterMs,
  });

describe('reading certificates', () => {
  it('reads subject, names and dates as openssl prints them', () => {
    const c = readCertificate(kubeadmApiserver(t0 + 40 * day));
    if (c instanceof Error) throw c;
    expect(c.subject).toBe('CN=kube-apiserver');
    expect(c.sans).toEqual([
      'DNS:cp-1',
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
      'IP Address:10.96.0.1',
      'IP Address:10.0.0.10',
    ]);
    expect(c.notAfterMs).toBe(t0 + 40 * day);
    expect(c.ca).toBe(false);
  });

  it('reads a caBundle of two CAs (a rotation in progress) and refuses what is not PEM', () => {
    const ca = (cn: string, notAfterMs: number) =>
      issueCertificate({
        commonName: cn,
        organization: 'cert-manager',
        ca: true,
        notBeforeMs: t0 - day,
        notAfterMs,
      });
    const bundle = Buffer.from(ca('old-ca', t0 + day) + ca('new-ca', t0 + 90 * day)).toString('base64');
    const cas = readCaBundle(bundle);
    if (cas instanceof Error) throw cas;
    expect(cas.map((c) => [c.subject, c.ca])).toEqual([
      ['O=cert-manager, CN=old-ca', true],
      ['O=cert-manager, CN=new-ca', true],
    ]);
    expect(readCaBundle(Buffer.from('not a certificate').toString('base64'))).toBeInstanceOf(Error);
    const broken = '-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n';
    expect(readCaBundle(Buffer.from(broken).toString('base64'))).toBeInstanceOf(Error);
  });
});

describe('how close the end is: renewal overdue at the lesser of 30 days and a third of the lifetime', () => {
  const cert = (lifetimeMs: number, leftMs: number) => {
    const c = readCertificate(
      issueCertificate({ commonName: 'x', notBeforeMs: t0 + leftMs - lifetimeMs, notAfterMs: t0 + leftMs }),
    );
    if (c instanceof Error) throw c;
    return validityAt(c, t0);
  };
  it.each([
    ['kubeadm, one year, 31 days left', 365 * day, 31 * day, 'valid', 31],
    ['kubeadm, one year, 29 days left', 365 * day, 29 * day, 'renewal-overdue', 29],
    ['cert-manager default, 90 days, 31 days left', 90 * day, 31 * day, 'valid', 31],
    ['cert-manager default, 90 days, 29 days left', 90 * day, 29 * day, 'renewal-overdue', 29],
    ['a webhook certificate of one day, 9 hours left', day, 9 * 3_600_000, 'valid', 0],
    ['a webhook certificate of one day, 7 hours left', day, 7 * 3_600_000, 'renewal-overdue', 0],
    ['expired an hour ago', 365 * day, -3_600_000, 'expired', -1],
    ['issued for tomorrow', 365 * day, 366 * day, 'not-yet-valid', 366],
  ])('%s', (_name, lifetime, left, state, daysLeft) => {
    const v = cert(lifetime, left);
    expect(v.state).toBe(state);
    expect(v.daysLeft).toBe(daysLeft);
  });
});
