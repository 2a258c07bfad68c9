import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionItem, SuggestedActionItem } from '../incident/action-items.ts';
import { t0 } from '../incident/fixtures.ts';
import type { Incident } from '../incident/incident.ts';
import { openStore } from '../incident/store/open-store.ts';
import type { IncidentStore } from '../incident/store/store.ts';
import { IncidentTracker } from '../incident/tracker.ts';
import { ManualClock } from '../time/manual-clock.ts';
import { createApp } from './app.ts';
import { maxBodyBytes } from './body-size.ts';
import { IncidentDesk } from './desk.ts';
import { openIncident } from './fixtures.ts';

const laptop = 'alice-laptop-token-0123456789';
const plain = 'plain-token-0123456789abcdef';

let dir: string;
let store: IncidentStore | undefined;
let clock: ManualClock;
let app: ReturnType<typeof createApp>;
let incident: Incident;

async function setUp(withStore: boolean) {
  dir = await mkdtemp(join(tmpdir(), 'kt-items-'));
  store = withStore ? await openStore({ dataDir: dir, cluster: 'test' }) : undefined;
  clock = new ManualClock(t0);
  const tracker = new IncidentTracker();
  const desk = new IncidentDesk({ tracker, store });
  app = createApp({
    desk,
    clock,
    token: [{ name: 'laptop-alice', token: laptop }, { token: plain }],
    cluster: 'test',
    pageName: 'Test',
    findings: () => [],
  });
  incident = openIncident({ desk, tracker, clock });
  // The pipeline's diagnosis carries prevention advice; the fixture's has none.
  incident.top.prevention = ['Alert on NotReady nodes by pool', 'Stagger node OS updates'];
}

const send = (method: string, path: string, body?: unknown, o: { bearer?: string; headers?: object } = {}) =>
  app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${o.bearer ?? laptop}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...o.headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
const items = () => `/api/incidents/${incident.id}/action-items`;
const listed = async () =>
  (await (await send('GET', items())).json()) as { items: ActionItem[]; suggestions: SuggestedActionItem[] };

afterEach(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('action items over the API', () => {
  beforeEach(() => setUp(true));

  it('offers the diagnosis advice as suggestions until one is accepted, by the person and token that accepted it', async () => {
    expect(await listed()).toStrictEqual({
      id: incident.id,
      items: [],
      suggestions: [
        { text: 'Alert on NotReady nodes by pool', type: 'detect' },
        { text: 'Stagger node OS updates', type: 'prevent' },
      ],
    });
    clock.advance(60_000);
    const res = await send(
      'POST',
      items(),
      { text: 'Stagger node OS updates', owner: 'team-nodes', dueDate: '2026-02-15' },
      { headers: { 'x-kubetriage-user': 'alice' } },
    );
    expect(res.status).toBe(201);
    const { item } = (await res.json()) as { item: ActionItem };
    expect(item).toMatchObject({
      incidentId: incident.id,
      text: 'Stagger node OS updates',
      type: 'prevent',
      owner: 'team-nodes',
      dueDate: '2026-02-15',
      status: 'open',
      createdBy: 'alice',
      createdVia: 'laptop-alice',
      createdAtMs: clock.now(),
    });
    // In the store, not only in the answer.
    expect(await store?.listActionItems(incident.id)).toStrictEqual([item]);
    const now = await listed();
    expect(now.items).toStrictEqual([item]);
    expect(now.suggestions.map((s) => s.text)).toEqual(['Alert on NotReady nodes by pool']);
    // Accepting it again from another screen gives the same item.
    const again = await send('POST', items(), { text: 'Stagger node OS updates' }, { bearer: plain });
    expect(((await again.json()) as { item: ActionItem }).item.id).toBe(item.id);
    expect((await listed()).items).toHaveLength(1);
  });

  it('edits owner, due date, status and text in place, and clears with null', async () => {
    const { item } = (await (await send('POST', items(), { text: 'Pin the node image' })).json()) as {
      item: ActionItem;
    };
    clock.advance(3_600_000);
    const res = await send(
      'PATCH',
      `${items()}/${item.id}`,
      {
        owner: 'bob',
        dueDate: '2026-03-01',
        status: 'done',
        text: 'Pin the node image per pool',
        author: 'carol',
      },
      { bearer: plain },
    );
    expect(res.status).toBe(200);
    const edited = ((await res.json()) as { item: ActionItem }).item;
    expect(edited).toMatchObject({
      owner: 'bob',
      dueDate: '2026-03-01',
      status: 'done',
      text: 'Pin the node image per pool',
      createdBy: 'operator',
      createdVia: 'laptop-alice',
      updatedBy: 'carol',
      updatedAtMs: clock.now(),
    });
    expect('updatedVia' in edited).toBe(false);
    const cleared = await send('PATCH', `${items()}/${item.id}`, { owner: null, dueDate: null });
    const after = ((await cleared.json()) as { item: ActionItem }).item;
    expect(after.owner).toBeUndefined();
    expect(after.dueDate).toBeUndefined();
    expect(after.status).toBe('done');
    expect(await store?.listActionItems(incident.id)).toStrictEqual([after]);
  });

  it('refuses what is not an action item, saying which field and why', async () => {
    const refused = async (method: string, path: string, body: unknown, status: number, error: RegExp) => {
      const res = await send(method, path, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      const b = (await res.json()) as { error: string; hint?: string };
      expect(b.error).toMatch(error);
    };
    await refused(
      'POST',
      items(),
      { text: 'x', dueDate: '2026-02-30' },
      400,
      /^dueDate: must be an RFC 3339 date/,
    );
    await refused('POST', items(), { text: 'x', dueDate: '2026-02-01T00:00:00Z' }, 400, /^dueDate:/);
    await refused('POST', items(), { text: 'x', type: 'blame' }, 400, /^type:/);
    await refused('POST', items(), { text: '   ' }, 400, /^text:/);
    await refused('POST', items(), { text: 'x', owner: 'a\u202Eb' }, 400, /^owner:/);
    await refused('POST', items(), 'not json', 400, /not valid JSON/);
    await refused('POST', '/api/incidents/INC-9999/action-items', { text: 'x' }, 404, /no incident INC-9999/);
    const { item } = (await (await send('POST', items(), { text: 'Pin the node image' })).json()) as {
      item: ActionItem;
    };
    await send('POST', items(), { text: 'Alert on pools' });
    await refused('PATCH', `${items()}/${item.id}`, {}, 400, /at least one of/);
    await refused('PATCH', `${items()}/${item.id}`, { status: 'closed' }, 400, /^status:/);
    await refused('PATCH', `${items()}/${item.id + 100}`, { status: 'done' }, 404, /has no action item/);
    await refused('PATCH', `${items()}/abc`, { status: 'done' }, 400, /no action item "abc"/);
    await refused(
      'PATCH',
      `${items()}/${item.id}`,
      { text: 'Alert on pools' },
      409,
      /already has the action item/,
    );
    const big = await send('POST', items(), { text: 'x'.repeat(maxBodyBytes + 1) });
    expect(big.status).toBe(413);
    // Nothing refused changed anything.
    expect((await listed()).items.map((a) => a.text)).toEqual(['Pin the node image', 'Alert on pools']);
  });

  it('keeps the API behind the token', async () => {
    const res = await app.request(items());
    expect(res.status).toBe(401);
    const post = await app.request(items(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer wrong' },
      body: JSON.stringify({ text: 'x' }),
    });
    expect(post.status).toBe(401);
  });

  it('deletes once; a resent delete with its Idempotency-Key gets the first answer', async () => {
    const { item } = (await (await send('POST', items(), { text: 'Pin the node image' })).json()) as {
      item: ActionItem;
    };
    const key = { 'idempotency-key': 'del-1' };
    expect((await send('DELETE', `${items()}/${item.id}`, undefined, { headers: key })).status).toBe(204);
    expect((await send('DELETE', `${items()}/${item.id}`, undefined, { headers: key })).status).toBe(204);
    expect((await send('DELETE', `${items()}/${item.id}`)).status).toBe(404);
    expect(await store?.listActionItems(incident.id)).toEqual([]);
  });

  it('puts the stored items in the postmortem, Markdown and HTML', async () => {
    const { item } = (await (
      await send('POST', items(), {
        text: 'Stagger node OS updates',
        owner: 'team-nodes',
        dueDate: '2026-02-15',
      })
    ).json()) as { item: ActionItem };
    await send('PATCH', `${items()}/${item.id}`, { status: 'done' });
    const md = await (await send('GET', `/api/incidents/${incident.id}/postmortem`)).text();
    expect(md).toContain('| Stagger node OS updates | prevent | team-nodes | 2026-02-15 | done |');
    expect(md).toContain('- Alert on NotReady nodes by pool (detect)');
    const html = await (await send('GET', `/api/incidents/${incident.id}/postmortem?format=html`)).text();
    expect(html).toContain('<td>Stagger node OS updates</td><td>prevent</td><td>team-nodes</td>');
  });
});

describe('action items without a store', () => {
  beforeEach(() => setUp(false));

  it('are kept in memory, with the same answers', async () => {
    const res = await send('POST', items(), { text: 'Pin the node image', owner: 'bob' });
    expect(res.status).toBe(201);
    const { item } = (await res.json()) as { item: ActionItem };
    expect((await send('PATCH', `${items()}/${item.id}`, { status: 'done' })).status).toBe(200);
    expect((await listed()).items).toMatchObject([
      { text: 'Pin the node image', owner: 'bob', status: 'done' },
    ]);
  });
});
