/**
 * The PostgreSQL store: the conformance suite on a fresh database of a real server
 * (`test/support/postgres.ts`), plus what only PostgreSQL has (number types, racing
 * migrations, connection errors with the password redacted, sessions cut mid-write).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';
import { latestVersion, postgresMigrations } from './migrations.ts';
import { openPostgresStore, redactUrl } from './postgres-store.ts';
import { StoreError, StoreUnavailableError } from './store.ts';
import { describeStoreConformance, incident } from './store-conformance.ts';

let server: TestPostgres;
let url: string;
beforeAll(async () => {
  server = await startPostgres();
  url = await server.createDatabase();
});
afterAll(async () => server?.stop());

describeStoreConformance('postgres', (cluster) => openPostgresStore({ url, cluster }), {
  async corruptIncidentBody(cluster, id) {
    // JSONB cannot hold text that is not JSON; JSON that is not an incident is the corruption left.
    await sql(url, `UPDATE incidents SET body = '[1, 2, 3]'::jsonb WHERE cluster = $1 AND id = $2`, [
      cluster,
      id,
    ]);
  },
});

describe('PostgreSQL store', () => {
  it('stores times as BIGINT and reads them back as numbers', async () => {
    const s = await openPostgresStore({ url, cluster: 'numbers' });
    const big = 4_102_444_800_000; // 2100-01-01: well past 2^31
    await s.saveIncidents([incident(1, { openedAtMs: big, updatedAtMs: big + 1 })]);
    const a = await s.addAction({ atMs: big, author: 'a', text: 't' });
    expect(typeof a.id).toBe('number');
    const [got] = await s.listIncidents({ openedSinceMs: big });
    expect(got.openedAtMs).toBe(big);
    expect(got.timeline[0].atMs).toBeTypeOf('number');
    expect((await s.listActions({ fromMs: big }))[0]).toStrictEqual(a);
    await s.close();
    const [col] = await sql<{ data_type: string }>(
      url,
      `SELECT data_type FROM information_schema.columns WHERE table_name = 'incidents' AND column_name = 'opened_at_ms'`,
    );
    expect(col.data_type).toBe('bigint');
  });

  it('migrates once when several processes open a new database together', async () => {
    const fresh = await server.createDatabase();
    const stores = await Promise.all(
      Array.from({ length: 6 }, (_, k) => openPostgresStore({ url: fresh, cluster: `c${k}` })),
    );
    for (const s of stores) await s.close();
    const rows = await sql<{ version: number }>(
      fresh,
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(rows.map((r) => r.version)).toEqual(postgresMigrations.map((m) => m.version));
  });

  it('refuses a database with a newer schema, naming it and saying to upgrade', async () => {
    const fresh = await server.createDatabase();
    await (await openPostgresStore({ url: fresh })).close();
    const future = latestVersion(postgresMigrations) + 1;
    await sql(fresh, 'INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
      future,
      'from the future',
    ]);
    const err = await openPostgresStore({ url: fresh }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toContain(new URL(fresh).pathname.slice(1));
    expect((err as StoreError).message).toContain(String(future));
    expect((err as StoreError).hint).toMatch(/upgrade kubetriage/);
  });

  it('names a missing database with its URL, password redacted, and says how to create it', async () => {
    const missing = new URL(server.url('no_such_db'));
    missing.password = 's3cret';
    const err = await openPostgresStore({ url: missing.toString() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toContain('no_such_db');
    expect((err as StoreError).message).not.toContain('s3cret');
    expect((err as StoreError).hint).toContain('createdb no_such_db');
  });

  it('says to start PostgreSQL when nothing listens, without the password', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const err = await openPostgresStore({ url: 'postgres://kt:hunter2@127.0.0.1:1/kubetriage' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toContain('postgres://kt:***@127.0.0.1:1/kubetriage');
    expect((err as StoreError).message).not.toContain('hunter2');
    expect((err as StoreError).hint).toMatch(/is PostgreSQL running/);
  });

  it('rejects writes whose session is cut mid-transaction as unavailable, without taking the process down', async () => {
    // pg emits 'error' on a checked-out client whose connection ends; unhandled, it would
    // throw out of the socket's callback and end the process.
    const crashes: unknown[] = [];
    const crash = (err: unknown) => crashes.push(err);
    process.on('uncaughtException', crash);
    const s = await openPostgresStore({ url, cluster: 'cut' });
    try {
      const rejected: unknown[] = [];
      for (let round = 0; round < 5; round++) {
        const writes = Array.from({ length: 20 }, (_, k) =>
          s
            .saveIncidents([incident(round * 20 + k + 1)])
            .then(() => s.addAction({ atMs: round * 100 + k, author: 'a', text: 'step' }))
            .catch((err: unknown) => void rejected.push(err)),
        );
        await new Promise((r) => setTimeout(r, 5));
        await server.terminateSessions();
        await Promise.all(writes);
      }
      expect(crashes).toEqual([]);
      expect(rejected.length).toBeGreaterThan(0);
      for (const err of rejected) expect(err).toBeInstanceOf(StoreUnavailableError);
      // The pool has let go of the dead connections: the next write gets a live one.
      await s.saveIncidents([incident(999)]);
      expect((await s.getIncident('INC-0999'))?.id).toBe('INC-0999');
    } finally {
      process.off('uncaughtException', crash);
      await s.close();
    }
  });

  it('redacts passwords in URLs and key=value strings', () => {
    expect(redactUrl('postgresql://u:p%40ss@db:5432/x?sslmode=require')).toBe(
      'postgresql://u:***@db:5432/x?sslmode=require',
    );
    expect(redactUrl('postgres://db/x?password=pw&user=u')).toBe('postgres://db/x?password=***&user=u');
    expect(redactUrl('host=db password=pw dbname=x')).toBe('host=db password=*** dbname=x');
    expect(redactUrl('postgres://u@db/x')).toBe('postgres://u@db/x');
  });
});
