/**
 * Rows to records and back, shared by both backends: an incident is stored as its
 * columns (for queries) plus a JSON body of everything but its timeline and status
 * updates, which have rows of their own so they can only be appended.
 *
 * Reading checks the shape of what comes back: a row edited by hand or by another
 * program becomes a StoreError that names it, not a crash deep inside the dashboard.
 */
import type { Hypothesis } from '../../diagnose/hypothesis.ts';
import type { ActionItem, ActionItemStatus, ActionItemType } from '../action-items.ts';
import type { Incident, IncidentStatus, StatusUpdate, TimelineEntry, TimelineKind } from '../incident.ts';
import { type ActionRecord, incidentSeq, StoreError } from './store.ts';

export type IncidentBody = Omit<Incident, 'timeline' | 'updates'>;

export interface TimelineRow {
  incident_id: string;
  pos: number;
  at_ms: number;
  kind: string;
  text: string;
  author: string | null;
  /** Null in rows from before schema version 3, and for unnamed tokens. */
  via?: string | null;
}

export interface UpdateRow {
  incident_id: string;
  pos: number;
  at_ms: number;
  status: string;
  message: string;
  author: string;
  via?: string | null;
  /** JSON text (SQLite) or an object (PostgreSQL JSONB); null when the update set none. */
  components?: string | Record<string, string> | null;
}

/** The columns an incident is written with; `body` is JSON text. */
export function incidentColumns(i: Incident) {
  const { timeline: _t, updates: _u, ...body } = i;
  return {
    id: i.id,
    seq: incidentSeq(i.id),
    family: i.family,
    status: i.status,
    severity: i.severity,
    pattern: i.top.pattern,
    openedAtMs: i.openedAtMs,
    updatedAtMs: i.updatedAtMs,
    resolvedAtMs: i.resolvedAtMs ?? null,
    body: JSON.stringify(body),
  };
}

export const corruptHint =
  'the row was changed outside kubetriage: restore the database from a backup, or delete that row';

/** Parses a body column (JSON text from SQLite, already parsed from PostgreSQL JSONB). */
export function parseBody(raw: unknown, what: string): Record<string, unknown> {
  let v = raw;
  if (typeof raw === 'string') {
    try {
      v = JSON.parse(raw);
    } catch (err) {
      throw new StoreError(`${what} is not valid JSON (${(err as Error).message})`, {
        hint: corruptHint,
        cause: err,
      });
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new StoreError(`${what} is not a JSON object`, { hint: corruptHint });
  return v as Record<string, unknown>;
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A stored incident body, checked just enough that readers can rely on its shape. */
export function incidentBody(raw: unknown, what: string): IncidentBody {
  const b = parseBody(raw, what);
  const bad =
    typeof b.id !== 'string'
      ? 'id'
      : typeof b.status !== 'string'
        ? 'status'
        : typeof b.openedAtMs !== 'number'
          ? 'openedAtMs'
          : !isObject(b.top)
            ? 'top'
            : !isObject(b.topSince)
              ? 'topSince'
              : !Array.isArray(b.signals)
                ? 'signals'
                : undefined;
  if (bad) throw new StoreError(`${what} has no valid "${bad}": not an incident`, { hint: corruptHint });
  return b as unknown as IncidentBody;
}

/** A stored finding body. */
export function findingBody(raw: unknown, what: string): Hypothesis {
  const b = parseBody(raw, what);
  if (typeof b.pattern !== 'string' || !isObject(b.blastRadius))
    throw new StoreError(`${what} is not a finding`, { hint: corruptHint });
  return b as unknown as Hypothesis;
}

export function timelineEntry(r: TimelineRow): TimelineEntry {
  const e: TimelineEntry = { atMs: r.at_ms, kind: r.kind as TimelineKind, text: r.text };
  // Absent, not `author: undefined`: a round trip gives back exactly what was saved.
  if (r.author !== null) e.author = r.author;
  if (r.via) e.via = r.via;
  return e;
}

export function statusUpdate(r: UpdateRow): StatusUpdate {
  const u: StatusUpdate = {
    atMs: r.at_ms,
    status: r.status as IncidentStatus,
    message: r.message,
    author: r.author,
  };
  if (r.via) u.via = r.via;
  const components = typeof r.components === 'string' ? parseOrUndefined(r.components) : r.components;
  if (components && typeof components === 'object') u.components = components;
  return u;
}

export interface ActionRow {
  id: number;
  at_ms: number;
  author: string;
  text: string;
  via: string | null;
}

export function actionRecord(r: ActionRow): ActionRecord {
  return { id: r.id, atMs: r.at_ms, author: r.author, text: r.text, ...(r.via ? { via: r.via } : {}) };
}

export interface ActionItemRow {
  id: number;
  incident_id: string;
  text: string;
  type: string;
  owner: string | null;
  due_date: string | null;
  status: string;
  created_at_ms: number;
  created_by: string;
  created_via: string | null;
  updated_at_ms: number;
  updated_by: string;
  updated_via: string | null;
}

/** The columns an action item is read with, in both backends. */
export const actionItemColumns =
  'id, incident_id, text, type, owner, due_date, status, created_at_ms, created_by, created_via, updated_at_ms, updated_by, updated_via';

export function actionItem(r: ActionItemRow): ActionItem {
  return {
    id: Number(r.id),
    incidentId: r.incident_id,
    text: r.text,
    type: r.type as ActionItemType,
    ...(r.owner !== null ? { owner: r.owner } : {}),
    ...(r.due_date !== null ? { dueDate: r.due_date } : {}),
    status: r.status as ActionItemStatus,
    createdAtMs: r.created_at_ms,
    createdBy: r.created_by,
    ...(r.created_via ? { createdVia: r.created_via } : {}),
    updatedAtMs: r.updated_at_ms,
    updatedBy: r.updated_by,
    ...(r.updated_via ? { updatedVia: r.updated_via } : {}),
  };
}

/** An item's values in the order of `actionItemColumns` after `id`. */
export function actionItemValues(a: Omit<ActionItem, 'id'>) {
  return [
    a.incidentId,
    a.text,
    a.type,
    a.owner ?? null,
    a.dueDate ?? null,
    a.status,
    a.createdAtMs,
    a.createdBy,
    a.createdVia ?? null,
    a.updatedAtMs,
    a.updatedBy,
    a.updatedVia ?? null,
  ];
}

/** The columns an edit writes, as `SET` text for a backend's placeholders, and their values. */
export const actionItemEditColumns = [
  'text',
  'type',
  'owner',
  'due_date',
  'status',
  'updated_at_ms',
  'updated_by',
  'updated_via',
] as const;

export function actionItemEditValues(a: ActionItem) {
  return [
    a.text,
    a.type,
    a.owner ?? null,
    a.dueDate ?? null,
    a.status,
    a.updatedAtMs,
    a.updatedBy,
    a.updatedVia ?? null,
  ];
}

/** A damaged column costs only the component states it held, never the update itself. */
function parseOrUndefined(text: string): Record<string, string> | undefined {
  try {
    return JSON.parse(text) as Record<string, string>;
  } catch {
    return undefined;
  }
}

/** Groups rows by incident id, keeping their order (the queries sort by position). */
export function byIncident<R extends { incident_id: string }>(rows: readonly R[]): Map<string, R[]> {
  const m = new Map<string, R[]>();
  for (const r of rows) {
    const list = m.get(r.incident_id) ?? [];
    list.push(r);
    m.set(r.incident_id, list);
  }
  return m;
}

/** An incident from its body and its timeline and update rows. */
export function assembleIncident(
  body: IncidentBody,
  timeline: readonly TimelineRow[] = [],
  updates: readonly UpdateRow[] = [],
): Incident {
  return { ...body, timeline: timeline.map(timelineEntry), updates: updates.map(statusUpdate) };
}

/** Sorted by id so that concurrent transactions lock rows in the same order and cannot deadlock. */
export function inIdOrder(incidents: readonly Incident[]): Incident[] {
  return [...incidents].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
