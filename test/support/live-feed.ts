/**
 * Points kubetriage's live feed at a simulated cluster through the kubeconfig the harness
 * wrote, the way `kubetriage status` reaches a real one, and waits for its first sync.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { ApiClient, type ApiClientOptions } from '../../src/kube/api-client.ts';
import { LiveFeed, type LiveFeedOptions } from '../../src/kube/live-feed.ts';
import { watchedResources } from '../../src/kube/observations.ts';
import type { ClusterView } from '../../src/observe/cluster-view.ts';
import { realClock } from '../../src/time/clock.ts';
import type { SimCluster } from './sim-cluster.ts';
import { waitFor } from './wait-for.ts';

export function apiClientFor(c: SimCluster, o: Partial<ApiClientOptions> = {}): ApiClient {
  const kc = new KubeConfig();
  kc.loadFromFile(c.kubeconfig);
  return new ApiClient(kc, { now: () => realClock.now(), ...o });
}

/** A started live feed into `view`, once every watched resource has been listed. */
export async function syncedLiveFeed(
  c: SimCluster,
  view: ClusterView,
  extra: Partial<LiveFeedOptions> = {},
): Promise<LiveFeed> {
  const feed = new LiveFeed({
    client: apiClientFor(c),
    clock: realClock,
    sink: (o) => view.apply(o),
    ...extra,
  });
  feed.start();
  await waitFor('initial sync', () => watchedResources.every((r) => view.synced(r)));
  return feed;
}
