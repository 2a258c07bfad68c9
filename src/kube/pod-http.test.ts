/** The direct scrape of a pod's IP: the body on a 2xx, an error naming the URL otherwise, bounded. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock } from '../time/clock.ts';
import { podHttpGet, podUrl } from './pod-http.ts';

describe('podHttpGet', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/metrics') res.end('nginx_ingress_controller_requests{status="200"} 3\n');
      else if (req.url === '/big') res.end('x'.repeat(4096));
      else res.writeHead(404).end('no');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('answers the body as the API client would', async () => {
    const res = await podHttpGet(realClock)('127.0.0.1', port, '/metrics', 2_000);
    expect(res.status).toBe(200);
    expect(res.body).toContain('nginx_ingress_controller_requests');
  });

  it('fails on a non-2xx answer and on an answer larger than the bound, naming the URL', async () => {
    await expect(podHttpGet(realClock)('127.0.0.1', port, '/nope', 2_000)).rejects.toThrow(
      `http://127.0.0.1:${port}/nope: HTTP 404`,
    );
    await expect(podHttpGet(realClock, 1_024)('127.0.0.1', port, '/big', 2_000)).rejects.toThrow(
      'larger than 1024 bytes',
    );
  });

  it('puts an IPv6 pod IP in brackets', () => {
    expect(podUrl('fd00::5', 10254, '/metrics')).toBe('http://[fd00::5]:10254/metrics');
    expect(podUrl('10.1.2.3', 8002, '/stats/prometheus')).toBe('http://10.1.2.3:8002/stats/prometheus');
  });
});
