/**
 * Test harness: a real PostgreSQL for the store's tests. With `KUBETRIAGE_TEST_DATABASE_URL`
 * set, that server is used; otherwise a throwaway server is started from Debian's
 * binaries (`/usr/lib/postgresql/<version>/bin`) in a temp directory, on a free loopback
 * port with its socket in that directory and trust authentication, and removed by
 * `stop()`. Each `createDatabase()` gives a fresh, empty database.
 *
 * PostgreSQL refuses to run as root, and CI runs tests as root: then the server runs as
 * the `postgres` system user (which Debian's package creates), owning the temp directory.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface TestPostgres {
  /** A URL for database `db` on the server (default: the maintenance database `postgres`). */
  url(db?: string): string;
  /** Creates an empty database with a fresh name and returns its URL. */
  createDatabase(): Promise<string>;
  /** Ends every other session on the server from a separate connection, as an operator would. */
  terminateSessions(): Promise<number>;
  /**
   * Stops the server (`pg_ctl stop`: `fast` rolls back and disconnects every session,
   * `immediate` drops them as a crash would) and starts it again on the same port when
   * the returned function is called. Only for the throwaway server: undefined on one of
   * the user's own.
   */
  halt?: (mode: 'fast' | 'immediate') => Promise<() => Promise<void>>;
  stop(): Promise<void>;
}

const NOT_FOUND =
  "PostgreSQL not found: apt-get install postgresql (CI's .ci/run does), or set KUBETRIAGE_TEST_DATABASE_URL";

/** One statement on its own connection, for a test to look at or alter what the store wrote. */
export async function sql<T extends pg.QueryResultRow>(
  dbUrl: string,
  text: string,
  args: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    return (await c.query<T>(text, args)).rows;
  } finally {
    await c.end();
  }
}

export async function startPostgres(): Promise<TestPostgres> {
  const given = process.env.KUBETRIAGE_TEST_DATABASE_URL;
  if (given)
    return onServer(
      (db) => withDatabase(given, db),
      async () => {},
    );
  return startThrowaway();
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** Database handling shared by both kinds of server; `stopServer` runs after the databases are dropped. */
function onServer(
  url: (db: string) => string,
  stopServer: () => Promise<void>,
  halt?: TestPostgres['halt'],
): TestPostgres {
  const created: string[] = [];
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: url('postgres') });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  return {
    url: (db = 'postgres') => url(db),
    halt,
    async terminateSessions() {
      return admin(async (c) => {
        const r = await c.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        );
        return r.rowCount ?? 0;
      });
    },
    async createDatabase() {
      const name = `kubetriage_test_${randomBytes(6).toString('hex')}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      created.push(name);
      return url(name);
    },
    async stop() {
      // On a server of the user's own, leave nothing behind; FORCE ends stray sessions.
      if (created.length)
        await admin(async (c) => {
          for (const name of created.splice(0)) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        }).catch(() => {});
      await stopServer();
    },
  };
}

/** The newest installed PostgreSQL's bin directory. */
function findBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter(
          (v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')),
        )
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length) throw new Error(NOT_FOUND);
  return join(root, versions[0], 'bin');
}

function run(cmd: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** A command line that runs as the `postgres` user when we are root, as ourselves otherwise. */
function asServerUser(cmd: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [cmd, args];
  if (existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser'))
    return ['runuser', ['-u', 'postgres', '--', cmd, ...args]];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', cmd, ...args]];
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function startThrowaway(): Promise<TestPostgres> {
  const bin = findBinDir();
  const dir = await mkdtemp(join(tmpdir(), 'kubetriage-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const exec = (tool: string, args: string[]) => {
    const [cmd, full] = asServerUser(join(bin, tool), args);
    return run(cmd, full, dir);
  };
  try {
    if (process.getuid?.() === 0) {
      const uid = Number((await run('id', ['-u', 'postgres'], dir)).stdout.trim());
      const gid = Number((await run('id', ['-g', 'postgres'], dir)).stdout.trim());
      if (!Number.isInteger(uid) || !Number.isInteger(gid))
        throw new Error('running as root and there is no `postgres` user to run PostgreSQL as');
      await chown(dir, uid, gid);
    }
    // --no-sync and fsync=off: a test server's files need not survive a power cut; the
    // crash test kills the client, never the server, so commits stay visible regardless.
    await exec('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    let port = 0;
    // -w waits until the server accepts connections.
    const start = () =>
      exec('pg_ctl', [
        '-D',
        data,
        '-l',
        log,
        '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
        '-w',
        '-t',
        '60',
        'start',
      ]);
    // A free port can be taken between asking for it and the server binding it: try again.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await start();
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
    const stopServer = async () => {
      await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    };
    const halt = async (mode: 'fast' | 'immediate') => {
      await exec('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
      return async () => void (await start());
    };
    return onServer((db) => `postgres://postgres@127.0.0.1:${port}/${db}`, stopServer, halt);
  } catch (err) {
    const serverLog = await readFile(log, 'utf8').catch(() => '');
    await exec('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `could not start a throwaway PostgreSQL from ${bin}: ${(err as Error).message}\n${serverLog}`,
    );
  }
}
