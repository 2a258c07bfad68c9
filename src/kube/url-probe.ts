/**
 * The outside-in look: an HTTP GET of each public URL the operator names (`--probe-url`:
 * the load balancer, the ingress hosts), as a user's browser would make it, with a
 * deadline. Every answer or failure is an observation; a failure says what kind it was,
 * from Node's own error codes (a certificate that expired, a name that does not match, a
 * refused connection, a timeout), because "the site is down" and "the certificate expired"
 * are different incidents.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Clock } from '../time/clock.ts';
import type { ObservationSink } from './observations.ts';

export type UrlProbeErrorKind =
  | 'http-5xx'
  | 'timeout'
  | 'refused'
  | 'dns'
  | 'unreachable'
  | 'reset'
  | 'tls-expired'
  | 'tls-name-mismatch'
  | 'tls-unknown-authority'
  | 'tls'
  | 'other';

/** Node's error codes by kind (nodejs.org/api/errors.html, OpenSSL's X509 verify codes). */
const codeKinds: Record<string, UrlProbeErrorKind> = {
  ECONNREFUSED: 'refused',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ETIMEDOUT: 'timeout',
  CERT_HAS_EXPIRED: 'tls-expired',
  CERT_NOT_YET_VALID: 'tls-expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls-name-mismatch',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls-unknown-authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls-unknown-authority',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls-unknown-authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls-unknown-authority',
  UNABLE_TO_GET_ISSUER_CERT: 'tls-unknown-authority',
};

export function urlProbeErrorKind(err: unknown): UrlProbeErrorKind {
  const code = (err as { code?: string } | undefined)?.code ?? '';
  if (codeKinds[code]) return codeKinds[code];
  if (/^(ERR_TLS|ERR_SSL|EPROTO)/.test(code) || /certificate|SSL|TLS/i.test(String(err))) return 'tls';
  if (/timeout/i.test(String(err))) return 'timeout';
  return 'other';
}

export interface UrlProbeOptions {
  clock: Clock;
  sink: ObservationSink;
  timeoutMs?: number;
  /** Name resolution, for tests that point a public name at a local server. */
  lookup?: LookupFunction;
  /** Extra trusted CA certificates (PEM), for a site behind a private CA. */
  ca?: string;
}

/** Checks a `--probe-url` value: an absolute http(s) URL. */
export function parseProbeUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(
      `--probe-url "${raw}" is not a URL; give the full address, e.g. https://shop.example.com/healthz`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`--probe-url "${raw}" must be http:// or https://, e.g. https://shop.example.com/`);
  return url;
}

/** One GET of `url`; reports the answer (or the failure) as a `url-probe` observation. */
export function probeUrl(o: UrlProbeOptions, url: string): Promise<void> {
  const started = o.clock.now();
  const timeoutMs = o.timeoutMs ?? 5_000;
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: { ok: boolean; status?: number; error?: string; errorKind?: UrlProbeErrorKind }) => {
      if (done) return;
      done = true;
      deadline.cancel();
      o.sink({ type: 'url-probe', url, latencyMs: o.clock.now() - started, atMs: o.clock.now(), ...r });
      resolve();
    };
    const parsed = new URL(url);
    const send = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      parsed,
      {
        method: 'GET',
        headers: { 'user-agent': 'kubetriage-probe' },
        ...(o.lookup ? { lookup: o.lookup } : {}),
        ...(o.ca ? { ca: o.ca } : {}),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        res.on('end', () =>
          finish(
            status >= 500
              ? { ok: false, status, errorKind: 'http-5xx', error: `HTTP ${status}` }
              : { ok: true, status },
          ),
        );
        res.on('error', (err) =>
          finish({ ok: false, status, error: err.message, errorKind: urlProbeErrorKind(err) }),
        );
      },
    );
    const deadline = o.clock.after(timeoutMs, () => {
      finish({ ok: false, error: `no answer within ${timeoutMs} ms`, errorKind: 'timeout' });
      req.destroy();
    });
    req.on('error', (err) => finish({ ok: false, error: err.message, errorKind: urlProbeErrorKind(err) }));
    req.end();
  });
}

/** One round over every URL, in parallel. */
export async function probeUrls(o: UrlProbeOptions, urls: readonly string[]): Promise<void> {
  await Promise.all(urls.map((u) => probeUrl(o, u)));
}
