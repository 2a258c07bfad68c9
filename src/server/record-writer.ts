/**
 * The desk's writes to the incident store, kept in memory until the store has them. While
 * the database is away (a restart, a failover) nothing is dropped: incidents wait as their
 * latest state, actions and findings in the order they came, and the writer tries again
 * with backoff until they are in. Retrying is safe because every write is idempotent:
 * saving an incident appends only the timeline entries the store lacks (by position), a
 * finding is an upsert by key, and an action already stored as it is is not added twice.
 *
 * `durable()` is what the API answers on: it resolves once everything handed in so far is
 * in the store, and rejects while the store is failing.
 */
import type { Hypothesis } from '../diagnose/hypothesis.ts';
import type { Incident } from '../incident/incident.ts';
import { type ActionRecord, type IncidentStore, StoreUnavailableError } from '../incident/store/store.ts';
import type { Clock, Timer } from '../time/clock.ts';

export interface RetryOptions {
  /** Wall time, whatever clock the pipeline runs on: the database comes back in real time. */
  clock: Clock;
  /** The first wait after a failed write, doubled after each further failure... */
  firstMs?: number;
  /** ...up to this. */
  maxMs?: number;
}

export class RecordWriter {
  private readonly store: IncidentStore;
  private readonly retry: Required<RetryOptions>;
  private readonly log: (msg: string, fields?: Record<string, unknown>) => void;
  /** Per incident, its latest state (the tracker's own object, so always its newest). */
  private readonly incidents = new Map<string, { incident: Incident }>();
  private readonly actions: Omit<ActionRecord, 'id'>[] = [];
  private readonly findings: { list: readonly Hypothesis[]; atMs: number }[] = [];
  /** Changes handed in so far, and how many of them the store is known to hold. */
  private version = 0;
  private written = 0;
  private draining: Promise<void> | undefined;
  private retryTimer: Timer | undefined;
  private nextDelayMs: number;
  private closed = false;
  /** Why the last write failed, until a later one gets everything in. */
  error: string | undefined;
  /** After each write that left nothing behind (the desk drops its cached reads). */
  onWritten: () => void = () => {};

  constructor(o: {
    store: IncidentStore;
    retry: RetryOptions;
    log?: (msg: string, fields?: Record<string, unknown>) => void;
  }) {
    this.store = o.store;
    this.retry = { firstMs: 250, maxMs: 5_000, ...o.retry };
    this.nextDelayMs = this.retry.firstMs;
    this.log = o.log ?? (() => {});
  }

  saveIncidents(list: readonly Incident[]): void {
    // A fresh entry each time: a write already under way can tell it did not cover this change.
    for (const incident of list) this.incidents.set(incident.id, { incident });
    this.version += list.length;
    this.changed();
  }

  addAction(a: Omit<ActionRecord, 'id'>): void {
    this.actions.push(a);
    this.version++;
    this.changed();
  }

  saveFindings(list: readonly Hypothesis[], atMs: number): void {
    this.findings.push({ list, atMs });
    this.version++;
    this.changed();
  }

  /** Changes waiting for the store. */
  get backlog(): number {
    return this.incidents.size + this.actions.length + this.findings.length;
  }

  /** Resolves once everything handed in so far is stored; rejects while the store fails. */
  async durable(): Promise<void> {
    const want = this.version;
    while (this.written < want) {
      if (this.closed) throw new StoreUnavailableError('the store is closed: serve is stopping');
      if (this.error !== undefined && !this.draining)
        throw new StoreUnavailableError(this.error, {
          hint: 'kept in memory and written once the store is back (see /healthz)',
        });
      await this.attempt();
    }
  }

  /** Writes now (without waiting for the backoff) and resolves when that attempt ends. */
  attempt(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  /** Stops retrying (the store is about to close); what is left is logged. */
  close(): void {
    this.closed = true;
    this.retryTimer?.cancel();
    if (this.backlog)
      this.log('stopping with changes the store never took; they are lost', {
        backlog: this.backlog,
        error: this.error,
      });
  }

  private changed(): void {
    // While failing, the retry timer decides when to try again: a round every few seconds
    // must not hammer a database that is restarting.
    if (this.error === undefined) void this.attempt();
  }

  private async drain(): Promise<void> {
    while (this.backlog) {
      const upTo = this.version;
      try {
        await this.writeOnce();
      } catch (err) {
        this.failed(err);
        return;
      }
      this.written = Math.max(this.written, upTo);
      // Back as soon as what was waiting is in: changes that keep coming meanwhile (a busy
      // API, rounds) are ordinary writes, and must not hold the store "unavailable".
      this.recovered();
    }
    this.written = this.version;
  }

  private recovered(): void {
    this.onWritten();
    if (this.error === undefined) return;
    this.log('store back: the changes kept in memory are written');
    this.error = undefined;
    this.nextDelayMs = this.retry.firstMs;
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
  }

  /** One pass over the backlog; each part leaves the backlog only once the store has it. */
  private async writeOnce(): Promise<void> {
    while (this.actions.length) {
      await this.store.addAction(this.actions[0]);
      this.actions.shift();
    }
    const batch = [...this.incidents.values()];
    if (batch.length) {
      await this.store.saveIncidents(batch.map((b) => b.incident));
      // An incident handed in again while the write ran may have been saved half-way: keep it.
      for (const b of batch)
        if (this.incidents.get(b.incident.id) === b) this.incidents.delete(b.incident.id);
    }
    while (this.findings.length) {
      await this.store.saveFindings(this.findings[0].list, this.findings[0].atMs);
      this.findings.shift();
    }
  }

  private failed(err: unknown): void {
    const first = this.error === undefined;
    this.error = (err as Error).message;
    if (first)
      this.log('store write failed; kept in memory and retried until the store takes it', {
        err: this.error,
        backlog: this.backlog,
      });
    if (this.closed) return;
    this.retryTimer?.cancel();
    this.retryTimer = this.retry.clock.after(this.nextDelayMs, () => {
      this.retryTimer = undefined;
      void this.attempt();
    });
    this.nextDelayMs = Math.min(this.nextDelayMs * 2, this.retry.maxMs);
  }
}
