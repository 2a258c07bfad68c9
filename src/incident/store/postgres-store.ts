/**
 * The incident store on PostgreSQL (`--database-url`), for teams that run several
 * kubetriage instances or want the record in their own database. Several clusters may
 * share one database: every row carries its cluster.
 *
 * Each write is one transaction on one pooled client. Concurrent saves of the same
 * incident serialize on its row (the upsert locks it), and timeline entries are inserted
 * by position with ON CONFLICT DO NOTHING, so two saves can neither interleave entries
 * nor lose one. Reads that span tables run in one REPEATABLE READ snapshot, so an
 * incident's body and its timeline always come from the same commit.
 */
import pg, { type CustomTypesConfig, type PoolClient } from 'pg';
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
  type IncidentBody,
  incidentBody,
  incidentColumns,
  inIdOrder,
  type TimelineRow,
  type UpdateRow,
} from './codec.ts';
import { isConnectionLoss } from './connection-loss.ts';
import { migratePostgres } from './migrations.ts';
import { maintenanceBody, maintenanceColumns, subscriberBody, subscriberColumns } from './schedule-codec.ts';
import {
  type ActionRecord,
  DuplicateActionItemError,
  findingKey,
  type IncidentQuery,
  type IncidentStore,
  type StoredFinding,
  StoreError,
  StoreUnavailableError,
} from './store.ts';

const INT8_OID = 20;
/** PostgreSQL's SQLSTATE for a unique index refusing a row. */
const UNIQUE_VIOLATION = '23505';

/**
 * BIGINT columns (times in ms, action ids) come back as numbers. pg returns strings by
 * default because int8 can exceed 2^53; millisecond times and row counts never do. Set
 * on this pool only, so other users of `pg` in the process keep the default.
 */
const types: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format ?? 'text')) as CustomTypesConfig['getTypeParser'],
};

/** The URL as it may be printed: the password, in the URL or as a parameter, replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    // A libpq key=value string rather than a URL.
    return url.replace(/(password\s*=\s*)('[^']*'|\S+)/gi, '$1***');
  }
}

function databaseName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.slice(1)) || 'kubetriage';
  } catch {
    return /dbname\s*=\s*(\S+)/.exec(url)?.[1] ?? 'kubetriage';
  }
}

/** A failure to reach or log into the server, with what to do about it. */
function connectError(url: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as { code?: string; message?: string };
  const where = redactUrl(url);
  const db = databaseName(url);
  const hint =
    e.code === '3D000'
      ? `create it: createdb ${db} (or CREATE DATABASE ${db}), or fix --database-url`
      : e.code === '28P01' || e.code === '28000'
        ? 'check the user and password in --database-url (and pg_hba.conf on the server)'
        : `is PostgreSQL running and does the database exist? Start it, or createdb ${db}, or fix --database-url`;
  return new StoreError(
    `cannot open the incident store on PostgreSQL ${where}: ${e.message || e.code || String(err)}`,
    { hint, cause: err },
  );
}

export async function openPostgresStore(o: { url: string; cluster?: string }): Promise<IncidentStore> {
  const where = redactUrl(o.url);
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({ connectionString: o.url, types, connectionTimeoutMillis: 15_000 });
  } catch (err) {
    throw connectError(o.url, err);
  }
  // A client whose connection drops (server restart, pg_terminate_backend) emits 'error':
  // on the pool while idle, on the client itself while checked out. Either, unhandled,
  // kills the process. The query in flight rejects on its own and the client is discarded
  // (tx below); the next query gets a fresh connection or a StoreUnavailableError.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  let client: PoolClient | undefined;
  try {
    client = await pool.connect();
    await migratePostgres(client, `PostgreSQL database ${where}`);
  } catch (err) {
    client?.release(true);
    await pool.end().catch(() => {});
    throw connectError(o.url, err);
  }
  client.release();
  return new PostgresStore(pool, where, o.cluster ?? 'default');
}

type BodyRow = { id: string; body: unknown };

class PostgresStore implements IncidentStore {
  readonly backend = 'postgres' as const;
  readonly cluster: string;
  private readonly pool: pg.Pool;
  private readonly where: string;

  constructor(pool: pg.Pool, where: string, cluster: string) {
    this.pool = pool;
    this.where = where;
    this.cluster = cluster;
  }

  private fail(what: string, err: unknown, connecting = false): StoreError {
    if (err instanceof StoreError) return err;
    const message = `incident store on PostgreSQL ${this.where}: ${what} failed (${(err as Error).message})`;
    const o = {
      hint: 'is PostgreSQL still running and reachable? kubetriage keeps running on what it has in memory',
      cause: err,
    };
    return connecting || isConnectionLoss(err)
      ? new StoreUnavailableError(message, o)
      : new StoreError(message, o);
  }

  /** Runs `fn` in one transaction on one client; rolls back and discards the client on error. */
  private async tx<T>(what: string, begin: string, fn: (c: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.fail(what, err, true);
    }
    try {
      await client.query(begin);
      const r = await fn(client);
      await client.query('COMMIT');
      client.release();
      return r;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      // The connection may be what failed: do not hand it to the next caller.
      client.release(true);
      throw this.fail(what, err);
    }
  }

  private write<T>(what: string, fn: (c: PoolClient) => Promise<T>): Promise<T> {
    return this.tx(what, 'BEGIN', fn);
  }

  private read<T>(what: string, fn: (c: PoolClient) => Promise<T>): Promise<T> {
    return this.tx(what, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn);
  }

  private whereIncident(id: string): string {
    return `incident ${id} (cluster ${this.cluster}) in PostgreSQL ${this.where}`;
  }

  async saveIncidents(incidents: readonly Incident[]): Promise<void> {
    if (!incidents.length) return;
    await this.write('saving incidents', async (c) => {
      for (const i of inIdOrder(incidents)) {
        const col = incidentColumns(i);
        // The upsert locks the incident's row: a concurrent save of the same incident waits
        // here until this one commits, then appends only what is still missing.
        await c.query(
          `INSERT INTO incidents
            (cluster, id, seq, family, status, severity, pattern, opened_at_ms, updated_at_ms, resolved_at_ms, body)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)
          ON CONFLICT (cluster, id) DO UPDATE SET
            seq = excluded.seq, family = excluded.family, status = excluded.status,
            severity = excluded.severity, pattern = excluded.pattern, opened_at_ms = excluded.opened_at_ms,
            updated_at_ms = excluded.updated_at_ms, resolved_at_ms = excluded.resolved_at_ms, body = excluded.body`,
          [
            this.cluster,
            col.id,
            col.seq,
            col.family,
            col.status,
            col.severity,
            col.pattern,
            col.openedAtMs,
            col.updatedAtMs,
            col.resolvedAtMs,
            col.body,
          ],
        );
        const { rows } = await c.query<{ t: number; u: number }>(
          `SELECT
            (SELECT coalesce(max(pos) + 1, 0) FROM timeline WHERE cluster = $1 AND incident_id = $2) AS t,
            (SELECT coalesce(max(pos) + 1, 0) FROM status_updates WHERE cluster = $1 AND incident_id = $2) AS u`,
          [this.cluster, i.id],
        );
        const newEntries = i.timeline.slice(rows[0].t);
        if (newEntries.length)
          // One statement for all new entries: unnest turns the parallel arrays into rows.
          await c.query(
            `INSERT INTO timeline (cluster, incident_id, pos, at_ms, kind, text, author, via)
            SELECT $1::text, $2::text, * FROM unnest($3::int[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[])
            ON CONFLICT DO NOTHING`,
            [
              this.cluster,
              i.id,
              newEntries.map((_, k) => rows[0].t + k),
              newEntries.map((e) => e.atMs),
              newEntries.map((e) => e.kind),
              newEntries.map((e) => e.text),
              newEntries.map((e) => e.author ?? null),
              newEntries.map((e) => e.via ?? null),
            ],
          );
        const newUpdates = i.updates.slice(rows[0].u);
        if (newUpdates.length)
          await c.query(
            `INSERT INTO status_updates (cluster, incident_id, pos, at_ms, status, message, author, components, via)
            SELECT $1::text, $2::text, * FROM unnest($3::int[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::text[])
            ON CONFLICT DO NOTHING`,
            [
              this.cluster,
              i.id,
              newUpdates.map((_, k) => rows[0].u + k),
              newUpdates.map((u) => u.atMs),
              newUpdates.map((u) => u.status),
              newUpdates.map((u) => u.message),
              newUpdates.map((u) => u.author),
              newUpdates.map((u) => (u.components ? JSON.stringify(u.components) : null)),
              newUpdates.map((u) => u.via ?? null),
            ],
          );
      }
    });
  }

  /** Whole incidents for rows of the incidents table, inside the caller's snapshot. */
  private async assemble(c: PoolClient, rows: readonly BodyRow[]): Promise<Incident[]> {
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id);
    // Checked before the timeline is fetched, so a corrupt row fails fast with its name.
    const bodies: IncidentBody[] = rows.map((r) => incidentBody(r.body, this.whereIncident(r.id)));
    const timeline = await c.query<TimelineRow>(
      `SELECT incident_id, pos, at_ms, kind, text, author, via FROM timeline
      WHERE cluster = $1 AND incident_id = ANY($2::text[]) ORDER BY incident_id, pos`,
      [this.cluster, ids],
    );
    const updates = await c.query<UpdateRow>(
      `SELECT incident_id, pos, at_ms, status, message, author, components, via FROM status_updates
      WHERE cluster = $1 AND incident_id = ANY($2::text[]) ORDER BY incident_id, pos`,
      [this.cluster, ids],
    );
    const t = byIncident(timeline.rows);
    const u = byIncident(updates.rows);
    return bodies.map((b, k) => assembleIncident(b, t.get(ids[k]), u.get(ids[k])));
  }

  async getIncident(id: string): Promise<Incident | undefined> {
    return this.read(`reading incident ${id}`, async (c) => {
      const { rows } = await c.query<BodyRow>(
        'SELECT id, body FROM incidents WHERE cluster = $1 AND id = $2',
        [this.cluster, id],
      );
      return (await this.assemble(c, rows))[0];
    });
  }

  async listIncidents(q: IncidentQuery = {}): Promise<Incident[]> {
    const args: unknown[] = [this.cluster];
    const where = ['cluster = $1'];
    if (q.status === 'open') where.push("status <> 'resolved'");
    else if (q.status) {
      args.push(q.status);
      where.push(`status = $${args.length}`);
    }
    if (q.openedSinceMs !== undefined) {
      args.push(q.openedSinceMs);
      where.push(`opened_at_ms >= $${args.length}`);
    }
    let sql = `SELECT id, body FROM incidents WHERE ${where.join(' AND ')} ORDER BY opened_at_ms DESC, seq DESC, id DESC`;
    if (q.limit !== undefined) {
      args.push(Math.max(0, Math.floor(q.limit)));
      sql += ` LIMIT $${args.length}`;
    }
    return this.read('listing incidents', async (c) =>
      this.assemble(c, (await c.query<BodyRow>(sql, args)).rows),
    );
  }

  async listClusters(): Promise<{ cluster: string; incidents: number }[]> {
    return this.read('listing the clusters', async (c) => {
      const { rows } = await c.query<{ cluster: string; n: number }>(
        'SELECT cluster, count(*)::int AS n FROM incidents GROUP BY cluster ORDER BY cluster',
      );
      return rows.map((r) => ({ cluster: r.cluster, incidents: r.n }));
    });
  }

  async lastIncidentSeq(): Promise<number> {
    return this.read('reading the last incident number', async (c) => {
      const { rows } = await c.query<{ n: number }>(
        'SELECT coalesce(max(seq), 0)::int AS n FROM incidents WHERE cluster = $1',
        [this.cluster],
      );
      return rows[0].n;
    });
  }

  async addAction(a: Omit<ActionRecord, 'id'>): Promise<ActionRecord> {
    return this.write('recording an action', async (c) => {
      const { rows } = await c.query<{ id: number }>(
        `WITH stored AS (
          SELECT id FROM actions WHERE cluster = $1 AND at_ms = $2 AND author = $3 AND text = $4 LIMIT 1
        ), added AS (
          INSERT INTO actions (cluster, at_ms, author, text, via)
          SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM stored) RETURNING id
        )
        SELECT id FROM added UNION ALL SELECT id FROM stored`,
        [this.cluster, a.atMs, a.author, a.text, a.via ?? null],
      );
      return { id: rows[0].id, ...a };
    });
  }

  async listActions(q: { fromMs?: number; toMs?: number } = {}): Promise<ActionRecord[]> {
    const rows = await this.read('listing actions', async (c) => {
      const r = await c.query<ActionRow>(
        `SELECT id, at_ms, author, text, via FROM actions
        WHERE cluster = $1 AND ($2::bigint IS NULL OR at_ms >= $2) AND ($3::bigint IS NULL OR at_ms <= $3)
        ORDER BY at_ms, id`,
        [this.cluster, q.fromMs ?? null, q.toMs ?? null],
      );
      return r.rows;
    });
    return rows.map(actionRecord);
  }

  async listActionItems(incidentId: string): Promise<ActionItem[]> {
    const rows = await this.read(`listing the action items of ${incidentId}`, async (c) => {
      const r = await c.query<ActionItemRow>(
        `SELECT ${actionItemColumns} FROM action_items WHERE cluster = $1 AND incident_id = $2 ORDER BY id`,
        [this.cluster, incidentId],
      );
      return r.rows;
    });
    return rows.map(actionItem);
  }

  async addActionItem(a: NewActionItem): Promise<ActionItem> {
    const item = newActionItem(a);
    return this.write(`adding an action item to ${a.incidentId}`, async (c) => {
      // The unique text makes a concurrent twin wait on this insert, then do nothing.
      await c.query(
        `INSERT INTO action_items (cluster, ${actionItemColumns.replace('id, ', '')})
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        ON CONFLICT (cluster, incident_id, text) DO NOTHING`,
        [this.cluster, ...actionItemValues(item)],
      );
      const { rows } = await c.query<ActionItemRow>(
        `SELECT ${actionItemColumns} FROM action_items WHERE cluster = $1 AND incident_id = $2 AND text = $3`,
        [this.cluster, a.incidentId, a.text],
      );
      return actionItem(rows[0]);
    });
  }

  async updateActionItem(
    incidentId: string,
    id: number,
    change: ActionItemChange,
  ): Promise<ActionItem | undefined> {
    return this.write(`changing action item ${id} of ${incidentId}`, async (c) => {
      // FOR UPDATE: two edits of one item apply one after the other, neither undoing the other's fields.
      const { rows } = await c.query<ActionItemRow>(
        `SELECT ${actionItemColumns} FROM action_items WHERE cluster = $1 AND incident_id = $2 AND id = $3 FOR UPDATE`,
        [this.cluster, incidentId, id],
      );
      if (!rows.length) return undefined;
      const next = changedActionItem(actionItem(rows[0]), change);
      try {
        await c.query(
          `UPDATE action_items SET ${actionItemEditColumns.map((col, k) => `${col} = $${k + 1}`).join(', ')}
          WHERE cluster = $${actionItemEditColumns.length + 1} AND id = $${actionItemEditColumns.length + 2}`,
          [...actionItemEditValues(next), this.cluster, id],
        );
      } catch (err) {
        if ((err as { code?: string }).code === UNIQUE_VIOLATION)
          throw new DuplicateActionItemError(incidentId, next.text);
        throw err;
      }
      return next;
    });
  }

  async deleteActionItem(incidentId: string, id: number): Promise<boolean> {
    return this.write(`deleting action item ${id} of ${incidentId}`, async (c) => {
      const r = await c.query(
        'DELETE FROM action_items WHERE cluster = $1 AND incident_id = $2 AND id = $3',
        [this.cluster, incidentId, id],
      );
      return (r.rowCount ?? 0) > 0;
    });
  }

  async saveFindings(findings: readonly Hypothesis[], atMs: number): Promise<void> {
    if (!findings.length) return;
    // Sorted by key: two concurrent saves lock the same rows in the same order.
    const byKey = [...findings]
      .map((f) => ({ key: findingKey(f), f }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    await this.write('saving findings', async (c) => {
      for (const { key, f } of byKey)
        await c.query(
          `INSERT INTO findings (cluster, key, first_seen_ms, last_seen_ms, body) VALUES ($1, $2, $3, $3, $4::jsonb)
          ON CONFLICT (cluster, key) DO UPDATE SET last_seen_ms = excluded.last_seen_ms, body = excluded.body`,
          [this.cluster, key, atMs, JSON.stringify(f)],
        );
    });
  }

  async listFindings(q: { sinceMs?: number } = {}): Promise<StoredFinding[]> {
    const rows = await this.read('listing findings', async (c) => {
      const r = await c.query<{ key: string; first_seen_ms: number; last_seen_ms: number; body: unknown }>(
        `SELECT key, first_seen_ms, last_seen_ms, body FROM findings
        WHERE cluster = $1 AND ($2::bigint IS NULL OR last_seen_ms >= $2) ORDER BY last_seen_ms DESC, key`,
        [this.cluster, q.sinceMs ?? null],
      );
      return r.rows;
    });
    return rows.map((r) => ({
      key: r.key,
      firstSeenMs: r.first_seen_ms,
      lastSeenMs: r.last_seen_ms,
      finding: findingBody(
        r.body,
        `finding "${r.key}" (cluster ${this.cluster}) in PostgreSQL ${this.where}`,
      ),
    }));
  }

  async saveMaintenance(m: Maintenance): Promise<void> {
    const col = maintenanceColumns(m);
    await this.write(`saving maintenance ${m.id}`, (c) =>
      c.query(
        `INSERT INTO maintenances (cluster, id, status, scheduled_for_ms, scheduled_until_ms, body)
        VALUES ($1, $2, $3, $4, $5, $6::jsonb)
        ON CONFLICT (cluster, id) DO UPDATE SET status = excluded.status,
          scheduled_for_ms = excluded.scheduled_for_ms, scheduled_until_ms = excluded.scheduled_until_ms,
          body = excluded.body`,
        [this.cluster, col.id, col.status, col.scheduledForMs, col.scheduledUntilMs, col.body],
      ),
    );
  }

  async listMaintenances(): Promise<Maintenance[]> {
    const rows = await this.read('listing maintenances', async (c) => {
      const r = await c.query<BodyRow>(
        'SELECT id, body FROM maintenances WHERE cluster = $1 ORDER BY scheduled_for_ms, id',
        [this.cluster],
      );
      return r.rows;
    });
    return rows.map((r) =>
      maintenanceBody(r.body, `maintenance ${r.id} (cluster ${this.cluster}) in PostgreSQL ${this.where}`),
    );
  }

  async addSubscriber(sub: Subscriber): Promise<Subscriber> {
    const col = subscriberColumns(sub);
    const row = await this.write('adding a subscriber', async (c) => {
      // Two subscribing the same endpoint at once: the unique key makes one wait, then both read it.
      await c.query(
        `INSERT INTO subscribers (cluster, id, kind, endpoint, created_at_ms, body)
        VALUES ($1, $2, $3, $4, $5, $6::jsonb) ON CONFLICT DO NOTHING`,
        [this.cluster, col.id, col.kind, col.endpoint, col.createdAtMs, col.body],
      );
      const r = await c.query<BodyRow>(
        'SELECT id, body FROM subscribers WHERE cluster = $1 AND kind = $2 AND endpoint = $3',
        [this.cluster, col.kind, col.endpoint],
      );
      return r.rows[0];
    });
    return subscriberBody(
      row.body,
      `subscriber ${row.id} (cluster ${this.cluster}) in PostgreSQL ${this.where}`,
    );
  }

  async removeSubscriber(id: string): Promise<boolean> {
    return this.write(`removing subscriber ${id}`, async (c) => {
      const r = await c.query('DELETE FROM subscribers WHERE cluster = $1 AND id = $2', [this.cluster, id]);
      return (r.rowCount ?? 0) > 0;
    });
  }

  async listSubscribers(): Promise<Subscriber[]> {
    const rows = await this.read('listing subscribers', async (c) => {
      const r = await c.query<BodyRow>(
        'SELECT id, body FROM subscribers WHERE cluster = $1 ORDER BY created_at_ms, id',
        [this.cluster],
      );
      return r.rows;
    });
    return rows.map((r) =>
      subscriberBody(r.body, `subscriber ${r.id} (cluster ${this.cluster}) in PostgreSQL ${this.where}`),
    );
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
