/**
 * A compact memory of when node problems began: the kubelet's Ready turning False or
 * Unknown, and a problem-style condition (the node agent's, NPD's, the kubelet's pressure
 * conditions) turning True. It outlives the transition ring, which on a large cluster is
 * filled by pod churn within hours, so that failures recurring at the same time on
 * different days (a nightly job, a daily upgrade timer) can still be lined up.
 *
 * Bounded twice: one onset per node and condition per debounce period (a flapping node
 * does not fill it), and a fixed number of entries overall.
 */
import { Ring } from './ring.ts';
import type { Transition } from './transitions.ts';

export interface NodeOnset {
  node: string;
  /** When the problem began, by the node's own clock where the condition says so. */
  atMs: number;
  /** The condition type, e.g. `Ready`, `PackageUpgradeInProgress`. */
  condition: string;
  /** The status it turned to. */
  status: string;
  reason: string;
}

/**
 * States, not happenings: a timer that is enabled says nothing about when things break,
 * only the runs it starts do.
 */
const notOnsets: ReadonlySet<string> = new Set(['AutomaticUpgradeScheduled']);

/** Flaps closer together than this are one onset: the first of a bad spell is what recurs. */
export const onsetDebounceMs = 30 * 60_000;

function isOnset(t: Transition): boolean {
  if (t.resource !== 'nodes' || !t.field.startsWith('condition/')) return false;
  const type = t.field.slice('condition/'.length);
  if (type === 'Ready') return (t.to === 'False' || t.to === 'Unknown') && (t.from === 'True' || !t.from);
  return t.to === 'True' && t.from !== 'True' && !notOnsets.has(type);
}

export class NodeOnsets {
  private readonly ring: Ring<NodeOnset>;
  private readonly lastKept = new Map<string, number>();
  private readonly limit: number;

  constructor(limit = 20_000) {
    this.limit = limit;
    this.ring = new Ring(limit);
  }

  /** Keeps the transition if it starts a node problem. */
  record(t: Transition): void {
    if (!isOnset(t)) return;
    const condition = t.field.slice('condition/'.length);
    const stated = Date.parse(t.detail?.lastTransitionTime ?? '');
    const atMs = Number.isFinite(stated) ? stated : t.atMs;
    const key = `${t.key}\n${condition}`;
    const last = this.lastKept.get(key);
    if (last !== undefined && Math.abs(atMs - last) < onsetDebounceMs) return;
    // Node names churn with autoscaling; forgetting old debounce marks only risks a duplicate.
    if (this.lastKept.size >= this.limit) this.lastKept.clear();
    this.lastKept.set(key, atMs);
    this.ring.push({ node: t.key, atMs, condition, status: t.to ?? '', reason: t.detail?.reason ?? '' });
  }

  get size(): number {
    return this.ring.size;
  }

  toArray(): NodeOnset[] {
    return this.ring.toArray();
  }
}
