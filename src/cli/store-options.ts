/**
 * Where the incident record lives, the same flags for every command that reads or writes
 * it: `--data-dir` (SQLite, the default) or `--database-url` (PostgreSQL, shared by several
 * clusters), and `--cluster`, the name this cluster's incidents are kept under.
 */
import type { Command } from 'commander';
import { openStore } from '../incident/store/open-store.ts';
import type { IncidentStore } from '../incident/store/store.ts';

export interface StoreFlags {
  dataDir?: string;
  databaseUrl?: string;
  cluster?: string;
}

export function storeOptions(cmd: Command): Command {
  return cmd
    .option(
      '--data-dir <dir>',
      'keep incidents in SQLite under this directory (default: $KUBETRIAGE_DATA_DIR, else ~/.local/share/kubetriage)',
    )
    .option(
      '--database-url <url>',
      'keep incidents in PostgreSQL instead, e.g. postgres://user@db:5432/kubetriage (default: $KUBETRIAGE_DATABASE_URL)',
    )
    .option('--cluster <name>', 'the name incidents are kept under, when clusters share one database');
}

export function openStoreFromFlags(flags: StoreFlags, defaultCluster: string): Promise<IncidentStore> {
  return openStore({
    dataDir: flags.dataDir,
    databaseUrl: flags.databaseUrl ?? (process.env.KUBETRIAGE_DATABASE_URL || undefined),
    cluster: flags.cluster ?? defaultCluster,
  });
}
