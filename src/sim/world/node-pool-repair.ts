/**
 * What a cloud node pool does when a worker's Node object is deleted through the API (node
 * auto-repair, managed node groups, cluster-autoscaler cleaning up): the machine behind it
 * is terminated, and a fresh one from the pool's image joins a few minutes later under a
 * new name. Machines the scenario itself removes (`world.removeNode`) are already gone
 * from their pool when their Node is deleted, so they are not replaced.
 */
import type { Clock, Timer } from '../../time/clock.ts';
import { resourceForKind } from '../api/resources.ts';
import type { ObjectStore } from '../store/object-store.ts';
import type { ScenarioWorld } from './scenario-world.ts';

const nodeType = resourceForKind('Node')!;

/** How long the provider takes to bring up the replacement machine (the same as a scenario's replace). */
export const poolReplacementMs = 4 * 60_000;

export function startPoolRepair(o: { store: ObjectStore; clock: Clock; world: ScenarioWorld }): () => void {
  const { store, clock, world } = o;
  const timers = new Set<Timer>();
  const later = (ms: number, fn: () => void) => {
    const t = clock.after(ms, () => {
      timers.delete(t);
      fn();
    });
    timers.add(t);
  };
  const off = store.subscribe(nodeType.storage, (e) => {
    if (e.type !== 'DELETED') return;
    const pool = world.pools.get(e.entry.name);
    if (!pool) return;
    // Out of the store's listener first: terminating the machine deletes its pods and Lease.
    later(0, () => {
      if (!world.pools.has(e.entry.name)) return;
      world.removeNode(e.entry.name);
      later(poolReplacementMs, () => world.addNode(pool));
    });
  });
  return () => {
    off();
    for (const t of timers) t.cancel();
    timers.clear();
  };
}
