/**
 * Compares what a cluster view holds with what the simulator's store holds: same object
 * keys and resourceVersions for every watched resource. Used to prove "no duplicated or
 * lost objects".
 */

import { simStorageOf } from '../../src/cli/replay-feed.ts';
import type { WatchedResource } from '../../src/kube/observations.ts';
import { watchedResources } from '../../src/kube/observations.ts';
import type { ClusterView } from '../../src/observe/cluster-view.ts';
import { objectKey } from '../../src/observe/cluster-view.ts';
import type { Simulator } from '../../src/sim/simulator.ts';

export function storeSnapshot(sim: Simulator, resource: WatchedResource): Map<string, string> {
  const { r, namespace: ns } = simStorageOf(resource);
  const out = new Map<string, string>();
  for (const e of sim.store.list(r, { namespace: ns }).entries) out.set(e.key, String(e.rv));
  return out;
}

export function viewSnapshot(view: ClusterView, resource: WatchedResource): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of view.list(resource)) out.set(objectKey(o), o.metadata.resourceVersion ?? '');
  return out;
}

/** Resources whose view differs from the store, with a short description of how. */
export function differences(sim: Simulator, view: ClusterView): string[] {
  const out: string[] = [];
  for (const resource of watchedResources) {
    const a = storeSnapshot(sim, resource);
    const b = viewSnapshot(view, resource);
    const missing = [...a.keys()].filter((k) => !b.has(k));
    const extra = [...b.keys()].filter((k) => !a.has(k));
    const stale = [...a.keys()].filter((k) => b.has(k) && b.get(k) !== a.get(k));
    if (missing.length || extra.length || stale.length) {
      out.push(
        `${resource}: missing ${missing.length} [${missing.slice(0, 3).join(' ')}], extra ${extra.length} [${extra.slice(0, 3).join(' ')}], stale ${stale.length}`,
      );
    }
  }
  return out;
}
