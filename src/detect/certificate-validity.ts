/**
 * Certificates on the path of the cluster's calls, and how long each has left:
 *
 * - the API server's serving certificate, as the tool's own TLS handshake receives it
 *   (kube/tls-certificate.ts; read even when it no longer verifies);
 * - the CA in each webhook configuration's caBundle (the API server trusts only it when it
 *   calls the webhook; with several, the one that lasts longest).
 *
 * Not read: kubelet serving certificates. The feed reaches kubelets only through the API
 * server's nodes/proxy, where the API server ends the kubelet's TLS itself, so their
 * certificates never reach kubetriage; nor the webhooks' own serving certificates (the
 * feed has no path to the webhook's pods).
 *
 * Thresholds (certificates.ts): warning once renewal is overdue (less left than the lesser
 * of 30 days and a third of the lifetime), critical once expired or not yet valid, info
 * otherwise (the inventory: days to expiry, as `kubeadm certs check-expiration` lists them).
 * A webhook CA out of date is critical only when a webhook that trusts it fails closed.
 *
 * Emits `certificate-validity`, subject `certificate/kube-apiserver` or
 * `certificate/<kind>/<configuration>`.
 */
import { apiServerTlsSource } from '../kube/tls-certificate.ts';
import type { ClusterView } from '../observe/cluster-view.ts';
import { type WebhookConfigurationView, webhookResources } from './admission-inventory.ts';
import {
  type CertificateInfo,
  certificateText,
  readCaBundle,
  readCertificate,
  validityAt,
} from './certificates.ts';
import type { Detector, Evidence, Severity, Signal } from './signal.ts';
import type { CertificateValidityFacts } from './signal-kinds.ts';
import { isoSeconds } from './timestamps.ts';

function signal(
  c: CertificateInfo,
  o: {
    subject: string;
    holder: CertificateValidityFacts['holder'];
    source: string;
    readAtMs: number;
    nowMs: number;
    /** How far the view's clock is ahead of the clock the certificate is judged by. */
    clockShiftMs?: number;
    authorizationError?: string;
    webhooks?: string[];
    failsClosed?: boolean;
    evidence: Evidence;
  },
): Signal {
  const shift = o.clockShiftMs ?? 0;
  const v = validityAt(c, o.nowMs - shift);
  const outOfDate = v.state === 'expired' || v.state === 'not-yet-valid';
  const severity: Severity = outOfDate
    ? o.holder === 'webhook-ca' && !o.failsClosed
      ? 'warning'
      : 'critical'
    : v.state === 'renewal-overdue'
      ? 'warning'
      : 'info';
  const what =
    o.holder === 'apiserver-serving' ? "the API server's serving certificate" : `the CA of ${o.source}`;
  const next =
    o.holder === 'apiserver-serving'
      ? 'renew it (kubeadm certs renew apiserver, or the provider’s credential rotation)'
      : 'have its installer or cert-manager reissue the CA and rewrite the caBundle';
  return {
    detector: 'certificate-validity',
    kind: 'certificate-validity',
    subject: o.subject,
    severity,
    sinceMs:
      v.state === 'expired'
        ? c.notAfterMs + shift
        : v.state === 'renewal-overdue'
          ? v.renewByMs + shift
          : Math.min(c.notBeforeMs + shift, o.readAtMs),
    summary: `${what}: ${certificateText(c, v)}${v.state === 'valid' ? '' : `; ${next}`}`,
    scope: {},
    facts: {
      holder: o.holder,
      source: o.source,
      subject: c.subject,
      issuer: c.issuer,
      sans: c.sans,
      notBefore: isoSeconds(c.notBeforeMs),
      notAfter: isoSeconds(c.notAfterMs),
      state: v.state,
      daysLeft: v.daysLeft,
      lifetimeDays: v.lifetimeDays,
      renewBy: isoSeconds(v.renewByMs),
      authorizationError: o.authorizationError ?? '',
      webhooks: o.webhooks ?? [],
      failsClosed: o.failsClosed ?? false,
      readAt: isoSeconds(o.readAtMs),
    },
    evidence: [o.evidence],
  };
}

export const certificateValidity: Detector = (view: ClusterView, nowMs: number): Signal[] => {
  const out: Signal[] = [];
  const seen = view.certificates.get(apiServerTlsSource);
  // Judged by the reading client's clock, as its TLS was: the feed's runs on the cluster's time.
  const clockShiftMs = seen ? seen.atMs - (seen.clientClockMs ?? seen.atMs) : 0;
  const served = seen ? readCertificate(seen.pem) : undefined;
  if (seen && served && !(served instanceof Error))
    out.push(
      signal(served, {
        subject: 'certificate/kube-apiserver',
        holder: 'apiserver-serving',
        source: apiServerTlsSource,
        readAtMs: seen.atMs,
        nowMs,
        clockShiftMs,
        authorizationError: seen.authorizationError,
        evidence: {
          source: 'probe',
          ref: 'probe/tls',
          atMs: seen.atMs,
          text: `TLS handshake with the API server presented ${served.subject} (${served.sans.join(', ')}), notBefore ${isoSeconds(served.notBeforeMs)}, notAfter ${isoSeconds(served.notAfterMs)}${seen.authorizationError ? `; Node: ${seen.authorizationError}` : ''}`,
          raw: {
            kind: 'field',
            path: 'peerCertificate',
            value: `subject=${served.subject}; issuer=${served.issuer}; notAfter=${isoSeconds(served.notAfterMs)}; sha256=${served.fingerprint}`,
          },
        },
      }),
    );
  for (const [, resource] of webhookResources)
    for (const c of view.list(resource) as WebhookConfigurationView[]) {
      const kind = resource.replace(/s$/, '');
      const bundles = new Map<string, { webhooks: string[]; failsClosed: boolean }>();
      for (const w of c.webhooks ?? []) {
        const b = w.clientConfig?.caBundle;
        if (!b || !w.name) continue;
        const entry = bundles.get(b) ?? { webhooks: [], failsClosed: false };
        entry.webhooks.push(w.name);
        entry.failsClosed ||= w.failurePolicy !== 'Ignore';
        bundles.set(b, entry);
      }
      for (const [bundle, users] of bundles) {
        const cas = readCaBundle(bundle);
        if (cas instanceof Error) continue;
        const ca = [...cas].sort((a, b) => b.notAfterMs - a.notAfterMs)[0]!;
        const source = `${kind}/${c.metadata.name}`;
        out.push(
          signal(ca, {
            subject: `certificate/${source}${bundles.size > 1 ? `/${users.webhooks[0]}` : ''}`,
            holder: 'webhook-ca',
            source,
            readAtMs: nowMs,
            nowMs,
            webhooks: users.webhooks.sort(),
            failsClosed: users.failsClosed,
            evidence: {
              source: 'object',
              ref: source,
              text: `caBundle of ${users.webhooks.join(', ')}: ${ca.subject}, notBefore ${isoSeconds(ca.notBeforeMs)}, notAfter ${isoSeconds(ca.notAfterMs)}`,
              raw: {
                kind: 'field',
                path: `webhooks[name=${users.webhooks[0]}].clientConfig.caBundle`,
                value: `subject=${ca.subject}; notAfter=${isoSeconds(ca.notAfterMs)}; sha256=${ca.fingerprint}`,
              },
            },
          }),
        );
      }
    }
  return out;
};
