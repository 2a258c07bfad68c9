/**
 * The static cluster's kubelets as the control plane sees them: each node renews its Lease
 * every 10 s and re-posts its status every 5 minutes, so a plain `kubetriage sim` stays
 * healthy for as long as it runs (without them every lease goes stale after 40 s and the
 * cluster reads as every node lost). They run no pods: the static cluster's pods are
 * seeded Running and stay so.
 */
import type { Clock } from '../../time/clock.ts';
import { seededRandom } from '../../time/virtual-clock.ts';
import { KubeletModel } from '../behaviour/kubelet.ts';
import type { ObjectStore } from '../store/object-store.ts';

export function startStaticHeartbeats(store: ObjectStore, clock: Clock, nodes: string[]): () => void {
  const random = seededRandom(nodes.length);
  const kubelets = nodes.map((node) => new KubeletModel({ node, store, clock, random }));
  for (const k of kubelets) k.start();
  return () => {
    for (const k of kubelets) k.stop();
  };
}
