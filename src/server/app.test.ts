import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hypothesis, t0 } from '../incident/fixtures.ts';
import type { Incident } from '../incident/incident.ts';
import { openStore } from '../incident/store/open-store.ts';
import type { IncidentStore } from '../incident/store/store.ts';
import { IncidentTracker } from '../incident/tracker.ts';
import type { StatusPage } from '../publish/status-page.ts';
import { ManualClock } from '../time/manual-clock.ts';
import { createApp } from './app.ts';
import { IncidentDesk } from './desk.ts';
import { openIncident as openTestIncident } from './fixtures.ts';

const token = 'test-token-0123456789abcdef';
const auth = { authorization: `Bearer ${token}` };
const json = { ...auth, 'content-type': 'application/json' };

let dir: string;
let store: IncidentStore;
let clock: ManualClock;
let tracker: IncidentTracker;
let desk: IncidentDesk;
let app: ReturnType<typeof createApp>;
let notified: string[];

const openIncident = (): Incident => openTestIncident({ desk, tracker, clock });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kt-app-'));
  store = await openStore({ dataDir: dir, cluster: 'test' });
  clock = new ManualClock(t0);
  tracker = new IncidentTracker();
  notified = [];
  desk = new IncidentDesk({
    tracker,
    store,
    listeners: [{ notify: (c) => notified.push(`${c.incident.id} ${c.what}`) }],
  });
  app = createApp({ desk, clock, token, cluster: 'test', pageName: 'Test cluster', findings: () => [] });
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('serve API', () => {
  it('keeps the status page and health public and everything else behind the token', async () => {
    expect((await app.request('/status')).status).toBe(200);
    expect((await app.request('/status.json')).status).toBe(200);
    expect((await app.request('/healthz')).status).toBe(200);
    const denied = await app.request('/api/incidents');
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toContain('Bearer');
    expect((await app.request('/api/incidents', { headers: { authorization: 'Bearer wrong' } })).status).toBe(
      401,
    );
    expect((await app.request('/metrics')).status).toBe(401);
    expect((await app.request('/api/incidents', { headers: auth })).status).toBe(200);
  });

  it('posts the automatic status update when an incident opens, and stores it', async () => {
    const i = openIncident();
    await desk.flush();
    expect(notified).toEqual([`${i.id} opened`]);
    const page = (await (await app.request('/status.json')).json()) as StatusPage;
    expect(page.incidents[0].incident_updates[0].status).toBe('identified');
    const stored = await store.getIncident(i.id);
    expect(stored?.updates.map((u) => u.status)).toEqual(['identified']);
  });

  it('takes notes, actions and a status change by hand, with the operator as author, into the store', async () => {
    const i = openIncident();
    clock.advance(t0 + 5 * 60_000 - clock.now());
    const note = await app.request(`/api/incidents/${i.id}/notes`, {
      method: 'POST',
      headers: { ...json, 'x-kubetriage-user': 'alice' },
      body: JSON.stringify({ text: 'looking at the pool' }),
    });
    expect(note.status).toBe(201);
    await app.request(`/api/incidents/${i.id}/actions`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ text: 'drained aks-1', author: 'bob', at: '2026-01-01T15:04:00Z' }),
    });
    const res = await app.request(`/api/incidents/${i.id}/status`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ status: 'monitoring', message: 'A fix is in place; watching.', author: 'bob' }),
    });
    expect(res.status).toBe(200);
    await desk.flush();
    const stored = (await store.getIncident(i.id))!;
    const tail = stored.timeline.slice(-3).map((e) => [e.kind, e.author, e.atMs]);
    expect(tail).toEqual([
      ['note', 'alice', t0 + 5 * 60_000],
      ['action', 'bob', Date.parse('2026-01-01T15:04:00Z')],
      ['status', undefined, t0 + 5 * 60_000],
    ]);
    expect(stored.status).toBe('monitoring');
    expect(stored.updates.at(-1)).toEqual({
      atMs: t0 + 5 * 60_000,
      status: 'monitoring',
      message: 'A fix is in place; watching.',
      author: 'bob',
    });
    expect(notified.at(-1)).toBe(`${i.id} status`);
  });

  it('records which named token wrote a change, whatever author the client claims', async () => {
    const named = createApp({
      desk,
      clock,
      token: [
        { name: 'ci', token: 'ci-token-0123456789abcdef' },
        { name: 'laptop-bob', token: 'bob-token-0123456789abcdef' },
      ],
      cluster: 'test',
      pageName: 'Test cluster',
      findings: () => [],
    });
    const i = openIncident();
    const post = (path: string, bearer: string, body: object) =>
      named.request(path, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(`/api/incidents/${i.id}/notes`, token, { text: 'x' })).status).toBe(401);
    const note = await post(`/api/incidents/${i.id}/notes`, 'ci-token-0123456789abcdef', {
      text: 'all clear from me',
      author: 'alice',
    });
    expect(((await note.json()) as Incident).timeline).toEqual([
      expect.objectContaining({ author: 'alice', via: 'ci' }),
    ]);
    await post(`/api/incidents/${i.id}/updates`, 'bob-token-0123456789abcdef', {
      message: 'Looking into it.',
    });
    await post('/api/actions', 'bob-token-0123456789abcdef', { text: 'scaled web', author: 'carol' });
    await desk.flush();
    const stored = (await store.getIncident(i.id))!;
    expect(stored.timeline.at(-1)).toMatchObject({ text: 'all clear from me', author: 'alice', via: 'ci' });
    expect(stored.updates.at(-1)).toMatchObject({ author: 'operator', via: 'laptop-bob' });
    expect(await store.listActions()).toEqual([
      expect.objectContaining({ author: 'carol', via: 'laptop-bob' }),
    ]);
  });

  it('stores a note without the characters that could disguise it', async () => {
    const i = openIncident();
    const res = await app.request(`/api/incidents/${i.id}/notes`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ text: 'rolled back\r\n\u001b[2K\u202Eby alice' }),
    });
    expect(res.status).toBe(201);
    expect(i.timeline.at(-1)?.text).toBe('rolled back\n[2Kby alice');
  });

  it('sets status-page component states with a public update, and keeps them in the store', async () => {
    const i = openIncident();
    const res = await app.request(`/api/incidents/${i.id}/updates`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ message: 'DNS lookups fail too.', components: { DNS: 'major_outage' } }),
    });
    expect(res.status).toBe(201);
    const page = (await (await app.request('/status.json')).json()) as StatusPage;
    expect(page.components.find((c) => c.name === 'DNS')?.status).toBe('major_outage');
    expect(page.status.indicator).toBe('critical');
    await desk.flush();
    expect((await store.getIncident(i.id))?.updates.at(-1)?.components).toEqual({ DNS: 'major_outage' });
  });

  it('as a follower, answers reads, refuses changes and is not ready', async () => {
    const i = openIncident();
    let follower = true;
    const replica = createApp({
      desk,
      clock,
      token,
      cluster: 'test',
      pageName: 'Test cluster',
      findings: () => [],
      readOnlyBecause: () => (follower ? 'replica-b is a follower' : undefined),
    });
    const post = () =>
      replica.request(`/api/incidents/${i.id}/notes`, {
        method: 'POST',
        headers: json,
        body: '{"text": "x"}',
      });
    const before = i.timeline.length;
    expect((await replica.request('/readyz')).status).toBe(503);
    expect((await replica.request(`/api/incidents/${i.id}`, { headers: auth })).status).toBe(200);
    const refused = await post();
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: 'replica-b is a follower' });
    expect(i.timeline.length).toBe(before);
    follower = false;
    expect((await replica.request('/readyz')).status).toBe(200);
    expect((await post()).status).toBe(201);
  });

  it('refuses bad input with a 4xx that names the field, and records nothing', async () => {
    const i = openIncident();
    const before = i.timeline.length;
    const cases: [string, RequestInit, number, string][] = [
      [
        `/api/incidents/${i.id}/notes`,
        { method: 'POST', headers: json, body: '{"text": ' },
        400,
        'not valid JSON',
      ],
      [`/api/incidents/${i.id}/notes`, { method: 'POST', headers: json, body: '{"text": ""}' }, 400, 'text'],
      [`/api/incidents/${i.id}/notes`, { method: 'POST', headers: auth, body: 'hi' }, 415, 'JSON'],
      [
        `/api/incidents/${i.id}/status`,
        { method: 'POST', headers: json, body: '{"status": "fixed"}' },
        400,
        'status',
      ],
      [
        `/api/incidents/${i.id}/notes`,
        { method: 'POST', headers: json, body: '{"text": "x", "at": "yesterday"}' },
        400,
        'at',
      ],
      ...(
        [
          ['"March 1, 2026 15:00"', 'at: must be an RFC 3339 time'],
          ['"+275760-09-13T00:00:00Z"', 'at: must be an RFC 3339 time'],
          ['"1970-01-01T00:00:00Z"', 'at: must not be before 2000'],
          ['"2026-01-03T15:02:00Z"', 'at: must not be more than a day ahead'],
        ] as const
      ).map(([at, mention]): [string, RequestInit, number, string] => [
        `/api/incidents/${i.id}/notes`,
        { method: 'POST', headers: json, body: `{"text": "x", "at": ${at}}` },
        400,
        mention,
      ]),
      [
        `/api/incidents/${i.id}/notes`,
        { method: 'POST', headers: json, body: JSON.stringify({ text: 'x', author: 'mallory\u202Eecila' }) },
        400,
        'author: must not contain control or bidirectional',
      ],
      ...['x'.repeat(101), 'alice\u0085', ' '].map((user): [string, RequestInit, number, string] => [
        `/api/incidents/${i.id}/notes`,
        { method: 'POST', headers: { ...json, 'x-kubetriage-user': user }, body: '{"text": "x"}' },
        400,
        'X-Kubetriage-User',
      ]),
      [
        '/api/incidents/INC-9999/notes',
        { method: 'POST', headers: json, body: '{"text": "x"}' },
        404,
        'INC-9999',
      ],
      ['/api/incidents?status=bogus', { headers: auth }, 400, 'status'],
      [
        `/api/incidents/${i.id}/updates`,
        {
          method: 'POST',
          headers: json,
          body: '{"message": "x", "components": {"Database": "major_outage"}}',
        },
        400,
        'components',
      ],
      [
        `/api/incidents/${i.id}/updates`,
        { method: 'POST', headers: json, body: '{"message": "x", "components": {"DNS": "down"}}' },
        400,
        'components',
      ],
    ];
    for (const [path, init, status, mention] of cases) {
      const res = await app.request(path, init);
      expect(res.status, path).toBe(status);
      expect(JSON.stringify(await res.json())).toContain(mention);
    }
    expect(i.timeline.length).toBe(before);
  });

  it('serves the postmortem of an incident and lists incidents from memory and store', async () => {
    const i = openIncident();
    await app.request('/api/actions', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ text: 'upgraded the node image', at: '2026-01-01T14:00:00Z', author: 'carol' }),
    });
    const md = await (await app.request(`/api/incidents/${i.id}/postmortem`, { headers: auth })).text();
    expect(md).toContain(`# Postmortem (draft): ${i.top.title}, ${i.id}`);
    expect(md).toContain('| 2026-01-01T14:00:00Z | action | upgraded the node image (carol) |');
    const html = await app.request(`/api/incidents/${i.id}/postmortem?format=html`, { headers: auth });
    expect(html.headers.get('content-type')).toContain('text/html');
    const list = (await (await app.request('/api/incidents?status=open', { headers: auth })).json()) as {
      incidents: Incident[];
    };
    expect(list.incidents.map((x: Incident) => x.id)).toEqual([i.id]);
  });

  it('reports a failing store on /healthz and keeps the changes to write them later', async () => {
    const i = openIncident();
    await desk.flush();
    const real = store.saveIncidents.bind(store);
    let failing = true;
    store.saveIncidents = async (list) => {
      if (failing) throw new Error('database is locked');
      return real(list);
    };
    desk.note(i.id, 'still here', { atMs: t0 + 60_000, author: 'alice' });
    await desk.flush();
    const health = await app.request('/healthz');
    expect(health.status).toBe(503);
    expect(((await health.json()) as { storeError: string }).storeError).toContain('database is locked');
    // The process itself lives on: liveness must not restart it and lose what waits in memory.
    expect((await app.request('/livez')).status).toBe(200);
    failing = false;
    desk.note(i.id, 'and again', { atMs: t0 + 120_000, author: 'alice' });
    await desk.flush();
    const stored = (await store.getIncident(i.id))!;
    expect(stored.timeline.slice(-2).map((e) => e.text)).toEqual(['still here', 'and again']);
    expect((await app.request('/healthz')).status).toBe(200);
  });

  it('continues incident ids after a restart from the store', async () => {
    openIncident();
    await desk.flush();
    const t2 = new IncidentTracker();
    const desk2 = new IncidentDesk({ tracker: t2, store });
    expect(await desk2.restore(t0)).toBe(1);
    expect(t2.open().map((i) => i.id)).toEqual(['INC-0001']);
    const other = hypothesis({ pattern: 'control-plane-unreachable', sinceMs: t0 });
    t2.update({ hypotheses: [other], findings: [] }, t0 + 30_000);
    const [opened] = t2.update({ hypotheses: [other], findings: [] }, t0 + 40_000);
    expect(opened.incident.id).toBe('INC-0002');
  });
});
