/**
 * A GET straight to a pod's IP, for scrapes that would otherwise go through the API
 * server's pods/proxy: running in the cluster, kubetriage reaches pod IPs over the pod
 * network like any pod, with no RBAC grant at all (pods/proxy `get` would also reach every
 * port of every pod through the API server). Answers as ApiClient.getText does, so a scrape
 * reads the same either way; the body is bounded, so a runaway exporter cannot flood us.
 */
import { request } from 'node:http';
import type { Clock } from '../time/clock.ts';
import type { ApiResponse } from './api-client.ts';

export type PodGet = (
  podIP: string,
  port: number,
  path: string,
  timeoutMs: number,
) => Promise<ApiResponse<string>>;

/** `http://10.1.2.3:10254/metrics`, IPv6 in brackets. */
export function podUrl(podIP: string, port: number, path: string): string {
  return `http://${podIP.includes(':') ? `[${podIP}]` : podIP}:${port}${path}`;
}

export function podHttpGet(clock: Clock, maxBytes = 8 * 1024 * 1024): PodGet {
  return (podIP, port, path, timeoutMs) => {
    const url = podUrl(podIP, port, path);
    const started = clock.now();
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        deadline.cancel();
        fn();
      };
      const req = request(url, { method: 'GET', headers: { 'user-agent': 'kubetriage' } }, (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            settle(() => reject(new Error(`${url}: answer larger than ${maxBytes} bytes`)));
            req.destroy();
          } else chunks.push(c);
        });
        res.on('end', () =>
          settle(() => {
            if (status >= 200 && status < 300)
              resolve({
                status,
                body: Buffer.concat(chunks).toString('utf8'),
                latencyMs: clock.now() - started,
              });
            else reject(new Error(`${url}: HTTP ${status}`));
          }),
        );
        res.on('error', (err) => settle(() => reject(new Error(`${url}: ${err.message}`))));
      });
      const deadline = clock.after(timeoutMs, () => {
        settle(() => reject(new Error(`${url}: no answer within ${timeoutMs} ms`)));
        req.destroy();
      });
      req.on('error', (err) => settle(() => reject(new Error(`${url}: ${err.message}`))));
      req.end();
    });
  };
}
