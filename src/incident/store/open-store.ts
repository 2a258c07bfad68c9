/**
 * Picks and opens the incident store from the command line's choices: PostgreSQL when a
 * database URL is given, otherwise the SQLite file in the data directory (by default the
 * XDG data directory, so a plain `kubetriage watch` keeps its record across restarts).
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { openPostgresStore } from './postgres-store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { IncidentStore } from './store.ts';

export interface OpenStoreOptions {
  /** Where the SQLite file lives (default: `defaultDataDir`). Ignored when `databaseUrl` is set. */
  dataDir?: string;
  /** A PostgreSQL URL; wins over `dataDir`. */
  databaseUrl?: string;
  /** Which cluster's record to read and write (default `default`). */
  cluster?: string;
}

export async function openStore(o: OpenStoreOptions = {}): Promise<IncidentStore> {
  const cluster = o.cluster || 'default';
  if (o.databaseUrl) return openPostgresStore({ url: o.databaseUrl, cluster });
  return openSqliteStore({ dataDir: o.dataDir || defaultDataDir(process.env, homedir()), cluster });
}

/**
 * `$KUBETRIAGE_DATA_DIR`, else `$XDG_DATA_HOME/kubetriage`, else `~/.local/share/kubetriage`.
 * The XDG spec says to ignore a relative XDG_DATA_HOME, so a stray value cannot scatter
 * databases into whatever directory kubetriage was started from.
 */
export function defaultDataDir(env: Readonly<Record<string, string | undefined>>, home: string): string {
  if (env.KUBETRIAGE_DATA_DIR) return env.KUBETRIAGE_DATA_DIR;
  const xdg = env.XDG_DATA_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'kubetriage');
  return join(home, '.local', 'share', 'kubetriage');
}
