/**
 * The status page serve publishes never calls the cluster operational on data it could not
 * read: with the API server never answering (a wrong address), every component reads
 * "Status unknown" and the banner says why, and once the cluster is seen it is green again.
 */
import { describe, expect, it } from 'vitest';
import { t0 } from '../detect/fixtures.ts';
import { ClusterView } from '../observe/cluster-view.ts';
import type { StatusPage } from '../publish/status-page.ts';
import { ManualClock } from '../time/manual-clock.ts';
import { ServeRuntime } from './serve-runtime.ts';

const refused = 'https://10.0.0.1:6443/livez: connect ECONNREFUSED 10.0.0.1:6443';

async function page(rt: ServeRuntime): Promise<StatusPage> {
  return (await (await rt.app.request('/status.json')).json()) as StatusPage;
}

describe('serve status page without sight of the cluster', () => {
  it('calls nothing operational while the API server has never answered, and is green once it answers', async () => {
    const clock = new ManualClock(t0);
    const logged: [string, Record<string, unknown> | undefined][] = [];
    const rt = new ServeRuntime({
      clock,
      cluster: 'prod',
      token: 'a-token-of-at-least-16-chars',
      log: (msg, fields) => logged.push([msg, fields]),
    });
    const view = new ClusterView();
    const probeRound = (ok: boolean) => {
      for (const check of ['livez', 'readyz', 'version'] as const)
        view.apply({
          type: 'probe',
          check,
          ok,
          latencyMs: ok ? 3 : 1,
          ...(ok ? { status: 200 } : { error: refused }),
          atMs: clock.now(),
        });
    };
    for (let i = 0; i < 3; i++) {
      probeRound(false);
      rt.round(view, clock.now());
      clock.advance(5_000);
    }
    const blind = await page(rt);
    expect(blind.components.map((c) => c.status)).not.toContain('operational');
    expect(blind.status.description).toBe('Status unknown: the monitoring has not reached the cluster');
    const html = await (await rt.app.request('/status')).text();
    expect(html).not.toContain('>Operational<');
    // kubetriage's own access fails: its health check says so, and the log says what to do, once.
    const health = await rt.app.request('/healthz');
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      ok: false,
      cannotSee: 'the monitoring has not reached the cluster',
    });
    expect(logged.filter(([m]) => m.startsWith('cannot see the cluster'))).toEqual([
      [
        'cannot see the cluster: the monitoring has not reached the cluster',
        { next: expect.stringContaining('kubectl config view --minify') },
      ],
    ]);

    probeRound(true);
    rt.round(view, clock.now());
    expect((await page(rt)).components.find((c) => c.name === 'Nodes')?.status).toBe('operational');
    expect((await rt.app.request('/healthz')).status).toBe(200);
    await rt.close();
  });

  it('says the same when the API server answers 401: the credentials, not the cluster', async () => {
    const clock = new ManualClock(t0);
    const rt = new ServeRuntime({ clock, cluster: 'prod', token: 'a-token-of-at-least-16-chars' });
    const view = new ClusterView();
    for (let i = 0; i < 3; i++) {
      for (const check of ['livez', 'readyz', 'version'] as const)
        view.apply({
          type: 'probe',
          check,
          ok: false,
          latencyMs: 2,
          status: 401,
          error: `https://10.0.0.1:6443/${check}: Unauthorized`,
          atMs: clock.now(),
        });
      rt.round(view, clock.now());
      clock.advance(5_000);
    }
    const p = await page(rt);
    expect(p.components.map((c) => c.status)).not.toContain('operational');
    expect(p.status.description).toBe("Status unknown: the cluster refuses the monitoring's credentials");
    const health = await rt.app.request('/healthz');
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      cannotSee: "the cluster refuses the monitoring's credentials",
    });
    await rt.close();
  });
});
