/** Choosing and opening the store: where the data lives by default, which backend wins. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDataDir, openStore } from './open-store.ts';
import { SQLITE_FILE } from './sqlite-store.ts';
import { StoreError } from './store.ts';

const root = mkdtempSync(join(tmpdir(), 'kubetriage-open-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('defaultDataDir', () => {
  it('prefers KUBETRIAGE_DATA_DIR, then XDG_DATA_HOME, then ~/.local/share', () => {
    expect(defaultDataDir({ KUBETRIAGE_DATA_DIR: '/srv/kt', XDG_DATA_HOME: '/x' }, '/home/a')).toBe(
      '/srv/kt',
    );
    expect(defaultDataDir({ XDG_DATA_HOME: '/x' }, '/home/a')).toBe('/x/kubetriage');
    expect(defaultDataDir({}, '/home/a')).toBe('/home/a/.local/share/kubetriage');
  });

  it('ignores empty values and a relative XDG_DATA_HOME', () => {
    expect(defaultDataDir({ KUBETRIAGE_DATA_DIR: '', XDG_DATA_HOME: '' }, '/home/a')).toBe(
      '/home/a/.local/share/kubetriage',
    );
    expect(defaultDataDir({ XDG_DATA_HOME: 'rel/dir' }, '/home/a')).toBe('/home/a/.local/share/kubetriage');
  });
});

describe('openStore', () => {
  it('opens SQLite in the data directory, for the default cluster', async () => {
    const s = await openStore({ dataDir: join(root, 'a') });
    expect(s.backend).toBe('sqlite');
    expect(s.cluster).toBe('default');
    await s.close();
    const t = await openStore({ dataDir: join(root, 'a'), cluster: 'prod-eu' });
    expect(t.cluster).toBe('prod-eu');
    await t.close();
  });

  it('uses PostgreSQL when a database URL is given, even with a data directory', async () => {
    const err = await openStore({
      dataDir: join(root, 'b'),
      databaseUrl: 'postgres://kt:pw@127.0.0.1:1/kubetriage',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toMatch(
      /PostgreSQL postgres:\/\/kt:\*\*\*@127\.0\.0\.1:1\/kubetriage/,
    );
  });

  it('names a corrupt database file and what to do next', async () => {
    const dir = join(root, 'corrupt');
    await (await openStore({ dataDir: dir })).close();
    rmSync(join(dir, SQLITE_FILE));
    writeFileSync(join(dir, SQLITE_FILE), Buffer.alloc(8192, 0x5a));
    const err = await openStore({ dataDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toContain(join(dir, SQLITE_FILE));
    expect((err as StoreError).hint).toMatch(/move it aside/);
  });
});
