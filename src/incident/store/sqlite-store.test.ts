/**
 * The SQLite store: the conformance suite on one file, plus what only SQLite has (the
 * file, its pragmas, a file that is not a database, migrations on a file).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestVersion, migrateSqlite, sqliteMigrations } from './migrations.ts';
import { openSqliteStore, SQLITE_FILE } from './sqlite-store.ts';
import { StoreError } from './store.ts';
import { describeStoreConformance, incident } from './store-conformance.ts';

let root: string;
let dataDir: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kubetriage-sqlite-'));
  // A directory that does not exist yet: opening the store creates it.
  dataDir = join(root, 'nested', 'data');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeStoreConformance('sqlite', async (cluster) => openSqliteStore({ dataDir, cluster }), {
  async corruptIncidentBody(cluster, id) {
    const db = new DatabaseSync(join(dataDir, SQLITE_FILE));
    db.prepare('UPDATE incidents SET body = ? WHERE cluster = ? AND id = ?').run(
      '{"top": not json',
      cluster,
      id,
    );
    db.close();
  },
});

describe('SQLite store', () => {
  it('keeps its file in WAL mode and records the schema version', async () => {
    const s = openSqliteStore({ dataDir, cluster: 'pragmas' });
    await s.close();
    const db = new DatabaseSync(join(dataDir, SQLITE_FILE));
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({
      v: latestVersion(sqliteMigrations),
    });
    // Applying again is a no-op.
    migrateSqlite(db, 'again');
    expect(db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({
      n: sqliteMigrations.length,
    });
    db.close();
  });

  it('upgrades a version 2 file in place: its rows read back as they were, without a token', async () => {
    const dir = join(root, 'v2');
    const old = openSqliteStore({ dataDir: dir });
    const i = incident(1, { timeline: [{ atMs: 1000, kind: 'note', text: 'old note', author: 'alice' }] });
    await old.saveIncidents([i]);
    await old.addAction({ atMs: 1000, author: 'bob', text: 'old action' });
    await old.close();
    // Back to what kubetriage with schema version 2 left on disk.
    const db = new DatabaseSync(join(dir, SQLITE_FILE));
    for (const table of ['timeline', 'status_updates', 'actions'])
      db.exec(`ALTER TABLE ${table} DROP COLUMN via`);
    for (const table of ['maintenances', 'subscribers', 'action_items']) db.exec(`DROP TABLE ${table}`);
    db.exec('DELETE FROM schema_migrations WHERE version > 2');
    db.close();
    const s = openSqliteStore({ dataDir: dir });
    expect((await s.getIncident(i.id))?.timeline).toStrictEqual(i.timeline);
    expect(await s.listActions()).toStrictEqual([{ id: 1, atMs: 1000, author: 'bob', text: 'old action' }]);
    expect(await s.listMaintenances()).toStrictEqual([]);
    expect(await s.listSubscribers()).toStrictEqual([]);
    await s.close();
  });

  it('defaults to the cluster named default', async () => {
    const s = openSqliteStore({ dataDir });
    expect(s.cluster).toBe('default');
    expect(s.backend).toBe('sqlite');
    await s.close();
  });

  it('refuses a database with a newer schema, naming it and saying to upgrade', async () => {
    const dir = join(root, 'newer');
    await openSqliteStore({ dataDir: dir }).close();
    const db = new DatabaseSync(join(dir, SQLITE_FILE));
    db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)').run(999, 'from the future');
    db.close();
    let err: unknown;
    try {
      openSqliteStore({ dataDir: dir });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toContain(join(dir, SQLITE_FILE));
    expect((err as StoreError).message).toContain('999');
    expect((err as StoreError).hint).toMatch(/upgrade kubetriage/);
  });

  it('refuses a file that is not SQLite, naming it and leaving it untouched', async () => {
    const dir = join(root, 'garbage');
    const file = join(dir, SQLITE_FILE);
    await openSqliteStore({ dataDir: dir }).close();
    rmSync(file);
    const junk = 'this is not a database\n'.repeat(100);
    writeFileSync(file, junk);
    let err: unknown;
    try {
      openSqliteStore({ dataDir: dir });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toContain(file);
    expect((err as StoreError).message).toMatch(/not a SQLite database/);
    expect((err as StoreError).hint).toMatch(/--data-dir/);
    expect(readFileSync(file, 'utf8')).toBe(junk);
  });

  it('says which directory it cannot create', () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, '');
    expect(() => openSqliteStore({ dataDir: join(blocker, 'data') })).toThrow(
      expect.objectContaining({
        name: 'StoreError',
        message: expect.stringContaining(join(blocker, 'data')),
      }),
    );
  });

  it('sees what another connection to the same file wrote', async () => {
    const a = openSqliteStore({ dataDir, cluster: 'shared' });
    const b = openSqliteStore({ dataDir, cluster: 'shared' });
    await a.saveIncidents([incident(1)]);
    expect((await b.getIncident('INC-0001'))?.id).toBe('INC-0001');
    await a.close();
    await b.close();
  });
});
