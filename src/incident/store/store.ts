/**
 * The incident record, durable: one interface, two backends (SQLite through `node:sqlite`,
 * the default, a file under `--data-dir`; PostgreSQL through `pg`, `--database-url`), one
 * conformance suite (`store-conformance.ts`) that both must pass.
 *
 * What is kept: each incident's current state (status, severity, top hypothesis and
 * runner-up with their evidence, blast radius), its timeline and its public status
 * updates (both append-only: an entry, once stored, never changes), the latest
 * single-workload findings, and actions taken on the cluster that belong to no incident
 * yet (a change made before anything broke is still part of the story), and each
 * incident's postmortem action items (the only rows edited in place: an owner, a due date
 * and a status change as the work gets done).
 *
 * A store is scoped to one cluster (`cluster`): several clusters can share one PostgreSQL
 * database, and incident ids (`INC-0001`) are unique per cluster.
 *
 * Every write is one transaction and is durable when its promise resolves: a process
 * killed at any point afterwards loses none of it (SQLite: WAL with synchronous=FULL;
 * PostgreSQL: a committed transaction).
 */
import type { Hypothesis } from '../../diagnose/hypothesis.ts';
import type { ActionItem, ActionItemChange, NewActionItem } from '../action-items.ts';
import type { Incident, IncidentStatus } from '../incident.ts';
import type { Maintenance } from '../maintenance.ts';
import type { Subscriber } from '../subscriber.ts';

/** An action on the cluster recorded outside any incident's timeline. */
export interface ActionRecord {
  /** Assigned by the store. */
  id: number;
  atMs: number;
  author: string;
  text: string;
  /** The named API token that recorded it (TimelineEntry.via). */
  via?: string;
}

/** A single-workload finding as last seen. */
export interface StoredFinding {
  /** `pattern` plus the workload it is about: stable across rounds. */
  key: string;
  firstSeenMs: number;
  lastSeenMs: number;
  finding: Hypothesis;
}

export interface IncidentQuery {
  /** Only incidents in these states; `open` means anything but resolved. */
  status?: IncidentStatus | 'open';
  /** Only incidents opened at or after this time. */
  openedSinceMs?: number;
  /** Newest first, at most this many (default: all). */
  limit?: number;
}

/**
 * A postmortem's action items (incident/action-items.ts). Every method is one transaction;
 * an item belongs to one incident, and asking for it under another finds nothing.
 */
export interface ActionItemStore {
  /** The incident's items, oldest first. */
  listActionItems(incidentId: string): Promise<ActionItem[]>;
  /**
   * Adds one to a stored incident, or returns the one it already has with the same text: a
   * write retried after its connection dropped, or one suggestion accepted from two screens.
   */
  addActionItem(a: NewActionItem): Promise<ActionItem>;
  /**
   * Applies `change` (changedActionItem) and returns the item as stored, or undefined when
   * the incident has no such item. A text another of its items has: DuplicateActionItemError.
   */
  updateActionItem(incidentId: string, id: number, change: ActionItemChange): Promise<ActionItem | undefined>;
  /** False when the incident had no such item. */
  deleteActionItem(incidentId: string, id: number): Promise<boolean>;
}

export interface IncidentStore extends ActionItemStore {
  readonly backend: 'sqlite' | 'postgres';
  readonly cluster: string;
  /**
   * Writes each incident's current state and appends the timeline entries and status
   * updates it holds beyond what is stored (by position), all in one transaction.
   * Saving the same incident again with nothing new is a no-op for its timeline.
   */
  saveIncidents(incidents: readonly Incident[]): Promise<void>;
  /** The whole incident with its timeline and updates, or undefined. */
  getIncident(id: string): Promise<Incident | undefined>;
  /** Whole incidents, newest opened first. */
  listIncidents(q?: IncidentQuery): Promise<Incident[]>;
  /**
   * Every cluster this database keeps incidents for, with how many, by name: `incidents`
   * and `postmortem` name them when the chosen cluster has none (replay keeps its record
   * under the scenario's name, serve under the kubeconfig context's).
   */
  listClusters(): Promise<{ cluster: string; incidents: number }[]>;
  /** The highest incident sequence number used in this cluster (0 when none): ids continue after a restart. */
  lastIncidentSeq(): Promise<number>;
  /**
   * Records an action, or returns the one already stored with the same time, author and
   * text: a write retried after its connection dropped may have committed the first time.
   */
  addAction(a: Omit<ActionRecord, 'id'>): Promise<ActionRecord>;
  /** Actions in [fromMs, toMs] (either bound optional), oldest first. */
  listActions(q?: { fromMs?: number; toMs?: number }): Promise<ActionRecord[]>;
  /**
   * The current single-workload findings: each is upserted by key (first seen kept, last
   * seen and content updated); findings not in the list are left as they were.
   */
  saveFindings(findings: readonly Hypothesis[], atMs: number): Promise<void>;
  /** Findings last seen at or after `sinceMs` (default: all), most recent first. */
  listFindings(q?: { sinceMs?: number }): Promise<StoredFinding[]>;
  /** Writes a scheduled maintenance as it is now (an upsert by id: its status and updates included). */
  saveMaintenance(m: Maintenance): Promise<void>;
  /** Every maintenance of this cluster, earliest window first (a few a month: no paging). */
  listMaintenances(): Promise<Maintenance[]>;
  /**
   * Adds a status-page subscriber, or returns the one already stored with the same kind and
   * endpoint: subscribing twice (or a retried write) is one subscription.
   */
  addSubscriber(s: Subscriber): Promise<Subscriber>;
  /** Removes a subscriber; false when there was none by that id. */
  removeSubscriber(id: string): Promise<boolean>;
  /** Subscribers, oldest first. */
  listSubscribers(): Promise<Subscriber[]>;
  close(): Promise<void>;
}

/** The key a finding is stored under: its pattern and what it is about. */
export function findingKey(f: Hypothesis): string {
  const about = f.blastRadius.workloads?.join(',') || f.blastRadius.services?.join(',') || f.statement;
  return `${f.pattern} ${about}`;
}

/** The sequence number inside an incident id (`INC-0042` → 42). */
export function incidentSeq(id: string): number {
  const m = /(\d+)$/.exec(id);
  return m ? Number(m[1]) : 0;
}

/** A store that cannot be opened or that answers nonsense. Names the database and the next step. */
export class StoreError extends Error {
  readonly hint?: string;
  constructor(message: string, o: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: o.cause });
    this.name = 'StoreError';
    this.hint = o.hint;
  }
}

/**
 * An action item edited to say what another item of its incident already says (the store
 * keeps one of each): the caller's request, not the database, is at fault.
 */
export class DuplicateActionItemError extends StoreError {
  constructor(incidentId: string, text: string) {
    super(`${incidentId} already has the action item "${text}"`, {
      hint: 'edit that item instead, or word this one differently',
    });
    this.name = 'DuplicateActionItemError';
  }
}

/**
 * The database cannot be reached right now (down, restarting, the connection cut): the
 * same write may succeed later on a new connection, unlike a refused or corrupt one.
 */
export class StoreUnavailableError extends StoreError {
  constructor(message: string, o: { hint?: string; cause?: unknown } = {}) {
    super(message, o);
    this.name = 'StoreUnavailableError';
  }
}
