/**
 * The shape every simulated controller shares: watch some resources, coalesce a burst of
 * changes into one pass on the next tick (a work queue), and sync everything in that pass.
 */
import type { Clock } from '../../time/clock.ts';
import { type ObjectStore, parsedEntry, type StoredEntry } from '../store/object-store.ts';
import type { WatchEvent } from '../store/watch-history.ts';

/**
 * A filter for Pod events that passes what replica counting depends on (a pod appearing,
 * going, starting to terminate, turning Ready or not), not every container status write.
 */
export function podReadinessChanges(
  relevant: (e: StoredEntry) => boolean = () => true,
): (e: StoredEntry, type: WatchEvent['type']) => boolean {
  const seen = new Map<string, string>();
  return (e, type) => {
    if (!relevant(e)) return false;
    if (type === 'DELETED') {
      seen.delete(e.key);
      return true;
    }
    const o = parsedEntry(e) as { status?: { conditions?: { type: string; status: string }[] } };
    const ready = o.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '';
    const sig = `${e.terminating}|${ready}`;
    if (seen.get(e.key) === sig) return false;
    seen.set(e.key, sig);
    return true;
  };
}

/**
 * A filter for Node events that passes only what placement depends on (labels, taints,
 * schedulability, deletion), not the status churn of heartbeats and agent reports.
 */
export function nodePlacementChanges(): (e: StoredEntry, type: WatchEvent['type']) => boolean {
  const seen = new Map<string, string>();
  return (e, type) => {
    if (type === 'DELETED') {
      seen.delete(e.key);
      return true;
    }
    const o = parsedEntry(e) as {
      metadata: { labels?: unknown; deletionTimestamp?: string };
      spec?: unknown;
    };
    const sig = JSON.stringify([o.metadata.labels, o.metadata.deletionTimestamp, o.spec]);
    if (seen.get(e.key) === sig) return false;
    seen.set(e.key, sig);
    return true;
  };
}

export abstract class QueuedController {
  protected readonly store: ObjectStore;
  protected readonly clock: Clock;
  private queued = false;
  private retryQueued = false;
  private unsubscribe: (() => void)[] = [];

  constructor(o: { store: ObjectStore; clock: Clock }) {
    this.store = o.store;
    this.clock = o.clock;
  }

  /**
   * The stored collections whose changes trigger a pass, each optionally with a filter on
   * the changed entry (a ReplicaSet controller cares only about pods that a ReplicaSet owns).
   */
  protected abstract watches(): (string | [string, (e: StoredEntry, type: WatchEvent['type']) => boolean])[];

  abstract syncAll(): void;

  start(): void {
    const wake = (): void => {
      if (this.queued) return;
      this.queued = true;
      this.clock.after(0, () => {
        this.queued = false;
        this.syncAll();
      });
    };
    this.unsubscribe = this.watches().map((w) => {
      if (typeof w === 'string') return this.store.subscribe(w, wake);
      const [storage, relevant] = w;
      return this.store.subscribe(storage, (ev) => {
        if (relevant(ev.entry, ev.type)) wake();
      });
    });
    wake();
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
  }

  /** A sync failed (a write was refused): try again later, as the work queue's rate limiter does. */
  protected retryLater(ms = 15_000): void {
    if (this.retryQueued) return;
    this.retryQueued = true;
    this.clock.after(ms, () => {
      this.retryQueued = false;
      if (this.unsubscribe.length) this.syncAll();
    });
  }
}
