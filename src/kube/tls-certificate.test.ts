import { type AddressInfo, createServer } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { realClock } from '../time/clock.ts';
import { ApiClient } from './api-client.ts';
import type { Observation } from './observations.ts';
import { readApiServerCertificate } from './tls-certificate.ts';

function clientFor(cluster: { server: string; proxyUrl?: string }): ApiClient {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', skipTLSVerify: false, ...cluster }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return new ApiClient(kc, { now: () => 0 });
}

async function read(
  cluster: { server: string; proxyUrl?: string },
  timeoutMs?: number,
): Promise<Observation[]> {
  const seen: Observation[] = [];
  await readApiServerCertificate({
    client: clientFor(cluster),
    clock: { now: () => 5, after: (ms, fn) => realClock.after(ms, fn) },
    sink: (o) => seen.push(o),
    ...(timeoutMs ? { timeoutMs } : {}),
  });
  return seen;
}

describe("reading the API server's certificate from a handshake", () => {
  it('says why it read none: plain HTTP, or a proxy it does not tunnel through', async () => {
    expect(await read({ server: 'http://127.0.0.1:8080' })).toEqual([
      {
        type: 'source',
        source: 'tls/kube-apiserver',
        ok: false,
        error: 'http://127.0.0.1:8080: not HTTPS, no certificate to read',
        atMs: 5,
      },
    ]);
    expect(await read({ server: 'https://10.0.0.1:6443', proxyUrl: 'http://proxy:3128' })).toEqual([
      {
        type: 'source',
        source: 'tls/kube-apiserver',
        ok: false,
        error: "https://10.0.0.1:6443: not read through the kubeconfig's proxy-url",
        atMs: 5,
      },
    ]);
  });

  it('reports a refused connection as the source failing', async () => {
    const [o] = await read({ server: 'https://127.0.0.1:1' });
    expect(o).toMatchObject({ type: 'source', source: 'tls/kube-apiserver', ok: false });
    expect(o?.type === 'source' && o.error).toMatch(/ECONNREFUSED/);
  });

  it('gives up on a server that accepts the connection and never answers the handshake', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const [o] = await read({ server: `https://127.0.0.1:${port}` }, 50);
      expect(o).toMatchObject({ type: 'source', ok: false });
      expect(o?.type === 'source' && o.error).toMatch(/no TLS handshake within 50 ms/);
    } finally {
      silent.close();
    }
  });
});
