/**
 * Status-page subscribers through serve: added and removed with the API, kept in the store,
 * told of a public update only once a person publishes it (never of the draft), of a
 * maintenance scheduled, and of the components the page shows in another state.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait-for.ts';
import { t0 } from '../detect/fixtures.ts';
import { openStore } from '../incident/store/open-store.ts';
import type { IncidentStore } from '../incident/store/store.ts';
import { rfc3339 } from '../time/clock.ts';
import { ManualClock } from '../time/manual-clock.ts';
import { roundsUntilIncident } from './serve-fixtures.ts';
import { ServeRuntime } from './serve-runtime.ts';

const token = 'a-token-of-at-least-16-chars';
const json = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const hook = 'https://hooks.example.com/in/T0123/s3cr3t?key=abcdef';

let dir: string;
let store: IncidentStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kt-rt-subs-'));
  store = await openStore({ dataDir: dir, cluster: 'prod' });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function runtime(clock: ManualClock) {
  const posted: Record<string, unknown>[] = [];
  const mailed: string[] = [];
  const rt = new ServeRuntime({
    clock,
    store,
    cluster: 'prod',
    token,
    autoPublish: false,
    subscribers: {
      clock,
      publicUrl: 'https://status.example',
      fetch: (async (_url: string | URL | Request, init?: RequestInit) => {
        posted.push(JSON.parse(String(init?.body)));
        return new Response('ok');
      }) as typeof fetch,
      mail: {
        from: 'status@example.com',
        send: async (message) => {
          mailed.push(message);
          return { ok: true };
        },
      },
    },
  });
  const api = (method: string, path: string, body?: unknown) =>
    rt.app.request(path, { method, headers: json, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { rt, posted, mailed, api };
}

describe('status-page subscribers in serve', () => {
  it('are told of published updates and maintenances, never of drafts', async () => {
    const clock = new ManualClock(t0);
    const { rt, posted, mailed, api } = runtime(clock);
    const added = await api('POST', '/api/subscribers', { kind: 'webhook', url: hook, author: 'ana' });
    expect(added.status).toBe(201);
    expect(((await added.json()) as { subscriber: { endpoint: string } }).subscriber.endpoint).toBe(
      'https://hooks.example.com/…',
    );
    clock.advance(1_000);
    expect((await api('POST', '/api/subscribers', { kind: 'email', email: 'ops@example.com' })).status).toBe(
      201,
    );
    const listed = (await (await api('GET', '/api/subscribers')).json()) as {
      subscribers: { endpoint: string }[];
    };
    expect(listed.subscribers.map((s) => s.endpoint)).toEqual([
      'https://hooks.example.com/…',
      'ops@example.com',
    ]);
    expect(JSON.stringify(listed)).not.toContain('s3cr3t');

    // The API server stops answering: an incident opens, its public update waits as a draft.
    const incident = roundsUntilIncident(rt, clock)!;
    expect(rt.desk.draft(incident.id)).toBeDefined();
    await rt.delivery.flush();
    // What the page shows did change, and component updates say so (Statuspage sends those too).
    await waitFor('a component update', () => posted.some((p) => 'component_update' in p));
    const told = posted.find((p) => 'component_update' in p);
    expect(told).toMatchObject({
      page: { id: 'prod', url: 'https://status.example/status' },
      component_update: { component_id: 'Control plane', old_status: 'operational' },
      component: { id: 'Control plane', name: 'Control plane' },
    });
    const incidentsTold = () =>
      posted.filter((p) => 'incident' in p) as {
        incident: { id: string; incident_updates: { body: string }[] };
      }[];
    expect(incidentsTold()).toEqual([]);

    const published = await api('POST', `/api/incidents/${incident.id}/draft/publish`, {
      message: 'The cluster API is not answering; we are on it.',
    });
    expect(published.status).toBe(201);
    await rt.delivery.flush();
    expect(incidentsTold().map((p) => [p.incident.id, p.incident.incident_updates[0].body])).toEqual([
      [incident.id, 'The cluster API is not answering; we are on it.'],
    ]);
    expect(mailed.some((m) => m.includes('The cluster API is not answering; we are on it.'))).toBe(true);

    const scheduled = await api('POST', '/api/maintenances', {
      name: 'Control plane upgrade',
      scheduledFor: rfc3339(clock.now() + 3_600_000),
      scheduledUntil: rfc3339(clock.now() + 7_200_000),
      components: ['Control plane'],
    });
    expect(scheduled.status).toBe(201);
    await rt.delivery.flush();
    expect(incidentsTold().at(-1)?.incident).toMatchObject({
      id: 'MNT-0001',
      status: 'scheduled',
      impact: 'maintenance',
      scheduled_for: rfc3339(clock.now() + 3_600_000),
    });
    await rt.close();
  });

  it('are kept in the store, removed with the API, and checked on the way in', async () => {
    const clock = new ManualClock(t0);
    const first = runtime(clock);
    const add = await first.api('POST', '/api/subscribers', { kind: 'email', email: 'ops@example.com' });
    const { subscriber } = (await add.json()) as { subscriber: { id: string } };
    for (const [body, error] of [
      [{ kind: 'pager', url: hook }, 'kind'],
      [{ kind: 'webhook', url: 'ftp://example.com/x' }, 'url: must be an http:// or https:// URL'],
      [{ kind: 'email', email: 'ops@example.com\r\nBcc: x@example.com' }, 'email: must be an e-mail address'],
    ] as const) {
      const r = await first.api('POST', '/api/subscribers', body);
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: string }).error).toContain(error);
    }
    await first.rt.close();
    store = await openStore({ dataDir: dir, cluster: 'prod' });
    const second = runtime(clock);
    await second.rt.restore(clock.now());
    expect(second.rt.subscribers.list().map((s) => s.id)).toEqual([subscriber.id]);
    expect((await second.api('DELETE', `/api/subscribers/${subscriber.id}`)).status).toBe(204);
    expect((await second.api('DELETE', `/api/subscribers/${subscriber.id}`)).status).toBe(404);
    expect(await store.listSubscribers()).toEqual([]);
    await second.rt.close();
  });
});
