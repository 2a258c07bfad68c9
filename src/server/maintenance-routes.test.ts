/**
 * Scheduled maintenance through serve's API, onto the public page (JSON in Statuspage's
 * summary shape, and HTML), moved by the window's clock, and kept in the store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { t0 } from '../incident/fixtures.ts';
import type { Maintenance } from '../incident/maintenance.ts';
import { openStore } from '../incident/store/open-store.ts';
import { type IncidentStore, StoreUnavailableError } from '../incident/store/store.ts';
import { IncidentTracker } from '../incident/tracker.ts';
import type { StatusPage } from '../publish/status-page.ts';
import { rfc3339 } from '../time/clock.ts';
import { ManualClock } from '../time/manual-clock.ts';
import { createApp } from './app.ts';
import { IncidentDesk } from './desk.ts';
import { MaintenanceBook, type MaintenanceEvent } from './maintenance-book.ts';

const token = 'test-token-0123456789abcdef';
const json = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const h = 3_600_000;

let dir: string;
let store: IncidentStore;
let clock: ManualClock;
let book: MaintenanceBook;
let events: string[];
let app: ReturnType<typeof createApp>;

function serve(on: IncidentStore = store) {
  const desk = new IncidentDesk({ tracker: new IncidentTracker(), store: on });
  book = new MaintenanceBook({ store: on });
  events = [];
  book.onEvent((m: Maintenance, e: MaintenanceEvent) => events.push(`${m.id} ${e} ${m.status}`));
  app = createApp({
    desk,
    clock,
    token,
    cluster: 'test',
    pageName: 'Test',
    findings: () => [],
    maintenances: book,
  });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kt-mnt-'));
  store = await openStore({ dataDir: dir, cluster: 'test' });
  clock = new ManualClock(t0);
  serve();
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const page = async () => (await (await app.request('/status.json')).json()) as StatusPage;
const shown = (p: StatusPage, name: string) => p.components.find((c) => c.name === name)?.status;
const schedule = (body: Record<string, unknown>) =>
  app.request('/api/maintenances', { method: 'POST', headers: json, body: JSON.stringify(body) });
const upgrade = {
  name: 'Node pool upgrade to 1.31',
  scheduledFor: rfc3339(t0 + 2 * h),
  scheduledUntil: rfc3339(t0 + 4 * h),
  components: ['Nodes', 'Workloads'],
  message: 'Nodes are replaced one by one; pods move as they drain.',
  author: 'alice',
};

describe('scheduled maintenance', () => {
  it('is announced, starts and completes by its window, and shows its components under maintenance meanwhile', async () => {
    const r = await schedule(upgrade);
    expect(r.status).toBe(201);
    const { maintenance } = (await r.json()) as { maintenance: Maintenance };
    expect(maintenance).toMatchObject({ id: 'MNT-0001', status: 'scheduled', author: 'alice' });

    const before = await page();
    expect(before.scheduled_maintenances).toEqual([
      {
        id: 'MNT-0001',
        name: 'Node pool upgrade to 1.31',
        status: 'scheduled',
        impact: 'maintenance',
        created_at: rfc3339(t0),
        updated_at: rfc3339(t0),
        resolved_at: null,
        scheduled_for: rfc3339(t0 + 2 * h),
        scheduled_until: rfc3339(t0 + 4 * h),
        components: ['Nodes', 'Workloads'],
        incident_updates: [
          {
            status: 'scheduled',
            body: 'Nodes are replaced one by one; pods move as they drain.',
            created_at: rfc3339(t0),
          },
        ],
      },
    ]);
    expect(shown(before, 'Nodes')).toBe('operational');
    expect(before.status).toEqual({ indicator: 'none', description: 'All Systems Operational' });
    expect(await (await app.request('/status')).text()).toContain('Scheduled maintenance');

    clock.advance(t0 + 2 * h + 5_000 - clock.now());
    await book.tick(clock.now());
    const during = await page();
    expect(during.scheduled_maintenances[0].status).toBe('in_progress');
    expect(during.scheduled_maintenances[0].incident_updates[0]).toEqual({
      status: 'in_progress',
      body: 'Scheduled maintenance is currently in progress. We will provide updates as necessary.',
      created_at: rfc3339(t0 + 2 * h),
    });
    expect(shown(during, 'Nodes')).toBe('under_maintenance');
    expect(shown(during, 'Workloads')).toBe('under_maintenance');
    expect(shown(during, 'DNS')).toBe('operational');
    expect(during.status).toEqual({ indicator: 'maintenance', description: 'Service Under Maintenance' });
    const html = await (await app.request('/status')).text();
    expect(html).toContain('Under maintenance');
    expect(html).toContain('In progress');

    clock.advance(t0 + 4 * h + 5_000 - clock.now());
    await book.tick(clock.now());
    const after = await page();
    expect(after.scheduled_maintenances).toEqual([]);
    expect(shown(after, 'Nodes')).toBe('operational');
    expect(events).toEqual([
      'MNT-0001 scheduled scheduled',
      'MNT-0001 started in_progress',
      'MNT-0001 completed completed',
    ]);

    // All of it is in the store: a restarted serve finds the maintenance and its updates.
    const again = new MaintenanceBook({ store });
    expect(await again.restore()).toBe(1);
    expect(again.get('MNT-0001')?.updates.map((u) => [u.status, u.author])).toEqual([
      ['scheduled', 'alice'],
      ['in_progress', 'kubetriage'],
      ['completed', 'kubetriage'],
    ]);
  });

  it('shows the window by its clock even before the next round moves it', async () => {
    await schedule(upgrade);
    clock.advance(t0 + 3 * h - clock.now());
    expect(shown(await page(), 'Nodes')).toBe('under_maintenance');
  });

  it('is moved by a person: verifying, then completed early, and nothing after that', async () => {
    await schedule({ ...upgrade, scheduledFor: rfc3339(t0 + 60_000), autoComplete: false });
    clock.advance(t0 + 2 * 60_000 - clock.now());
    await book.tick(clock.now());
    const post = (body: Record<string, unknown>) =>
      app.request('/api/maintenances/MNT-0001/updates', {
        method: 'POST',
        headers: json,
        body: JSON.stringify(body),
      });
    expect(
      (await post({ status: 'verifying', message: 'All nodes replaced; checking workloads.' })).status,
    ).toBe(201);
    expect(shown(await page(), 'Nodes')).toBe('under_maintenance');
    expect((await post({ status: 'scheduled' })).status).toBe(409);
    const done = await post({ status: 'completed', author: 'bob' });
    expect(done.status).toBe(201);
    expect(((await done.json()) as { maintenance: Maintenance }).maintenance.updates.at(-1)).toMatchObject({
      status: 'completed',
      message: 'The scheduled maintenance has been completed.',
      author: 'bob',
    });
    expect((await page()).scheduled_maintenances).toEqual([]);
    expect((await post({ message: 'one more thing' })).status).toBe(409);
    expect(events).toEqual([
      'MNT-0001 scheduled scheduled',
      'MNT-0001 started in_progress',
      'MNT-0001 updated verifying',
      'MNT-0001 completed completed',
    ]);
  });

  it.each([
    [{ ...upgrade, scheduledUntil: upgrade.scheduledFor }, 400, 'scheduledUntil: must be after scheduledFor'],
    [
      { ...upgrade, scheduledFor: rfc3339(t0 - 4 * h), scheduledUntil: rfc3339(t0 - 2 * h) },
      400,
      'scheduledUntil: the window has already ended',
    ],
    [{ ...upgrade, components: ['Kettle'] }, 400, 'components.0'],
    [{ ...upgrade, components: [] }, 400, 'components'],
    [{ ...upgrade, scheduledFor: 'tomorrow' }, 400, 'scheduledFor: must be an RFC 3339 time'],
    [{ ...upgrade, name: '' }, 400, 'name'],
  ])('refuses a bad window or component (%#)', async (body, status, error) => {
    const r = await schedule(body);
    expect(r.status).toBe(status);
    expect(((await r.json()) as { error: string }).error).toContain(error);
    expect(await store.listMaintenances()).toEqual([]);
  });

  it('answers 404 for a maintenance it does not have, and 401 without the token', async () => {
    const r = await app.request('/api/maintenances/MNT-0042/updates', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ message: 'hello' }),
    });
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({
      error: 'no maintenance MNT-0042',
      hint: 'GET /api/maintenances lists them',
    });
    expect((await app.request('/api/maintenances')).status).toBe(401);
  });
});

describe('maintenance and subscribers while the store is away', () => {
  it('answers 503 and changes nothing: the page and the books are as before', async () => {
    const failing = Object.create(store) as IncidentStore;
    failing.saveMaintenance = async () => {
      throw new StoreUnavailableError('connection refused', { hint: 'see /healthz and retry' });
    };
    failing.addSubscriber = failing.saveMaintenance as unknown as IncidentStore['addSubscriber'];
    serve(failing);
    const r = await app.request('/api/maintenances', {
      method: 'POST',
      headers: json,
      body: JSON.stringify(upgrade),
    });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('5');
    expect(book.list()).toEqual([]);
    expect(((await (await app.request('/status.json')).json()) as StatusPage).scheduled_maintenances).toEqual(
      [],
    );
    expect(await store.listMaintenances()).toEqual([]);
    const sub = await app.request('/api/subscribers', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ kind: 'webhook', url: 'https://hooks.example.com/x' }),
    });
    expect(sub.status).toBe(503);
    expect(
      ((await (await app.request('/api/subscribers', { headers: json })).json()) as { subscribers: [] })
        .subscribers,
    ).toEqual([]);
  });
});
