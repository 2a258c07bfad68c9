/**
 * The default incident store: one SQLite file, `<dataDir>/kubetriage.db`, through
 * `node:sqlite`. WAL with synchronous=FULL makes a write durable when it returns; each
 * write method is one `BEGIN IMMEDIATE … COMMIT`. `node:sqlite` is synchronous, so a
 * method runs to completion before any other code in this process can touch the
 * database: concurrent calls cannot interleave. Other processes on the same file wait
 * for the lock (busy_timeout).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { Hypothesis } from '../../diagnose/hypothesis.ts';
import {
  type ActionItem,
  type ActionItemChange,
  changedActionItem,
  type NewActionItem,
  newActionItem,
} from '../action-items.ts';
import type { Incident } from '../incident.ts';
import type { Maintenance } from '../maintenance.ts';
import type { Subscriber } from '../subscriber.ts';
import {
  type ActionItemRow,
  type ActionRow,
  actionItem,
  actionItemColumns,
  actionItemEditColumns,
  actionItemEditValues,
  actionItemValues,
  actionRecord,
  assembleIncident,
  byIncident,
  findingBody,
  incidentBody,
  incidentColumns,
  inIdOrder,
  type TimelineRow,
  type UpdateRow,
} from './codec.ts';
import { migrateSqlite } from './migrations.ts';
import { maintenanceBody, maintenanceColumns, subscriberBody, subscriberColumns } from './schedule-codec.ts';
import {
  type ActionRecord,
  DuplicateActionItemError,
  findingKey,
  type IncidentQuery,
  type IncidentStore,
  type StoredFinding,
  StoreError,
} from './store.ts';

export const SQLITE_FILE = 'kubetriage.db';

/** How long a write waits for another process holding the file's lock before failing. */
const BUSY_TIMEOUT_MS = 10_000;

/** SQLite's own error details, which `node:sqlite` attaches to its errors. */
function sqliteCode(err: unknown): number | undefined {
  const c = (err as { errcode?: unknown } | null)?.errcode;
  return typeof c === 'number' ? c & 0xff : undefined;
}

const SQLITE_BUSY = 5;
const SQLITE_READONLY = 8;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

function openError(file: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const msg = (err as Error).message;
  switch (sqliteCode(err)) {
    case SQLITE_NOTADB:
      return new StoreError(`${file} is not a SQLite database (${msg})`, {
        hint: `move it aside, or point --data-dir (or KUBETRIAGE_DATA_DIR) at another directory`,
        cause: err,
      });
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return new StoreError(`cannot open the incident store ${file} for writing (${msg})`, {
        hint: 'check that the directory exists and is writable by this user, or choose another --data-dir',
        cause: err,
      });
    case SQLITE_BUSY:
      return new StoreError(`the incident store ${file} stayed locked by another process (${msg})`, {
        hint: 'is another kubetriage writing to it? stop it, or give this one its own --data-dir',
        cause: err,
      });
    default:
      return new StoreError(`cannot open the incident store ${file} (${msg})`, {
        hint: 'move the file aside to start afresh, or choose another --data-dir',
        cause: err,
      });
  }
}

export function openSqliteStore(o: { dataDir: string; cluster?: string }): IncidentStore {
  try {
    mkdirSync(o.dataDir, { recursive: true });
  } catch (err) {
    throw new StoreError(`cannot create the data directory ${o.dataDir} (${(err as Error).message})`, {
      hint: 'create it, make it writable by this user, or choose another --data-dir',
      cause: err,
    });
  }
  const file = join(o.dataDir, SQLITE_FILE);
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file);
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // The first statement that reads the file: a file that is not SQLite fails here.
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = FULL');
    db.exec('PRAGMA foreign_keys = ON');
    migrateSqlite(db, file);
  } catch (err) {
    db?.close();
    throw openError(file, err);
  }
  return new SqliteStore(db, file, o.cluster ?? 'default');
}

class SqliteStore implements IncidentStore {
  readonly backend = 'sqlite' as const;
  readonly cluster: string;
  private readonly db: DatabaseSync;
  private readonly file: string;

  constructor(db: DatabaseSync, file: string, cluster: string) {
    this.db = db;
    this.file = file;
    this.cluster = cluster;
  }

  /** Runs `fn` in one transaction; BEGIN IMMEDIATE so a writer never has to upgrade a read lock. */
  private write<T>(what: string, fn: () => T): T {
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      throw this.fail(what, err);
    }
    try {
      const r = fn();
      this.db.exec('COMMIT');
      return r;
    } catch (err) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw this.fail(what, err);
    }
  }

  /** Reads in one (deferred) transaction: one snapshot even while another process writes. */
  private read<T>(what: string, fn: () => T): T {
    try {
      this.db.exec('BEGIN');
      try {
        return fn();
      } finally {
        if (this.db.isTransaction) this.db.exec('COMMIT');
      }
    } catch (err) {
      throw this.fail(what, err);
    }
  }

  private fail(what: string, err: unknown): StoreError {
    if (err instanceof StoreError) return err;
    return new StoreError(`incident store ${this.file}: ${what} failed (${(err as Error).message})`, {
      hint:
        sqliteCode(err) === SQLITE_BUSY
          ? 'another process kept the database locked: is a second kubetriage writing to it?'
          : 'check the disk and the file; kubetriage keeps running on what it has in memory',
      cause: err,
    });
  }

  private where(id: string): string {
    return `incident ${id} (cluster ${this.cluster}) in ${this.file}`;
  }

  async saveIncidents(incidents: readonly Incident[]): Promise<void> {
    if (!incidents.length) return;
    const upsert = this.db.prepare(`INSERT INTO incidents
        (cluster, id, seq, family, status, severity, pattern, opened_at_ms, updated_at_ms, resolved_at_ms, body)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (cluster, id) DO UPDATE SET
        seq = excluded.seq, family = excluded.family, status = excluded.status,
        severity = excluded.severity, pattern = excluded.pattern, opened_at_ms = excluded.opened_at_ms,
        updated_at_ms = excluded.updated_at_ms, resolved_at_ms = excluded.resolved_at_ms, body = excluded.body`);
    const timelineLen = this.db.prepare(
      'SELECT coalesce(max(pos) + 1, 0) AS n FROM timeline WHERE cluster = ? AND incident_id = ?',
    );
    const updatesLen = this.db.prepare(
      'SELECT coalesce(max(pos) + 1, 0) AS n FROM status_updates WHERE cluster = ? AND incident_id = ?',
    );
    const addEntry =
      this.db.prepare(`INSERT INTO timeline (cluster, incident_id, pos, at_ms, kind, text, author, via)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`);
    const addUpdate = this.db.prepare(`INSERT INTO status_updates
        (cluster, incident_id, pos, at_ms, status, message, author, components, via)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`);
    this.write('saving incidents', () => {
      for (const i of inIdOrder(incidents)) {
        const c = incidentColumns(i);
        upsert.run(
          this.cluster,
          c.id,
          c.seq,
          c.family,
          c.status,
          c.severity,
          c.pattern,
          c.openedAtMs,
          c.updatedAtMs,
          c.resolvedAtMs,
          c.body,
        );
        // Only what lies beyond the stored entries: saving each round stays cheap however
        // long the timeline gets, and stored entries are never rewritten.
        const stored = (timelineLen.get(this.cluster, i.id) as { n: number }).n;
        for (let pos = stored; pos < i.timeline.length; pos++) {
          const e = i.timeline[pos];
          addEntry.run(this.cluster, i.id, pos, e.atMs, e.kind, e.text, e.author ?? null, e.via ?? null);
        }
        const storedUpdates = (updatesLen.get(this.cluster, i.id) as { n: number }).n;
        for (let pos = storedUpdates; pos < i.updates.length; pos++) {
          const u = i.updates[pos];
          addUpdate.run(
            this.cluster,
            i.id,
            pos,
            u.atMs,
            u.status,
            u.message,
            u.author,
            u.components ? JSON.stringify(u.components) : null,
            u.via ?? null,
          );
        }
      }
    });
  }

  /** Whole incidents for rows of the incidents table, inside a read transaction. */
  private assemble(rows: readonly { id: string; body: string }[]): Incident[] {
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id);
    // json_each turns one bound JSON array into a set: one query however many incidents.
    const timeline = this.db
      .prepare(`SELECT incident_id, pos, at_ms, kind, text, author, via FROM timeline
        WHERE cluster = ? AND incident_id IN (SELECT value FROM json_each(?)) ORDER BY incident_id, pos`)
      .all(this.cluster, JSON.stringify(ids)) as unknown as TimelineRow[];
    const updates = this.db
      .prepare(`SELECT incident_id, pos, at_ms, status, message, author, components, via FROM status_updates
        WHERE cluster = ? AND incident_id IN (SELECT value FROM json_each(?)) ORDER BY incident_id, pos`)
      .all(this.cluster, JSON.stringify(ids)) as unknown as UpdateRow[];
    const t = byIncident(timeline);
    const u = byIncident(updates);
    return rows.map((r) =>
      assembleIncident(incidentBody(r.body, this.where(r.id)), t.get(r.id), u.get(r.id)),
    );
  }

  async getIncident(id: string): Promise<Incident | undefined> {
    return this.read(`reading incident ${id}`, () => {
      const rows = this.db
        .prepare('SELECT id, body FROM incidents WHERE cluster = ? AND id = ?')
        .all(this.cluster, id) as unknown as { id: string; body: string }[];
      return this.assemble(rows)[0];
    });
  }

  async listIncidents(q: IncidentQuery = {}): Promise<Incident[]> {
    const where = ['cluster = ?'];
    const args: SQLInputValue[] = [this.cluster];
    if (q.status === 'open') where.push("status <> 'resolved'");
    else if (q.status) {
      where.push('status = ?');
      args.push(q.status);
    }
    if (q.openedSinceMs !== undefined) {
      where.push('opened_at_ms >= ?');
      args.push(q.openedSinceMs);
    }
    let sql = `SELECT id, body FROM incidents WHERE ${where.join(' AND ')} ORDER BY opened_at_ms DESC, seq DESC, id DESC`;
    if (q.limit !== undefined) {
      sql += ' LIMIT ?';
      args.push(Math.max(0, Math.floor(q.limit)));
    }
    return this.read('listing incidents', () =>
      this.assemble(this.db.prepare(sql).all(...args) as unknown as { id: string; body: string }[]),
    );
  }

  async listClusters(): Promise<{ cluster: string; incidents: number }[]> {
    return this.read('listing the clusters', () =>
      (
        this.db
          .prepare('SELECT cluster, count(*) AS n FROM incidents GROUP BY cluster ORDER BY cluster')
          .all() as { cluster: string; n: number }[]
      ).map((r) => ({ cluster: r.cluster, incidents: Number(r.n) })),
    );
  }

  async lastIncidentSeq(): Promise<number> {
    return this.read('reading the last incident number', () => {
      const r = this.db
        .prepare('SELECT coalesce(max(seq), 0) AS n FROM incidents WHERE cluster = ?')
        .get(this.cluster) as { n: number };
      return r.n;
    });
  }

  async addAction(a: Omit<ActionRecord, 'id'>): Promise<ActionRecord> {
    return this.write('recording an action', () => {
      const stored = this.db
        .prepare('SELECT id FROM actions WHERE cluster = ? AND at_ms = ? AND author = ? AND text = ? LIMIT 1')
        .get(this.cluster, a.atMs, a.author, a.text) as { id: number } | undefined;
      const id =
        stored?.id ??
        Number(
          this.db
            .prepare('INSERT INTO actions (cluster, at_ms, author, text, via) VALUES (?, ?, ?, ?, ?)')
            .run(this.cluster, a.atMs, a.author, a.text, a.via ?? null).lastInsertRowid,
        );
      return { id, ...a };
    });
  }

  async listActions(q: { fromMs?: number; toMs?: number } = {}): Promise<ActionRecord[]> {
    const rows = this.read(
      'listing actions',
      () =>
        this.db
          .prepare(`SELECT id, at_ms, author, text, via FROM actions
          WHERE cluster = ? AND at_ms >= ? AND at_ms <= ? ORDER BY at_ms, id`)
          .all(
            this.cluster,
            q.fromMs ?? Number.MIN_SAFE_INTEGER,
            q.toMs ?? Number.MAX_SAFE_INTEGER,
          ) as unknown as ActionRow[],
    );
    return rows.map(actionRecord);
  }

  private actionItemRow(incidentId: string, where: 'id' | 'text', value: number | string) {
    const row = this.db
      .prepare(
        `SELECT ${actionItemColumns} FROM action_items WHERE cluster = ? AND incident_id = ? AND ${where} = ?`,
      )
      .get(this.cluster, incidentId, value) as unknown as ActionItemRow | undefined;
    return row && actionItem(row);
  }

  async listActionItems(incidentId: string): Promise<ActionItem[]> {
    const rows = this.read(
      `listing the action items of ${incidentId}`,
      () =>
        this.db
          .prepare(
            `SELECT ${actionItemColumns} FROM action_items WHERE cluster = ? AND incident_id = ? ORDER BY id`,
          )
          .all(this.cluster, incidentId) as unknown as ActionItemRow[],
    );
    return rows.map(actionItem);
  }

  async addActionItem(a: NewActionItem): Promise<ActionItem> {
    const item = newActionItem(a);
    return this.write(`adding an action item to ${a.incidentId}`, () => {
      this.db
        .prepare(`INSERT INTO action_items (cluster, ${actionItemColumns.replace('id, ', '')})
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cluster, incident_id, text) DO NOTHING`)
        .run(this.cluster, ...actionItemValues(item));
      return this.actionItemRow(a.incidentId, 'text', a.text) as ActionItem;
    });
  }

  async updateActionItem(
    incidentId: string,
    id: number,
    change: ActionItemChange,
  ): Promise<ActionItem | undefined> {
    return this.write(`changing action item ${id} of ${incidentId}`, () => {
      const item = this.actionItemRow(incidentId, 'id', id);
      if (!item) return undefined;
      const next = changedActionItem(item, change);
      // BEGIN IMMEDIATE holds the write lock: nothing can take the text between this and the update.
      if (next.text !== item.text && this.actionItemRow(incidentId, 'text', next.text))
        throw new DuplicateActionItemError(incidentId, next.text);
      this.db
        .prepare(
          `UPDATE action_items SET ${actionItemEditColumns.map((c) => `${c} = ?`).join(', ')} WHERE cluster = ? AND id = ?`,
        )
        .run(...actionItemEditValues(next), this.cluster, id);
      return next;
    });
  }

  async deleteActionItem(incidentId: string, id: number): Promise<boolean> {
    return this.write(
      `deleting action item ${id} of ${incidentId}`,
      () =>
        Number(
          this.db
            .prepare('DELETE FROM action_items WHERE cluster = ? AND incident_id = ? AND id = ?')
            .run(this.cluster, incidentId, id).changes,
        ) > 0,
    );
  }

  async saveFindings(findings: readonly Hypothesis[], atMs: number): Promise<void> {
    if (!findings.length) return;
    const upsert = this.db.prepare(`INSERT INTO findings (cluster, key, first_seen_ms, last_seen_ms, body)
      VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (cluster, key) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, body = excluded.body`);
    this.write('saving findings', () => {
      for (const f of findings) upsert.run(this.cluster, findingKey(f), atMs, atMs, JSON.stringify(f));
    });
  }

  async listFindings(q: { sinceMs?: number } = {}): Promise<StoredFinding[]> {
    const rows = this.read(
      'listing findings',
      () =>
        this.db
          .prepare(`SELECT key, first_seen_ms, last_seen_ms, body FROM findings
          WHERE cluster = ? AND last_seen_ms >= ? ORDER BY last_seen_ms DESC, key`)
          .all(this.cluster, q.sinceMs ?? Number.MIN_SAFE_INTEGER) as unknown as {
          key: string;
          first_seen_ms: number;
          last_seen_ms: number;
          body: string;
        }[],
    );
    return rows.map((r) => ({
      key: r.key,
      firstSeenMs: r.first_seen_ms,
      lastSeenMs: r.last_seen_ms,
      finding: findingBody(r.body, `finding "${r.key}" (cluster ${this.cluster}) in ${this.file}`),
    }));
  }

  async saveMaintenance(m: Maintenance): Promise<void> {
    const c = maintenanceColumns(m);
    this.write(`saving maintenance ${m.id}`, () =>
      this.db
        .prepare(`INSERT INTO maintenances (cluster, id, status, scheduled_for_ms, scheduled_until_ms, body)
          VALUES (?, ?, ?, ?, ?, ?)
          ON CONFLICT (cluster, id) DO UPDATE SET status = excluded.status,
            scheduled_for_ms = excluded.scheduled_for_ms, scheduled_until_ms = excluded.scheduled_until_ms,
            body = excluded.body`)
        .run(this.cluster, c.id, c.status, c.scheduledForMs, c.scheduledUntilMs, c.body),
    );
  }

  async listMaintenances(): Promise<Maintenance[]> {
    const rows = this.read(
      'listing maintenances',
      () =>
        this.db
          .prepare('SELECT id, body FROM maintenances WHERE cluster = ? ORDER BY scheduled_for_ms, id')
          .all(this.cluster) as unknown as { id: string; body: string }[],
    );
    return rows.map((r) =>
      maintenanceBody(r.body, `maintenance ${r.id} (cluster ${this.cluster}) in ${this.file}`),
    );
  }

  async addSubscriber(sub: Subscriber): Promise<Subscriber> {
    const c = subscriberColumns(sub);
    const row = this.write('adding a subscriber', () => {
      this.db
        .prepare(`INSERT INTO subscribers (cluster, id, kind, endpoint, created_at_ms, body)
          VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
        .run(this.cluster, c.id, c.kind, c.endpoint, c.createdAtMs, c.body);
      return this.db
        .prepare('SELECT id, body FROM subscribers WHERE cluster = ? AND kind = ? AND endpoint = ?')
        .get(this.cluster, c.kind, c.endpoint) as { id: string; body: string };
    });
    return subscriberBody(row.body, `subscriber ${row.id} (cluster ${this.cluster}) in ${this.file}`);
  }

  async removeSubscriber(id: string): Promise<boolean> {
    return this.write(
      `removing subscriber ${id}`,
      () =>
        Number(
          this.db.prepare('DELETE FROM subscribers WHERE cluster = ? AND id = ?').run(this.cluster, id)
            .changes,
        ) > 0,
    );
  }

  async listSubscribers(): Promise<Subscriber[]> {
    const rows = this.read(
      'listing subscribers',
      () =>
        this.db
          .prepare('SELECT id, body FROM subscribers WHERE cluster = ? ORDER BY created_at_ms, id')
          .all(this.cluster) as unknown as { id: string; body: string }[],
    );
    return rows.map((r) =>
      subscriberBody(r.body, `subscriber ${r.id} (cluster ${this.cluster}) in ${this.file}`),
    );
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}
