import { describe, expect, it } from 'vitest';
import { ClusterView } from '../observe/cluster-view.ts';
import { apiAccess } from './api-access.ts';
import { t0 } from './fixtures.ts';
import { ofKind } from './signal.ts';

const server = 'https://10.0.0.1:6443';

function viewWith(status: number | undefined, n: number, reflectorError?: string) {
  const view = new ClusterView();
  for (let i = n; i > 0; i--)
    for (const check of ['livez', 'readyz'] as const)
      view.apply({
        type: 'probe',
        check,
        ok: status === undefined,
        latencyMs: 4,
        ...(status
          ? { status, error: `${server}/${check}: ${status === 401 ? 'Unauthorized' : 'forbidden'}` }
          : {}),
        atMs: t0 - i * 5_000,
      });
  if (reflectorError)
    for (const r of ['reflector/nodes', 'reflector/pods'])
      view.apply({ type: 'source', source: r, ok: false, error: reflectorError, atMs: t0 - 30_000 });
  return view;
}

describe('apiAccess', () => {
  it('says the API server refuses kubetriage when probes and watches get 401', () => {
    const view = viewWith(401, 3, `${server}/api/v1/nodes: Unauthorized`);
    const [s] = ofKind(apiAccess(view, t0), 'api-access-denied');
    expect(s.facts).toMatchObject({ status: 401, reflectorsDenied: ['reflector/nodes', 'reflector/pods'] });
    expect(s.summary).toMatch(/refuses kubetriage \(401\)/);
  });

  it('reads 403 from watches whose lists are forbidden while probes pass', () => {
    const view = viewWith(
      undefined,
      3,
      `${server}/api/v1/nodes: nodes is forbidden: User "x" cannot list resource "nodes"`,
    );
    const [s] = ofKind(apiAccess(view, t0), 'api-access-denied');
    expect(s.facts.status).toBe(403);
  });

  it('stays quiet on one refused probe, on answers, and on timeouts', () => {
    expect(apiAccess(viewWith(401, 1), t0)).toEqual([]);
    expect(apiAccess(viewWith(undefined, 3), t0)).toEqual([]);
    expect(apiAccess(viewWith(undefined, 3, `${server}/api/v1/nodes: connect ETIMEDOUT`), t0)).toEqual([]);
  });
});
