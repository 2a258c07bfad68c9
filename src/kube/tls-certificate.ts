/**
 * The API server's serving certificate, as a TLS handshake with its endpoint receives it
 * (what `openssl s_client -connect` shows). The API client's requests go through undici,
 * which does not hand out the peer certificate, so this makes its own handshake to the same
 * host, port and server name, with the kubeconfig's CA, and closes right after: no HTTP, no
 * credentials sent. It reads the certificate even when it does not verify (an expired
 * one is exactly what it is for), and reports Node's verdict beside it, with this machine's
 * own time of the read: Node judged the dates by it, while the feed's clock follows the
 * API server's.
 *
 * Not read through an HTTP proxy (the kubeconfig's `proxy-url`): the handshake there is the
 * proxy's tunnel, which this does not speak; the source then fails saying so.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import { type Clock, realClock } from '../time/clock.ts';
import type { ApiClient } from './api-client.ts';
import type { ObservationSink } from './observations.ts';

export const apiServerTlsSource = 'tls/kube-apiserver';

export interface TlsReadContext {
  client: ApiClient;
  clock: Pick<Clock, 'now' | 'after'>;
  sink: ObservationSink;
  timeoutMs?: number;
}

function pemOf(der: Buffer): string {
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

/** One handshake with the API server; reports the certificate it presented, or why none was read. */
export async function readApiServerCertificate(ctx: TlsReadContext): Promise<void> {
  const cluster = ctx.client.kc.getCurrentCluster();
  const fail = (error: string) =>
    ctx.sink({ type: 'source', source: apiServerTlsSource, ok: false, error, atMs: ctx.clock.now() });
  if (!cluster?.server) return fail('the kubeconfig has no current cluster');
  const url = new URL(cluster.server);
  if (url.protocol !== 'https:') return fail(`${cluster.server}: not HTTPS, no certificate to read`);
  if (cluster.proxyUrl) return fail(`${cluster.server}: not read through the kubeconfig's proxy-url`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let ca: string | undefined;
  try {
    ca = cluster.caData
      ? Buffer.from(cluster.caData, 'base64').toString('utf8')
      : cluster.caFile
        ? readFileSync(cluster.caFile, 'utf8')
        : undefined;
  } catch (err) {
    return fail(`${cluster.caFile}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const servername = cluster.tlsServerName ?? (isIP(host) ? undefined : host);
  await new Promise<void>((resolve) => {
    const socket = connect({
      host,
      port: Number(url.port || 443),
      ...(servername ? { servername } : {}),
      ...(ca ? { ca } : {}),
      // Read whatever it presents: verifying is the API client's job, reporting it is ours.
      rejectUnauthorized: false,
    });
    const timeoutMs = ctx.timeoutMs ?? 5_000;
    // On the session's clock, as every other wait of the feed, not a socket timer of its own.
    const deadline = ctx.clock.after(timeoutMs, () =>
      done(() => fail(`${cluster.server}: no TLS handshake within ${timeoutMs} ms`)),
    );
    const done = (report: () => void) => {
      deadline.cancel();
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      report();
      resolve();
    };
    socket.once('error', (err) => done(() => fail(`${cluster.server}: ${err.message}`)));
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate();
      const verdict = socket.authorized ? undefined : String(socket.authorizationError ?? 'not trusted');
      done(() =>
        peer?.raw
          ? ctx.sink({
              type: 'certificate',
              source: apiServerTlsSource,
              pem: pemOf(peer.raw),
              ...(verdict ? { authorizationError: verdict } : {}),
              clientClockMs: realClock.now(),
              atMs: ctx.clock.now(),
            })
          : fail(`${cluster.server}: the server presented no certificate`),
      );
    });
  });
}
