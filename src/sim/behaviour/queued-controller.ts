/**
 * The shape every simulated controller shares: watch some resources, coalesce a burst of
 * changes into one pass on the next tick (a work queue), and sync everything in that pass.
 */
import type { Clock } from '../../time/clock.ts';
import type { ObjectStore } from '../store/object-store.ts';

export abstract class QueuedController {
  protected readonly store: ObjectStore;
  protected readonly clock: Clock;
  private queued = false;
  private unsubscribe: (() => void)[] = [];

  constructor(o: { store: ObjectStore; clock: Clock }) {
    this.store = o.store;
    this.clock = o.clock;
  }

  /** The stored collections whose changes trigger a pass. */
  protected abstract watches(): string[];

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
    this.unsubscribe = this.watches().map((storage) => this.store.subscribe(storage, wake));
    wake();
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
  }
}
