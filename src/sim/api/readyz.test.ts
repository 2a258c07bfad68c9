import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ControlPlane } from '../cluster/control-plane.ts';
import { type HealthEndpoint, serveHealth } from './readyz.ts';

/** Just enough of a response to capture what serveHealth sends. */
function capture(): { res: ServerResponse; sent: () => { status: number; body: string } } {
  let status = 0;
  let body = '';
  const res = {
    headersSent: false,
    setHeader() {},
    writeHead(code: number) {
      status = code;
    },
    end(text: string) {
      body = text;
    },
  } as unknown as ServerResponse;
  return { res, sent: () => ({ status, body }) };
}

function ask(endpoint: HealthEndpoint, query: string, etcdDown: boolean, sub = '') {
  const cp = new ControlPlane({ members: [{ name: 'cp-1', ip: '10.0.0.10', onNode: true }], stacked: true });
  if (etcdDown) cp.setEtcdDown('cp-1', 'test', true);
  const c = capture();
  serveHealth(endpoint, sub, new URLSearchParams(query), c.res, cp.route());
  return c.sent();
}

describe('health endpoints', () => {
  it.each([
    ['livez', '', false, 200, /^ok$/],
    [
      'readyz',
      'verbose',
      false,
      200,
      /^\[\+\]ping ok\n\[\+\]log ok\n\[\+\]etcd ok\n\[\+\]etcd-readiness ok\n\[\+\]informer-sync ok\n[\s\S]*\[\+\]shutdown ok\nreadyz check passed\n$/,
    ],
    [
      'livez',
      'verbose',
      false,
      200,
      /^\[\+\]ping ok\n\[\+\]log ok\n\[\+\]etcd ok\n\[\+\]poststarthook\/[\s\S]*livez check passed\n$/,
    ],
    [
      'readyz',
      '',
      true,
      500,
      /^\[\+\]ping ok\n\[\+\]log ok\n\[-\]etcd failed: reason withheld\n\[-\]etcd-readiness failed: reason withheld\n[\s\S]*readyz check failed\n$/,
    ],
    ['livez', 'verbose&exclude=etcd', true, 200, /\[\+\]etcd excluded: ok\n[\s\S]*livez check passed\n$/],
    ['healthz', 'exclude=nope', false, 200, /^ok$/],
  ] as const)('/%s?%s with etcd down=%s answers %i', (endpoint, query, down, status, body) => {
    const r = ask(endpoint, query, down);
    expect(r.status).toBe(status);
    expect(r.body).toMatch(body);
  });

  it('livez lists neither etcd-readiness nor shutdown, which are readyz checks', () => {
    const body = ask('livez', 'verbose', false).body;
    expect(body).not.toContain('etcd-readiness');
    expect(body).not.toContain('shutdown');
  });

  it('a single check answers ok, or its error with 500', () => {
    expect(ask('readyz', '', false, 'etcd')).toEqual({ status: 200, body: 'ok' });
    expect(ask('readyz', '', true, 'etcd')).toEqual({
      status: 500,
      body: 'internal server error: error getting data from etcd: context deadline exceeded\n',
    });
  });
});
