import { describe, expect, it } from 'vitest';
import { apiAccess } from '../detect/api-access.ts';
import { apiHealth } from '../detect/api-health.ts';
import { t0 } from '../detect/fixtures.ts';
import { ClusterView } from '../observe/cluster-view.ts';
import { clusterAccess } from './cluster-access.ts';

/** What a round detects about the API server, as serve's rounds would. */
const signalsOf = (view: ClusterView) => [...apiAccess(view, t0), ...apiHealth(view, t0)];

describe('clusterAccess', () => {
  it('is ok while the API server takes our credentials, refused with the status once it does not', () => {
    const view = new ClusterView();
    const probe = (status: number | undefined, atMs: number) =>
      view.apply({
        type: 'probe',
        check: 'livez',
        ok: status === undefined,
        latencyMs: 3,
        ...(status ? { status, error: 'https://10.0.0.1:6443/livez: Unauthorized' } : { status: 200 }),
        atMs,
      });
    probe(undefined, t0 - 20_000);
    expect(clusterAccess(signalsOf(view))).toBe('ok');
    probe(401, t0 - 10_000);
    probe(401, t0 - 5_000);
    expect(clusterAccess(signalsOf(view))).toBe('refused (401)');
  });

  it('is not reached, with how connections fail, while the API server has never answered', () => {
    const view = new ClusterView();
    for (const atMs of [t0 - 5_000, t0])
      view.apply({
        type: 'probe',
        check: 'livez',
        ok: false,
        latencyMs: 1,
        error: 'https://127.0.0.1:6443/livez: connect ECONNREFUSED 127.0.0.1:6443',
        atMs,
      });
    expect(clusterAccess(signalsOf(view))).toBe('not reached (refused)');
  });
});
