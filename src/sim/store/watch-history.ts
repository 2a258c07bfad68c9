/**
 * The bounded log of changes that watches replay from. It keeps events for a time window
 * and up to a maximum count, like kube-apiserver's watch cache in front of a compacting
 * etcd: a client that reconnects from a resourceVersion older than the log must relist.
 */
import type { Clock } from '../../time/clock.ts';
import type { StoredEntry } from './object-store.ts';

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  storage: string;
  rv: number;
  /** The object after the change (for DELETED, its last state at the deletion's revision). */
  entry: StoredEntry;
  /** The object before the change, so filtered watches can see objects enter or leave. */
  prev?: StoredEntry;
}

interface Retained {
  event: WatchEvent;
  atMs: number;
}

export class WatchHistory {
  private readonly clock: Clock;
  private readonly windowMs: number;
  private readonly maxEvents: number;
  private log: Retained[] = [];
  private head = 0;
  /** Everything at or below this revision has been compacted away. */
  private compactedRv = 0;

  constructor(opts: { clock: Clock; windowMs: number; maxEvents: number }) {
    this.clock = opts.clock;
    this.windowMs = opts.windowMs;
    this.maxEvents = opts.maxEvents;
  }

  append(event: WatchEvent): void {
    this.log.push({ event, atMs: this.clock.now() });
    this.trim();
  }

  /**
   * The oldest revision whose successors are all still retained, given the store's
   * current revision. A watch from rv R can be served iff R >= oldestRetained - 1.
   */
  oldestRetained(currentRv: number): number {
    this.trim();
    const first = this.log[this.head];
    return first ? first.event.rv : Math.max(this.compactedRv, currentRv) + 1;
  }

  since(storage: string, fromRv: number): WatchEvent[] {
    const out: WatchEvent[] = [];
    // Binary search for the first event after fromRv; revisions are strictly increasing.
    let lo = this.head;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log[mid].event.rv <= fromRv) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.log.length; i++) {
      const e = this.log[i].event;
      if (e.storage === storage) out.push(e);
    }
    return out;
  }

  compactTo(rv: number): void {
    this.compactedRv = Math.max(this.compactedRv, rv);
    this.trim();
  }

  get size(): number {
    return this.log.length - this.head;
  }

  private trim(): void {
    const cutoff = this.clock.now() - this.windowMs;
    while (this.head < this.log.length) {
      const r = this.log[this.head];
      const tooMany = this.log.length - this.head > this.maxEvents;
      if (!tooMany && r.atMs >= cutoff && r.event.rv > this.compactedRv) break;
      this.compactedRv = Math.max(this.compactedRv, r.event.rv);
      this.head++;
    }
    // Reclaim the dropped prefix now and then rather than shifting on every event.
    if (this.head > 1024 && this.head * 2 > this.log.length) {
      this.log = this.log.slice(this.head);
      this.head = 0;
    }
  }
}
