/**
 * One look at an API server address the way a pod's client meets it: TCP connect, TLS
 * handshake verified against the cluster CA, then `GET /livez`, each stage with its own
 * timeout. The answer names the stage that failed and the error as Go's net package prints
 * it (`dial tcp 10.96.0.1:443: i/o timeout`), because that is what operators search for.
 * Any HTTP status counts as an answer: the API server's health is kubetriage's own probe.
 */
import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Clock } from '../time/clock.ts';
import { goDuration } from '../time/go-duration.ts';

export type ProbeFailure = 'ConnectTimeout' | 'ConnectionRefused' | 'NoRoute' | 'TLSFailed' | 'HTTPTimeout';

export type ProbeOutcome =
  | { ok: true }
  | { ok: false; failure: ProbeFailure; stage: 'connect' | 'tls' | 'http'; timeout?: string; error?: string };

/** Opens a TCP connection; tests pass one that never connects to play a black-holed address. */
export type Dialer = (host: string, port: number) => Socket;

export const dialTcp: Dialer = (host, port) => tcpConnect({ host, port });

/**
 * One look at an address, whole (connect, TLS, GET /livez): `probeAddress` on a real node; the
 * simulator passes its own, which answers from the simulated network on the virtual clock.
 */
export type AddressProbe = (o: ProbeOptions) => Promise<ProbeOutcome>;

export interface ProbeOptions {
  host: string;
  port: number;
  clock: Clock;
  connectTimeoutMs: number;
  /** With `ca`, the TLS handshake and GET /livez follow; without, TCP connect is the whole probe. */
  tls?: { ca?: string | Buffer; servername?: string; timeoutMs: number; httpTimeoutMs: number };
  dial?: Dialer;
}

export function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Node's socket error codes in Go's words. */
function dialError(target: string, err: NodeJS.ErrnoException): { failure: ProbeFailure; error: string } {
  switch (err.code) {
    case 'ECONNREFUSED':
      return { failure: 'ConnectionRefused', error: `dial tcp ${target}: connect: connection refused` };
    case 'EHOSTUNREACH':
      return { failure: 'NoRoute', error: `dial tcp ${target}: connect: no route to host` };
    case 'ENETUNREACH':
      return { failure: 'NoRoute', error: `dial tcp ${target}: connect: network is unreachable` };
    case 'ETIMEDOUT':
      return { failure: 'ConnectTimeout', error: `dial tcp ${target}: i/o timeout` };
    default:
      return { failure: 'ConnectionRefused', error: `dial tcp ${target}: ${err.message}` };
  }
}

function tlsError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED':
      return 'x509: certificate has expired or is not yet valid';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `x509: ${err.message}`;
    default:
      return err.message || String(err.code);
  }
}

export function probeAddress(o: ProbeOptions): Promise<ProbeOutcome> {
  const target = hostPort(o.host, o.port);
  return new Promise<ProbeOutcome>((resolve) => {
    let done = false;
    let socket: Socket | undefined;
    let timer = o.clock.after(o.connectTimeoutMs, () =>
      finish({
        ok: false,
        failure: 'ConnectTimeout',
        stage: 'connect',
        timeout: goDuration(o.connectTimeoutMs),
        error: `dial tcp ${target}: i/o timeout`,
      }),
    );
    const finish = (outcome: ProbeOutcome): void => {
      if (done) return;
      done = true;
      timer.cancel();
      socket?.destroy();
      resolve(outcome);
    };
    const raw = (o.dial ?? dialTcp)(o.host, o.port);
    socket = raw;
    raw.once('error', (err: NodeJS.ErrnoException) =>
      finish({ ok: false, stage: 'connect', ...dialError(target, err) }),
    );
    raw.once('connect', () => {
      timer.cancel();
      const t = o.tls;
      if (!t) return finish({ ok: true });
      raw.removeAllListeners('error');
      timer = o.clock.after(t.timeoutMs, () =>
        finish({
          ok: false,
          failure: 'TLSFailed',
          stage: 'tls',
          timeout: goDuration(t.timeoutMs),
          error: 'net/http: TLS handshake timeout',
        }),
      );
      const servername = t.servername ?? (isIP(o.host) ? undefined : o.host);
      const secure = tlsConnect({
        socket: raw,
        ca: t.ca,
        servername,
        // Verified against the name the client would use (the SNI name, else the address).
        host: servername ?? o.host,
        rejectUnauthorized: true,
      });
      socket = secure;
      let handshaken = false;
      // After the handshake, a reset or close before any answer is the HTTP stage failing.
      secure.once('error', (err: NodeJS.ErrnoException) =>
        finish(
          handshaken
            ? { ok: false, failure: 'HTTPTimeout', stage: 'http', error: err.message }
            : { ok: false, failure: 'TLSFailed', stage: 'tls', error: tlsError(err) },
        ),
      );
      secure.once('close', () =>
        finish(
          handshaken
            ? {
                ok: false,
                failure: 'HTTPTimeout',
                stage: 'http',
                error: 'connection closed before any answer',
              }
            : { ok: false, failure: 'TLSFailed', stage: 'tls', error: 'EOF' },
        ),
      );
      secure.once('secureConnect', () => {
        handshaken = true;
        timer.cancel();
        timer = o.clock.after(t.httpTimeoutMs, () =>
          finish({ ok: false, failure: 'HTTPTimeout', stage: 'http', timeout: goDuration(t.httpTimeoutMs) }),
        );
        secure.once('data', (chunk: Buffer) => {
          if (chunk.toString('latin1', 0, 5) === 'HTTP/') finish({ ok: true });
          else finish({ ok: false, failure: 'HTTPTimeout', stage: 'http', error: 'malformed HTTP response' });
        });
        secure.write(`GET /livez HTTP/1.1\r\nHost: ${servername ?? target}\r\nConnection: close\r\n\r\n`);
      });
    });
  });
}
