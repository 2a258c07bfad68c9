/**
 * The view's transition history with an index by kind of change, so detectors that each
 * read one kind (restarts, workloads going short, kubelet versions) every round read only
 * those, and what they derive from the whole history is worked out again only when that
 * kind changed. A replay runs a round every 10 s of cluster time over up to 20,000
 * transitions: scanning them all in each detector was most of a round's cost.
 */
import { Ring } from './ring.ts';
import type { Transition } from './transitions.ts';

/** `pods:container/*\/restartCount`: the resource and the field with the container named by `*`. */
export type TransitionKind = string;

export function kindOf(t: Pick<Transition, 'resource' | 'field'>): TransitionKind {
  return `${t.resource}:${t.field.startsWith('container/') ? t.field.replace(/^container\/[^/]+\//, 'container/*/') : t.field}`;
}

/** The kinds detectors read on their own every round. */
export const restartKind = 'pods:container/*/restartCount';
export const nodeReadyKind = 'nodes:condition/Ready';
export const kubeletVersionKind = 'nodes:nodeInfo/kubeletVersion';
export const workloadReadyKinds = ['deployments:allReady', 'daemonsets:allReady'];

interface Indexed {
  /** The entries of this kind, oldest first; those the ring has dropped are cut lazily. */
  entries: { seq: number; t: Transition }[];
  head: number;
  /** Entries of this kind pushed, and cut since the ring dropped them: together, its version. */
  pushed: number;
  cut: number;
}

interface Derived {
  version: string;
  value: unknown;
}

export class TransitionLog extends Ring<Transition> {
  private readonly byKind = new Map<TransitionKind, Indexed>();
  private readonly derived = new Map<string, Derived>();

  override push(t: Transition): void {
    const seq = this.pushed;
    super.push(t);
    const kind = kindOf(t);
    let ix = this.byKind.get(kind);
    if (!ix) {
      ix = { entries: [], head: 0, pushed: 0, cut: 0 };
      this.byKind.set(kind, ix);
    }
    ix.entries.push({ seq, t });
    ix.pushed++;
  }

  /** The held transitions of these kinds, oldest first (each kind in order; kinds one after another). */
  of(...kinds: TransitionKind[]): Transition[] {
    const out: Transition[] = [];
    for (const kind of kinds) {
      const ix = this.held(kind);
      if (!ix) continue;
      for (let i = ix.head; i < ix.entries.length; i++) out.push(ix.entries[i].t);
    }
    return out;
  }

  /**
   * `compute` over the held transitions of `kinds`, remembered under `name` until a
   * transition of one of those kinds is added or dropped. `compute` must read nothing
   * else: not the clock, not the rest of the view.
   */
  derive<T>(name: string, kinds: TransitionKind[], compute: (transitions: Transition[]) => T): T {
    const version = kinds
      .map((k) => {
        const ix = this.held(k);
        return ix ? `${ix.pushed}-${ix.cut}` : '0';
      })
      .join('/');
    const known = this.derived.get(name);
    if (known?.version === version) return known.value as T;
    const value = compute(this.of(...kinds));
    this.derived.set(name, { version, value });
    return value;
  }

  /** The kind's index with what the ring has dropped cut off (and the array compacted now and then). */
  private held(kind: TransitionKind): Indexed | undefined {
    const ix = this.byKind.get(kind);
    if (!ix) return undefined;
    while (ix.head < ix.entries.length && ix.entries[ix.head].seq < this.dropped) {
      ix.head++;
      ix.cut++;
    }
    if (ix.head > 1024 && ix.head * 2 > ix.entries.length) {
      ix.entries = ix.entries.slice(ix.head);
      ix.head = 0;
    }
    return ix;
  }
}
