/**
 * How many objects of a resource the store holds, per namespace and in all, kept current
 * from the store's change events so that a LIST's cost can follow the cluster's size at
 * O(1) per question. A resource is counted from the first time someone asks.
 */
import type { ObjectStore } from '../store/object-store.ts';
import { findResourceByName } from './resources-lookup.ts';

export class ResourceCounts {
  private readonly store: ObjectStore;
  private readonly counts = new Map<string, Map<string, number>>();
  private readonly offs: (() => void)[] = [];

  constructor(store: ObjectStore) {
    this.store = store;
  }

  count(resource: string, group: string, namespace?: string): number {
    const r = findResourceByName(resource, group);
    if (!r) return 0;
    let byNs = this.counts.get(r.storage);
    if (!byNs) {
      const m = new Map<string, number>();
      byNs = m;
      this.counts.set(r.storage, m);
      for (const e of this.store.list(r).entries) m.set(e.namespace, (m.get(e.namespace) ?? 0) + 1);
      this.offs.push(
        this.store.subscribe(r.storage, (ev) => {
          const d = ev.type === 'ADDED' ? 1 : ev.type === 'DELETED' ? -1 : 0;
          if (d) m.set(ev.entry.namespace, (m.get(ev.entry.namespace) ?? 0) + d);
        }),
      );
    }
    if (namespace !== undefined) return byNs.get(namespace) ?? 0;
    let n = 0;
    for (const v of byNs.values()) n += v;
    return n;
  }

  stop(): void {
    for (const off of this.offs) off();
  }
}
