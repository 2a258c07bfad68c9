/**
 * The peer pods the PodNetworkPeersUnreachable check fetches from: the ready endpoints of
 * the peer Service's EndpointSlices, with the node each runs on. Listed at most once a
 * minute and kept: the check must not ask the API every 10 s, nor lose its peers while the
 * API it may be judging does not answer.
 */
import type { ApiPaths } from './api-paths.ts';
import type { Peer } from './checks/pod-network-peers.ts';

interface PeerSliceList {
  items?: { endpoints?: { addresses?: string[]; nodeName?: string; conditions?: { ready?: boolean } }[] }[];
}

const relistMs = 60_000;

export async function listPeers(
  api: Pick<ApiPaths, 'getJson'>,
  namespace: string,
  name: string,
): Promise<Peer[]> {
  const list = (
    await api.getJson<PeerSliceList>(
      `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices`,
      { labelSelector: `kubernetes.io/service-name=${name}` },
    )
  ).body;
  const out: Peer[] = [];
  for (const slice of list.items ?? [])
    for (const e of slice.endpoints ?? [])
      if (e.conditions?.ready !== false && e.nodeName && e.addresses?.[0])
        out.push({ node: e.nodeName, ip: e.addresses[0] });
  return out;
}

/** The last list, refreshed when older than a minute; an API failure keeps the last one. */
export function keptPeers(
  api: Pick<ApiPaths, 'getJson'>,
  namespace: string,
  name: string,
  now: () => number,
): () => Promise<Peer[]> {
  let peers: Peer[] | undefined;
  let listedMs = Number.NEGATIVE_INFINITY;
  return async () => {
    if (now() - listedMs < relistMs && peers) return peers;
    try {
      peers = await listPeers(api, namespace, name);
      listedMs = now();
    } catch (err) {
      if (!peers) throw err;
    }
    return peers;
  };
}
