/**
 * The status page's subscribers as serve keeps them: in the store first, then in memory
 * (the delivery reads the list on every notification, so it must not cost a read). Adding
 * the same endpoint twice is one subscription (the store keeps the first).
 */
import { randomBytes } from 'node:crypto';
import type { IncidentStore } from '../incident/store/store.ts';
import type { Subscriber, SubscriberKind } from '../incident/subscriber.ts';
import { redactSpec } from '../publish/notify/targets.ts';

export class SubscriberBook {
  private readonly store: IncidentStore | undefined;
  private readonly byId = new Map<string, Subscriber>();

  constructor(o: { store?: IncidentStore } = {}) {
    this.store = o.store;
  }

  async restore(): Promise<number> {
    if (!this.store) return 0;
    const list = await this.store.listSubscribers();
    this.byId.clear();
    for (const s of list) this.byId.set(s.id, s);
    return list.length;
  }

  /** Oldest first. */
  list(): Subscriber[] {
    return [...this.byId.values()].sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id));
  }

  async add(o: {
    kind: SubscriberKind;
    endpoint: string;
    atMs: number;
    author: string;
  }): Promise<Subscriber> {
    const fresh: Subscriber = {
      id: `sub-${randomBytes(6).toString('hex')}`,
      kind: o.kind,
      endpoint: o.endpoint,
      createdAtMs: o.atMs,
      author: o.author,
    };
    const kept =
      (await this.store?.addSubscriber(fresh)) ??
      this.list().find((s) => s.kind === o.kind && s.endpoint === o.endpoint) ??
      fresh;
    this.byId.set(kept.id, kept);
    return kept;
  }

  async remove(id: string): Promise<boolean> {
    const stored = this.store ? await this.store.removeSubscriber(id) : this.byId.has(id);
    return this.byId.delete(id) || stored;
  }
}

/** How a subscriber may be shown: a webhook's URL cut to its scheme and host (the rest may be a secret). */
export function subscriberListing(s: Subscriber): Subscriber {
  if (s.kind !== 'webhook') return s;
  // The same cut as a --notify target's in logs and errors.
  return { ...s, endpoint: redactSpec(`webhook=${s.endpoint}`).slice('webhook='.length) };
}
