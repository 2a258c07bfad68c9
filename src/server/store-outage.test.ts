/**
 * `serve --database-url` through PostgreSQL restarts (issue 22): the API and the desk on a
 * real server (test/support/postgres.ts) that is stopped, cut and started again under
 * them. The process must not crash, a 2xx must mean the change is in the database, changes
 * refused during the outage get 503, the pipeline's own changes reach the database once it
 * is back, and /healthz says which.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql, startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { eventually } from '../../test/support/wait-for.ts';
import { hypothesis, t0 } from '../incident/fixtures.ts';
import { openPostgresStore } from '../incident/store/postgres-store.ts';
import type { IncidentStore } from '../incident/store/store.ts';
import { IncidentTracker } from '../incident/tracker.ts';
import { ManualClock } from '../time/manual-clock.ts';
import { createApp } from './app.ts';
import { IncidentDesk } from './desk.ts';
import { openIncident } from './fixtures.ts';

const token = 'test-token-0123456789abcdef';
const json = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
/** Stopping the server needs the throwaway one; a server of the user's own is only cut. */
const canRestart = !process.env.KUBETRIAGE_TEST_DATABASE_URL;

let server: TestPostgres;
let url: string;
let cluster: string;
let store: IncidentStore;
let clock: ManualClock;
let tracker: IncidentTracker;
let desk: IncidentDesk;
let app: ReturnType<typeof createApp>;
/** Errors that reached the top of the process: each would have ended `serve`. */
const crashes: unknown[] = [];
const onCrash = (err: unknown) => crashes.push(err);

beforeAll(async () => {
  server = await startPostgres();
  url = await server.createDatabase();
  process.on('uncaughtException', onCrash);
});
afterAll(async () => {
  process.off('uncaughtException', onCrash);
  await server?.stop();
});

let clusters = 0;
beforeEach(async () => {
  crashes.length = 0;
  cluster = `outage-${++clusters}`;
  store = await openPostgresStore({ url, cluster });
  clock = new ManualClock(t0);
  tracker = new IncidentTracker();
  // Short backoff: the test's outages last a fraction of a second.
  desk = new IncidentDesk({ tracker, store, retry: { firstMs: 50, maxMs: 300 } });
  app = createApp({ desk, clock, token, cluster, pageName: 'Test', findings: () => [] });
});
afterEach(async () => {
  await desk.close();
  await store.close();
});

async function health(): Promise<{ status: number; store: string }> {
  const res = await app.request('/healthz');
  return { status: res.status, store: ((await res.json()) as { store: string }).store };
}

const healthIs = (status: number) =>
  eventually(
    `/healthz ${status}`,
    async () => ((await health()).status === status ? true : undefined),
    30_000,
  );

async function postNote(id: string, text: string, key: string): Promise<Response> {
  return app.request(`/api/incidents/${id}/notes`, {
    method: 'POST',
    headers: { ...json, 'idempotency-key': key },
    body: JSON.stringify({ text, author: 'alice' }),
  });
}

describe('the store through PostgreSQL restarts', () => {
  it.runIf(canRestart)(
    'survives 12 restarts under API writes: every 2xx is stored once, the outage answers 503, nothing doubles',
    async () => {
      const incident = openIncident({ desk, tracker, clock });
      await desk.durable();
      type Write = { key: string; status: number; duringOutage: boolean; retryAfter: string | null };
      const writes: Write[] = [];
      let down = false;
      let writing = true;
      let sent = 0;
      const writer = async (w: number) => {
        while (writing) {
          const key = `w${w}-${sent++}`;
          const wasDown = down;
          const res = await postNote(incident.id, `note ${key}`, key);
          writes.push({
            key,
            status: res.status,
            duringOutage: wasDown && down,
            retryAfter: res.headers.get('retry-after'),
          });
          // A client told to retry later waits a little (not Retry-After's 5 s: the outage is short).
          await new Promise((r) => setTimeout(r, res.status === 503 ? 50 : 3));
        }
      };
      const rounds = 12;
      let unhealthySeen = 0;
      const started = performance.now();
      const writers = Array.from({ length: 4 }, (_, w) => writer(w));
      try {
        for (let round = 0; round < rounds; round++) {
          await new Promise((r) => setTimeout(r, 150));
          // Even rounds cut the sessions in flight first (the server stays up), then every
          // round stops the server: fast mode ends sessions with "administrator command",
          // immediate drops them as a crash would.
          if (round % 2 === 0) await server.terminateSessions();
          const restart = await server.halt!(round % 2 ? 'immediate' : 'fast');
          down = true;
          await healthIs(503);
          unhealthySeen++;
          await new Promise((r) => setTimeout(r, 150));
          down = false;
          await restart();
          await healthIs(200);
        }
      } finally {
        // Also on failure: writers left running would write into the next test's desk.
        writing = false;
        await Promise.all(writers);
      }

      // What was refused is resent with its key: a change kept in memory answers as first
      // answered, one never taken is made now. Either way exactly once.
      const refused = writes.filter((w) => w.status === 503);
      const resent = await Promise.all(
        refused.map(async (w) => ({
          key: w.key,
          status: (await postNote(incident.id, `note ${w.key}`, w.key)).status,
        })),
      );
      expect(resent.filter((r) => r.status !== 201)).toEqual([]);
      const rows = await sql<{ text: string; n: number }>(
        url,
        `SELECT text, count(*)::int AS n FROM timeline
        WHERE cluster = $1 AND incident_id = $2 AND kind = 'note' GROUP BY text`,
        [cluster, incident.id],
      );
      const stored = new Map(rows.map((r) => [r.text, r.n]));
      const acknowledged = writes.filter((w) => w.status === 201);
      const lost = acknowledged.filter((w) => !stored.has(`note ${w.key}`));
      const doubled = rows.filter((r) => r.n > 1);
      console.log(
        `${Math.round(performance.now() - started)} ms: rounds ${rounds}, writes ${writes.length}, acknowledged ${acknowledged.length}, refused ${refused.length} ` +
          `(${writes.filter((w) => w.duringOutage).length} while down), lost ${lost.length}, ` +
          `doubled ${doubled.length}, crashes ${crashes.length}`,
      );
      expect(crashes).toEqual([]);
      expect(unhealthySeen).toBe(rounds);
      expect(writes.every((w) => w.status === 201 || w.status === 503)).toBe(true);
      expect(lost).toEqual([]);
      expect(doubled).toEqual([]);
      expect(writes.filter((w) => w.duringOutage).length).toBeGreaterThan(0);
      expect(writes.filter((w) => w.duringOutage && w.status !== 503)).toEqual([]);
      expect(refused.every((w) => w.retryAfter !== null)).toBe(true);
      // Every write made it exactly once in the end, and the record is the process's own.
      expect(stored.size).toBe(writes.length);
      const record = await store.getIncident(incident.id);
      expect(record?.timeline).toEqual(tracker.get(incident.id)?.timeline);
    },
    60_000,
  );

  it.runIf(canRestart)(
    "writes the pipeline's changes made during the outage once the database is back, without another round",
    async () => {
      const first = openIncident({ desk, tracker, clock });
      await desk.durable();
      const restart = await server.halt!('fast');
      // Rounds while the database is down: a second incident opens, the first moves on,
      // findings change. None of it can be written now.
      const other = hypothesis({ pattern: 'control-plane-unreachable', sinceMs: t0 });
      const finding = hypothesis({ pattern: 'crash-loop', clusterLevel: false, sinceMs: t0 });
      for (const at of [t0 + 30_000, t0 + 40_000]) {
        clock.advance(at - clock.now());
        desk.afterRound(at, tracker.update({ hypotheses: [other], findings: [finding] }, at), [finding]);
      }
      desk.note(first.id, 'runbook step while the database was down', {
        atMs: t0 + 41_000,
        author: 'runbook',
      });
      await healthIs(503);
      expect(desk.backlog).toBeGreaterThan(0);
      await restart();
      // No more rounds and no API calls: the retry alone must write the backlog.
      await healthIs(200);
      expect(desk.backlog).toBe(0);
      const fresh = await openPostgresStore({ url, cluster });
      try {
        for (const i of tracker.incidents()) expect(await fresh.getIncident(i.id)).toEqual(i);
        expect(tracker.incidents()).toHaveLength(2);
        expect((await fresh.listFindings()).map((f) => f.finding.pattern)).toEqual(['crash-loop']);
      } finally {
        await fresh.close();
      }
      expect(crashes).toEqual([]);
    },
  );

  it.runIf(canRestart)(
    'reports the store unavailable on /healthz while the database is down, and ok once it is back',
    async () => {
      const incident = openIncident({ desk, tracker, clock });
      await desk.durable();
      expect(await health()).toEqual({ status: 200, store: 'postgres' });
      const restart = await server.halt!('immediate');
      const refused = await postNote(incident.id, 'while down', 'k1');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBeTruthy();
      const down = await health();
      expect(down.status).toBe(503);
      expect(down.store).toMatch(/^unavailable: postgres .*ECONNREFUSED/);
      // Reads: what the process holds is served; what only the database has is a 503.
      const headers = { authorization: json.authorization };
      expect((await app.request(`/api/incidents/${incident.id}`, { headers })).status).toBe(200);
      const actions = await app.request('/api/actions', { headers });
      expect(actions.status).toBe(503);
      expect(actions.headers.get('retry-after')).toBeTruthy();
      await restart();
      await healthIs(200);
      expect(await health()).toEqual({ status: 200, store: 'postgres' });
      // The note taken before the write failed was kept and written: resending shows it once.
      expect((await postNote(incident.id, 'while down', 'k1')).status).toBe(201);
      const notes = (await store.getIncident(incident.id))?.timeline.filter((e) => e.text === 'while down');
      expect(notes).toHaveLength(1);
    },
  );

  it.runIf(canRestart)(
    'refuses action-item changes with 503 while the database is down, and takes the resent ones once',
    async () => {
      const incident = openIncident({ desk, tracker, clock });
      await desk.durable();
      const send = (method: string, path: string, body: object, key: string) =>
        app.request(`/api/incidents/${incident.id}/action-items${path}`, {
          method,
          headers: { ...json, 'idempotency-key': key },
          body: JSON.stringify(body),
        });
      const added = await send('POST', '', { text: 'Pin the node image' }, 'a1');
      expect(added.status).toBe(201);
      const { item } = (await added.json()) as { item: { id: number } };
      const restart = await server.halt!('immediate');
      const refused = [
        await send('POST', '', { text: 'Alert on pools' }, 'a2'),
        await send('PATCH', `/${item.id}`, { owner: 'team-nodes' }, 'p1'),
      ];
      expect(refused.map((r) => r.status)).toEqual([503, 503]);
      expect(refused.every((r) => r.headers.get('retry-after'))).toBe(true);
      await restart();
      expect((await send('POST', '', { text: 'Alert on pools' }, 'a2')).status).toBe(201);
      expect((await send('POST', '', { text: 'Alert on pools' }, 'a2')).status).toBe(201);
      expect((await send('PATCH', `/${item.id}`, { owner: 'team-nodes' }, 'p1')).status).toBe(200);
      const stored = await store.listActionItems(incident.id);
      expect(stored.map((a) => [a.text, a.owner])).toEqual([
        ['Pin the node image', 'team-nodes'],
        ['Alert on pools', undefined],
      ]);
      expect(crashes).toEqual([]);
    },
  );
});
