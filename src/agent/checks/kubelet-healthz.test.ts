/**
 * The kubelet health check against real sockets: an `ok` answer, a failing one, nothing
 * listening, and a kubelet that accepts the connection but never answers (hung).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { kubeletHealthzCheck, kubeletHealthzUrl } from './kubelet-healthz.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function kubelet(
  answer: ((res: import('node:http').ServerResponse) => void) | 'hang',
): Promise<string> {
  const server = createServer((_req, res) => {
    if (answer !== 'hang') answer(res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
}

const run = (url: string) =>
  kubeletHealthzCheck({ url }).run({ startedMs: Date.now(), signal: new AbortController().signal });

describe('KubeletUnhealthy', () => {
  it('is False while the kubelet answers ok', async () => {
    const r = await run(await kubelet((res) => res.end('ok')));
    expect(r).toMatchObject({ status: 'False', reason: 'KubeletHealthy' });
  });

  it('is True with the status and body when the kubelet answers a failure', async () => {
    const r = await run(
      await kubelet((res) => {
        res.statusCode = 500;
        res.end('[-]syncloop failed: reason withheld\nhealthz check failed');
      }),
    );
    expect(r.status).toBe('True');
    expect(r.reason).toBe('HealthzFailed');
    expect(r.groups[0]).toContainEqual(['status', 500]);
  });

  it('is True when nothing listens (the kubelet has stopped)', async () => {
    const url = await kubelet((res) => res.end('ok'));
    const s = servers.pop()!;
    await new Promise((r) => s.close(r));
    const r = await run(url);
    expect(r).toMatchObject({ status: 'True', reason: 'HealthzRefused' });
    expect(r.groups[0]).toContainEqual(['error', 'ECONNREFUSED']);
  });

  it('is True when the kubelet takes the connection and never answers (hung)', async () => {
    const r = await run(await kubelet('hang'));
    expect(r).toMatchObject({ status: 'True', reason: 'HealthzTimeout' });
  });
});

describe('kubeletHealthzUrl', () => {
  it('follows the kubelet configuration, and is absent when healthz is off', () => {
    expect(kubeletHealthzUrl({})).toBe('http://127.0.0.1:10248/healthz');
    expect(kubeletHealthzUrl({ healthzBindAddress: '0.0.0.0', healthzPort: 10250 })).toBe(
      'http://127.0.0.1:10250/healthz',
    );
    expect(kubeletHealthzUrl({ healthzBindAddress: 'fd00::1' })).toBe('http://[fd00::1]:10248/healthz');
    expect(kubeletHealthzUrl({ healthzPort: 0 })).toBeUndefined();
  });
});
