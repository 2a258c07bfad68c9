/**
 * The incident desk: everything that happens to incidents after the pipeline's round, in
 * one place for `serve`, live or replayed. Each round's changes get their automatic
 * status-page update, go to the notifiers, and are written to the store; operators' notes,
 * actions, status changes and updates (from the JSON API) take the same path.
 *
 * Writes never block a round: the record writer (record-writer.ts) works through them in
 * order and keeps them in memory while the database is away, retrying until it is back.
 * The API instead waits for `durable()` before it answers, so it never acknowledges a
 * change the store does not hold; `flush()` writes what is waiting (shutdown, tests).
 */
import type { Hypothesis } from '../diagnose/hypothesis.ts';
import type { ActionItem, ActionItemChange, NewActionItem } from '../incident/action-items.ts';
import type { Incident, IncidentStatus, StatusUpdate } from '../incident/incident.ts';
import type { ActionItemStore, ActionRecord, IncidentStore } from '../incident/store/store.ts';
import type { IncidentChange, IncidentTracker } from '../incident/tracker.ts';
import { autoUpdate } from '../publish/status-updates.ts';
import { realClock } from '../time/clock.ts';
import { MemoryActionItems } from './memory-action-items.ts';
import { RecordWriter, type RetryOptions } from './record-writer.ts';

export interface DeskListener {
  /** A change worth telling people about (never awaited). */
  notify?(change: IncidentChange): void;
  /** A public update now on the status page (never a draft; never awaited): subscribers hear of it. */
  published?(incident: Incident, update: StatusUpdate): void;
}

export interface DeskOptions {
  tracker: IncidentTracker;
  store?: IncidentStore;
  listeners?: DeskListener[];
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /**
   * Post the automatic public update of each status change at once (true, the default for
   * replays), or keep it as a draft for a person to publish (serve on a live cluster,
   * unless --auto-publish): what customers read is a person's call.
   */
  autoPublish?: boolean;
  /** How writes the store refused are retried (default: from 250 ms, doubling to 5 s, wall time). */
  retry?: Partial<RetryOptions>;
}

export class IncidentDesk {
  readonly tracker: IncidentTracker;
  readonly store?: IncidentStore;
  private readonly listeners: DeskListener[];
  private readonly log: NonNullable<DeskOptions['log']>;
  private readonly writer: RecordWriter | undefined;
  private findingsKey = '';
  /** Actions outside any incident, kept in memory when there is no store. */
  private readonly looseActions: ActionRecord[] = [];
  /** Postmortem action items: the store's, or a list in memory when there is none. */
  private readonly items: ActionItemStore;
  readonly autoPublish: boolean;
  /** The public update waiting for a person, per incident (latest status change only). */
  private readonly drafts = new Map<string, StatusUpdate>();
  /**
   * The stored history per status query, read once and kept until this desk writes again:
   * the status page is public and the dashboard polls, so neither may cost a full read.
   * Only this desk (the leader) writes the record, so nothing else makes it stale.
   */
  private readonly history = new Map<string, Promise<Incident[]>>();
  lastRoundMs: number | undefined;

  constructor(o: DeskOptions) {
    this.tracker = o.tracker;
    this.store = o.store;
    this.listeners = o.listeners ?? [];
    this.log = o.log ?? (() => {});
    this.autoPublish = o.autoPublish ?? true;
    this.items = o.store ?? new MemoryActionItems();
    if (o.store) {
      this.writer = new RecordWriter({
        store: o.store,
        retry: { clock: realClock, ...o.retry },
        log: this.log,
      });
      this.writer.onWritten = () => this.history.clear();
    }
  }

  /** Why the store is not taking writes right now (for /healthz), or undefined while it is. */
  get storeError(): string | undefined {
    return this.writer?.error;
  }

  /** Changes held in memory that the store does not have yet. */
  get backlog(): number {
    return this.writer?.backlog ?? 0;
  }

  /** Resolves once every change made so far is in the store; rejects while the store fails. */
  async durable(): Promise<void> {
    this.persist();
    await this.writer?.durable();
  }

  /** Picks up the stored record: open incidents and those resolved recently enough to reopen. */
  async restore(nowMs: number, keepResolvedMs = 7 * 86_400_000): Promise<number> {
    if (!this.store) return 0;
    const [open, recent, seq] = await Promise.all([
      this.store.listIncidents({ status: 'open' }),
      this.store.listIncidents({ status: 'resolved', openedSinceMs: nowMs - keepResolvedMs }),
      this.store.lastIncidentSeq(),
    ]);
    this.tracker.restore([...open, ...recent], seq);
    return open.length;
  }

  /** After each pipeline round. */
  afterRound(nowMs: number, changes: readonly IncidentChange[], findings: readonly Hypothesis[]): void {
    this.lastRoundMs = nowMs;
    for (const c of changes) {
      const u = autoUpdate(c.incident, nowMs);
      if (u && this.autoPublish) this.publish(c.incident.id, u);
      else if (u) this.drafts.set(c.incident.id, u);
      for (const l of this.listeners) l.notify?.(c);
    }
    this.persist();
    const key = findings.map((f) => `${f.pattern} ${f.statement}`).join('\n');
    if (this.writer && key !== this.findingsKey) {
      this.findingsKey = key;
      this.writer.saveFindings([...findings], nowMs);
    }
  }

  note(
    id: string,
    text: string,
    o: { atMs: number; author: string; via?: string; kind?: 'note' | 'action' },
  ): Incident {
    const i = this.tracker.note(id, text, o);
    this.persist();
    return i;
  }

  /** A status set by hand, with the operator's public message (or the automatic one). */
  setStatus(
    id: string,
    status: IncidentStatus,
    o: {
      atMs: number;
      author: string;
      via?: string;
      message?: string;
      why?: string;
      components?: Record<string, string>;
    },
  ): Incident {
    const before = this.tracker.get(id)?.status;
    const by = o.via ? `${o.author} with token ${o.via}` : o.author;
    const i = this.tracker.setStatusByHand(id, status, o.atMs, by, o.why ?? 'changed by hand');
    if (before !== status) {
      // A person moved it: the draft for the old status is moot.
      this.drafts.delete(id);
      if (o.message)
        this.publish(id, {
          atMs: o.atMs,
          status,
          message: o.message,
          author: o.author,
          ...viaOf(o),
          ...(o.components ? { components: o.components } : {}),
        });
      else {
        const u = autoUpdate(i, o.atMs);
        if (u) this.publish(id, u);
      }
      for (const l of this.listeners) l.notify?.({ incident: i, what: 'status' });
    }
    this.persist();
    return i;
  }

  /** The automatic update waiting to be published, if any. */
  draft(id: string): StatusUpdate | undefined {
    const d = this.drafts.get(id);
    // A draft for a status the incident has since left is no longer true.
    if (d && this.tracker.get(id)?.status !== d.status) {
      this.drafts.delete(id);
      return undefined;
    }
    return d;
  }

  /** Publishes the draft as a person's update, in their words if they edited it. */
  publishDraft(
    id: string,
    o: { atMs: number; author: string; via?: string; message?: string },
  ): Incident | undefined {
    const d = this.draft(id);
    if (!d) return undefined;
    this.drafts.delete(id);
    const i = this.publish(id, {
      ...d,
      atMs: o.atMs,
      author: o.author,
      ...viaOf(o),
      message: o.message ?? d.message,
    });
    this.persist();
    return i;
  }

  discardDraft(id: string): boolean {
    return this.drafts.delete(id);
  }

  /** A public update written by hand (keeps the current status unless one is given). */
  postUpdate(
    id: string,
    o: {
      atMs: number;
      author: string;
      via?: string;
      message: string;
      status?: IncidentStatus;
      components?: Record<string, string>;
    },
  ): Incident {
    const current = this.tracker.get(id)?.status;
    if (o.status && o.status !== current) return this.setStatus(id, o.status, o);
    this.drafts.delete(id);
    const i = this.publish(id, {
      atMs: o.atMs,
      status: current ?? 'investigating',
      message: o.message,
      author: o.author,
      ...viaOf(o),
      ...(o.components ? { components: o.components } : {}),
    });
    this.persist();
    return i;
  }

  /**
   * An action on the cluster. With an incident it goes on that incident's timeline;
   * without one it is kept for whichever incident's window it falls in (a change made
   * before anything broke is still part of the story).
   */
  async addAction(
    text: string,
    o: { atMs: number; author: string; via?: string; incidentId?: string },
  ): Promise<void> {
    if (o.incidentId) {
      this.note(o.incidentId, text, { atMs: o.atMs, author: o.author, ...viaOf(o), kind: 'action' });
      return;
    }
    const a = { atMs: o.atMs, text, author: o.author, ...viaOf(o) };
    if (this.writer) this.writer.addAction(a);
    else this.looseActions.push({ id: this.looseActions.length + 1, ...a });
  }

  async actions(q: { fromMs?: number; toMs?: number } = {}): Promise<ActionRecord[]> {
    if (this.store) {
      await this.flush();
      return this.store.listActions(q);
    }
    return this.looseActions.filter(
      (a) => a.atMs >= (q.fromMs ?? -Infinity) && a.atMs <= (q.toMs ?? Infinity),
    );
  }

  /**
   * A postmortem's action items. They are written straight to the store, not through the
   * record writer: the caller needs the id the store assigns, and a person editing a list
   * is better told "not saved, retry" (503) than shown an item that may not exist.
   */
  actionItems(incidentId: string): Promise<ActionItem[]> {
    return this.items.listActionItems(incidentId);
  }

  async addActionItem(a: NewActionItem): Promise<ActionItem> {
    // An item belongs to a stored incident: one opened this round may still be on its way.
    await this.durable();
    return this.items.addActionItem(a);
  }

  updateActionItem(
    incidentId: string,
    id: number,
    change: ActionItemChange,
  ): Promise<ActionItem | undefined> {
    return this.items.updateActionItem(incidentId, id, change);
  }

  deleteActionItem(incidentId: string, id: number): Promise<boolean> {
    return this.items.deleteActionItem(incidentId, id);
  }

  /** One incident, the in-memory version first (it is the freshest), else the store's. */
  async incident(id: string): Promise<Incident | undefined> {
    return this.tracker.get(id) ?? (await this.store?.getIncident(id));
  }

  /** All incidents: the stored history with the in-memory ones on top, newest first. */
  async incidents(q: { status?: IncidentStatus | 'open'; limit?: number } = {}): Promise<Incident[]> {
    const byId = new Map<string, Incident>();
    for (const i of (await this.storedHistory(q.status)) ?? []) byId.set(i.id, i);
    for (const i of this.tracker.incidents()) byId.set(i.id, i);
    const wanted = [...byId.values()].filter((i) =>
      q.status === undefined ? true : q.status === 'open' ? i.status !== 'resolved' : i.status === q.status,
    );
    wanted.sort((a, b) => b.openedAtMs - a.openedAtMs || b.id.localeCompare(a.id));
    return q.limit ? wanted.slice(0, q.limit) : wanted;
  }

  private storedHistory(status: IncidentStatus | 'open' | undefined): Promise<Incident[]> | undefined {
    const store = this.store;
    if (!store) return undefined;
    const key = status ?? 'all';
    let list = this.history.get(key);
    if (!list) {
      list = store.listIncidents({ status });
      // A failed read is not kept: the next request tries again.
      list.catch(() => this.history.delete(key));
      this.history.set(key, list);
    }
    return list;
  }

  /** Tries to write what is waiting now; resolves when that attempt ends (what fails is kept). */
  async flush(): Promise<void> {
    this.persist();
    await this.writer?.attempt();
  }

  /** A last attempt at what is waiting, then no more retries: the store is about to close. */
  async close(): Promise<void> {
    await this.flush();
    this.writer?.close();
  }

  /** Every public update goes on the page through here, and only then to the listeners. */
  private publish(id: string, u: StatusUpdate): Incident {
    const i = this.tracker.postUpdate(id, u);
    for (const l of this.listeners) l.published?.(i, u);
    return i;
  }

  private persist(): void {
    const dirty = this.tracker.takeDirty();
    if (this.writer && dirty.length) this.writer.saveIncidents(dirty);
  }
}

/** `via` only when a named token wrote it: records from unnamed tokens stay as they were. */
function viaOf(o: { via?: string }): { via?: string } {
  return o.via ? { via: o.via } : {};
}
