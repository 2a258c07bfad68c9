/**
 * The store's schema, as numbered migrations per backend, and the code that applies them.
 *
 * Each database records the migrations it has had in `schema_migrations`; opening a store
 * applies the missing ones in one transaction (so applying is idempotent, and two
 * processes opening the same database at once take turns), and refuses a database whose
 * schema is newer than this code knows: an older kubetriage must not write rows a newer
 * one would misread.
 *
 * Migrations are append-only: a released one is never edited, a change is a new version.
 * Times are integer milliseconds since the epoch (BIGINT in PostgreSQL, which the
 * PostgreSQL store reads back as numbers).
 */
import type { DatabaseSync } from 'node:sqlite';
import type { PoolClient } from 'pg';
import { StoreError } from './store.ts';

export interface Migration {
  version: number;
  name: string;
  /** Statements run in order inside the migration's transaction. */
  statements: string[];
}

/** The same SQL in both backends: TEXT columns, NULL in rows written before. */
const tokenNames: Migration = {
  version: 3,
  name: 'notes, updates and actions name the API token that wrote them',
  statements: [
    'ALTER TABLE timeline ADD COLUMN via TEXT',
    'ALTER TABLE status_updates ADD COLUMN via TEXT',
    'ALTER TABLE actions ADD COLUMN via TEXT',
  ],
};

/**
 * Scheduled maintenances and status-page subscribers: each a JSON body beside the columns
 * it is listed by. One block per backend (the types differ), the same version in both.
 */
const statusPageSchedule = (t: { ms: string; json: string }): Migration => ({
  version: 4,
  name: 'scheduled maintenances and status-page subscribers',
  statements: [
    `CREATE TABLE maintenances (
      cluster TEXT NOT NULL,
      id TEXT NOT NULL,
      status TEXT NOT NULL,
      scheduled_for_ms ${t.ms} NOT NULL,
      scheduled_until_ms ${t.ms} NOT NULL,
      body ${t.json} NOT NULL,
      PRIMARY KEY (cluster, id)
    )`,
    'CREATE INDEX maintenances_window ON maintenances (cluster, scheduled_for_ms, id)',
    `CREATE TABLE subscribers (
      cluster TEXT NOT NULL,
      id TEXT NOT NULL,
      kind TEXT NOT NULL,
      endpoint TEXT NOT NULL,
      created_at_ms ${t.ms} NOT NULL,
      body ${t.json} NOT NULL,
      PRIMARY KEY (cluster, id),
      UNIQUE (cluster, kind, endpoint)
    )`,
  ],
});

/**
 * Postmortem action items (incident/action-items.ts), edited in place. The unique text per
 * incident is what makes adding one idempotent; `due_date` is the RFC 3339 full-date as text
 * (a PostgreSQL DATE would come back as a JavaScript Date at local midnight).
 */
const actionItemsTable = (o: { id: string; ms: string }) => [
  `CREATE TABLE action_items (
    id ${o.id},
    cluster TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    text TEXT NOT NULL,
    type TEXT NOT NULL,
    owner TEXT,
    due_date TEXT,
    status TEXT NOT NULL,
    created_at_ms ${o.ms} NOT NULL,
    created_by TEXT NOT NULL,
    created_via TEXT,
    updated_at_ms ${o.ms} NOT NULL,
    updated_by TEXT NOT NULL,
    updated_via TEXT,
    FOREIGN KEY (cluster, incident_id) REFERENCES incidents (cluster, id) ON DELETE CASCADE
  )`,
  'CREATE UNIQUE INDEX action_items_text ON action_items (cluster, incident_id, text)',
];
const actionItemsName = 'postmortem action items with owner, due date and status';

export const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'incidents, timeline, status updates, actions, findings',
    statements: [
      `CREATE TABLE incidents (
        cluster TEXT NOT NULL,
        id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        family TEXT NOT NULL,
        status TEXT NOT NULL,
        severity TEXT NOT NULL,
        pattern TEXT NOT NULL,
        opened_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        resolved_at_ms INTEGER,
        body TEXT NOT NULL,
        PRIMARY KEY (cluster, id)
      )`,
      // listIncidents: newest opened first within a cluster, optionally by status.
      'CREATE INDEX incidents_opened ON incidents (cluster, opened_at_ms DESC, seq DESC)',
      'CREATE INDEX incidents_status ON incidents (cluster, status, opened_at_ms DESC)',
      `CREATE TABLE timeline (
        cluster TEXT NOT NULL,
        incident_id TEXT NOT NULL,
        pos INTEGER NOT NULL,
        at_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        author TEXT,
        PRIMARY KEY (cluster, incident_id, pos),
        FOREIGN KEY (cluster, incident_id) REFERENCES incidents (cluster, id) ON DELETE CASCADE
      )`,
      `CREATE TABLE status_updates (
        cluster TEXT NOT NULL,
        incident_id TEXT NOT NULL,
        pos INTEGER NOT NULL,
        at_ms INTEGER NOT NULL,
        status TEXT NOT NULL,
        message TEXT NOT NULL,
        author TEXT NOT NULL,
        PRIMARY KEY (cluster, incident_id, pos),
        FOREIGN KEY (cluster, incident_id) REFERENCES incidents (cluster, id) ON DELETE CASCADE
      )`,
      `CREATE TABLE actions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        cluster TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL
      )`,
      'CREATE INDEX actions_at ON actions (cluster, at_ms, id)',
      `CREATE TABLE findings (
        cluster TEXT NOT NULL,
        key TEXT NOT NULL,
        first_seen_ms INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (cluster, key)
      )`,
      'CREATE INDEX findings_last_seen ON findings (cluster, last_seen_ms DESC)',
    ],
  },
  {
    version: 2,
    name: 'status updates carry component states set by hand',
    statements: ['ALTER TABLE status_updates ADD COLUMN components TEXT'],
  },
  tokenNames,
  statusPageSchedule({ ms: 'INTEGER', json: 'TEXT' }),
  {
    version: 5,
    name: actionItemsName,
    statements: actionItemsTable({ id: 'INTEGER PRIMARY KEY AUTOINCREMENT', ms: 'INTEGER' }),
  },
];

export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'incidents, timeline, status updates, actions, findings',
    statements: [
      `CREATE TABLE incidents (
        cluster TEXT NOT NULL,
        id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        family TEXT NOT NULL,
        status TEXT NOT NULL,
        severity TEXT NOT NULL,
        pattern TEXT NOT NULL,
        opened_at_ms BIGINT NOT NULL,
        updated_at_ms BIGINT NOT NULL,
        resolved_at_ms BIGINT,
        body JSONB NOT NULL,
        PRIMARY KEY (cluster, id)
      )`,
      'CREATE INDEX incidents_opened ON incidents (cluster, opened_at_ms DESC, seq DESC)',
      'CREATE INDEX incidents_status ON incidents (cluster, status, opened_at_ms DESC)',
      `CREATE TABLE timeline (
        cluster TEXT NOT NULL,
        incident_id TEXT NOT NULL,
        pos INTEGER NOT NULL,
        at_ms BIGINT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        author TEXT,
        PRIMARY KEY (cluster, incident_id, pos),
        FOREIGN KEY (cluster, incident_id) REFERENCES incidents (cluster, id) ON DELETE CASCADE
      )`,
      `CREATE TABLE status_updates (
        cluster TEXT NOT NULL,
        incident_id TEXT NOT NULL,
        pos INTEGER NOT NULL,
        at_ms BIGINT NOT NULL,
        status TEXT NOT NULL,
        message TEXT NOT NULL,
        author TEXT NOT NULL,
        PRIMARY KEY (cluster, incident_id, pos),
        FOREIGN KEY (cluster, incident_id) REFERENCES incidents (cluster, id) ON DELETE CASCADE
      )`,
      `CREATE TABLE actions (
        id BIGSERIAL PRIMARY KEY,
        cluster TEXT NOT NULL,
        at_ms BIGINT NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL
      )`,
      'CREATE INDEX actions_at ON actions (cluster, at_ms, id)',
      `CREATE TABLE findings (
        cluster TEXT NOT NULL,
        key TEXT NOT NULL,
        first_seen_ms BIGINT NOT NULL,
        last_seen_ms BIGINT NOT NULL,
        body JSONB NOT NULL,
        PRIMARY KEY (cluster, key)
      )`,
      'CREATE INDEX findings_last_seen ON findings (cluster, last_seen_ms DESC)',
    ],
  },
  {
    version: 2,
    name: 'status updates carry component states set by hand',
    statements: ['ALTER TABLE status_updates ADD COLUMN components JSONB'],
  },
  tokenNames,
  statusPageSchedule({ ms: 'BIGINT', json: 'JSONB' }),
  {
    version: 5,
    name: actionItemsName,
    statements: actionItemsTable({ id: 'BIGSERIAL PRIMARY KEY', ms: 'BIGINT' }),
  },
];

/** The newest version in a list of migrations. */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((v, m) => Math.max(v, m.version), 0);
}

/** Refuses a database whose schema is newer than `migrations` know. */
export function checkNotNewer(database: string, current: number, migrations: readonly Migration[]): void {
  const known = latestVersion(migrations);
  if (current > known)
    throw new StoreError(
      `${database} has incident store schema version ${current}, newer than this kubetriage knows (${known})`,
      {
        hint: 'a newer kubetriage wrote it: upgrade kubetriage, or point it at another database',
      },
    );
}

/** Applies the missing migrations to a SQLite database; the caller has set busy_timeout. */
export function migrateSqlite(
  db: DatabaseSync,
  database: string,
  migrations: readonly Migration[] = sqliteMigrations,
): void {
  // IMMEDIATE takes the write lock before reading the version, so a second process opening
  // the same file waits here instead of applying the same migration twice.
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
    )`);
    const row = db.prepare('SELECT coalesce(max(version), 0) AS v FROM schema_migrations').get() as {
      v: number;
    };
    checkNotNewer(database, row.v, migrations);
    const record = db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)');
    for (const m of migrations) {
      if (m.version <= row.v) continue;
      for (const s of m.statements) db.exec(s);
      record.run(m.version, m.name);
    }
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/** Arbitrary but fixed: the advisory lock every kubetriage takes while migrating PostgreSQL. */
const MIGRATION_LOCK: readonly [number, number] = [0x6b756265, 1];

/** Applies the missing migrations to a PostgreSQL database on one client. */
export async function migratePostgres(
  client: PoolClient,
  database: string,
  migrations: readonly Migration[] = postgresMigrations,
): Promise<void> {
  await client.query('BEGIN');
  try {
    // Two processes starting together would both see version 0 and both CREATE TABLE; the
    // transaction-scoped advisory lock makes the second wait, then see version 1.
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ v: number }>(
      'SELECT coalesce(max(version), 0)::int AS v FROM schema_migrations',
    );
    const current = rows[0]?.v ?? 0;
    checkNotNewer(database, current, migrations);
    for (const m of migrations) {
      if (m.version <= current) continue;
      for (const s of m.statements) await client.query(s);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        m.version,
        m.name,
      ]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
