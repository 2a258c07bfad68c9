/**
 * The replay feed: the simulator's own changes handed straight to `observe`, in the
 * simulator's time, as the same observations the live feed produces over HTTP (same
 * trimming, same shapes). Lives in cli because only cli and tests may import the
 * simulator; the product sees nothing but observations.
 */

import { type ObservationSink, type WatchedResource, watchedResources } from '../kube/observations.ts';
import { trimObject } from '../kube/trim.ts';
import type { KubeObject as StoredObject } from '../sim/api/k8s-types.ts';
import { type ResourceType, resourceTypes } from '../sim/api/resources.ts';
import type { Simulator } from '../sim/simulator.ts';

const groups: Record<WatchedResource, string> = {
  nodes: '',
  pods: '',
  events: '',
  leases: 'coordination.k8s.io',
  services: '',
  endpointslices: 'discovery.k8s.io',
  deployments: 'apps',
  replicasets: 'apps',
  daemonsets: 'apps',
  poddisruptionbudgets: 'policy',
};

/** Only kubelet heartbeats are watched among leases, as the live feed does. */
const namespaceOf: Partial<Record<WatchedResource, string>> = { leases: 'kube-node-lease' };

/** Where the simulator keeps a watched resource, and the namespace the feed limits it to. */
export function simStorageOf(resource: WatchedResource): { r: ResourceType; namespace?: string } {
  return {
    r: resourceTypes.find((t) => t.plural === resource && t.group === groups[resource])!,
    namespace: namespaceOf[resource],
  };
}

export function startReplayFeed(sim: Simulator, sink: ObservationSink): () => void {
  const stops: (() => void)[] = [];
  for (const resource of watchedResources) {
    const { r, namespace: ns } = simStorageOf(resource);
    const items = sim.store.listObjects(r, ns).map((o: StoredObject) => trimObject(resource, o));
    sink({
      type: 'listed',
      resource,
      items,
      resourceVersion: String(sim.store.resourceVersion),
      atMs: sim.clock.now(),
    });
    sink({ type: 'source', source: `reflector/${resource}`, ok: true, atMs: sim.clock.now() });
    stops.push(
      sim.store.subscribe(r.storage, (ev) => {
        if (ns && ev.entry.namespace !== ns) return;
        const object = trimObject(resource, JSON.parse(ev.entry.json));
        const atMs = sim.clock.now();
        sink(
          ev.type === 'DELETED'
            ? { type: 'delete', resource, object, atMs }
            : { type: 'upsert', resource, object, atMs },
        );
      }),
    );
  }
  return () => {
    for (const stop of stops) stop();
  };
}
