/**
 * The node agent's PodNetworkPeersUnreachable check (src/agent/checks/pod-network-peers.ts)
 * as the simulated machine would meet it: the agent fetches 64 KiB from the peer-echo pod
 * on every other node whose pods are Ready (the EndpointSlice lists only those), by pod IP.
 * A peer the pod network does not route to is unreachable; one it routes to but whose path
 * drops full-size packets stalls. At most 8 peers are named per run, as the real check probes.
 */
import type { PodNetwork } from '../behaviour/pod-network.ts';

export interface PeerFinding {
  type: 'PodNetworkPeersUnreachable';
  status: 'True' | 'False';
  reason: string;
  message: string;
}

const service = 'kubetriage/kubetriage-peer';
const perRun = 8;

export function peerFinding(
  node: string,
  net: PodNetwork,
  readyNodes: readonly string[],
  field: (k: string, v: string | number) => string,
  since: string,
): PeerFinding | undefined {
  const peers = readyNodes.filter((n) => n !== node).sort();
  // No peers on other nodes: the check cannot run, and the condition is left as it was.
  if (peers.length === 0) return undefined;
  const unreachable = peers.filter((p) => !net.routed(node, p));
  const stalled = peers.filter((p) => net.routed(node, p) && !net.largePacketsPass(node, p));
  const probed = Math.min(perRun, peers.length);
  const list = (ns: string[]) => {
    const shown = ns.slice(0, perRun);
    return ns.length > perRun ? `${shown.join(',')},+${ns.length - perRun}` : shown.join(',');
  };
  if (unreachable.length)
    return {
      type: 'PodNetworkPeersUnreachable',
      status: 'True',
      reason: 'PeersUnreachable',
      message: `TCP connect to pods on other nodes failed; ${[
        field('service', service),
        field('peers', probed),
        field('unreachable', list(unreachable)),
        ...(stalled.length ? [field('stalled', list(stalled))] : []),
        field('error', 'dial tcp: i/o timeout'),
        field('since', since),
      ].join(' ')}`,
    };
  if (stalled.length)
    return {
      type: 'PodNetworkPeersUnreachable',
      status: 'True',
      reason: 'LargePacketsDropped',
      message: `connections to pods on other nodes open but full-size responses stall; ${[
        field('service', service),
        field('peers', probed),
        field('stalled', list(stalled)),
        field('bytes', 0),
        field('expected', 65536),
        field('timeout', '3s'),
        field('since', since),
      ].join(' ')}`,
    };
  return {
    type: 'PodNetworkPeersUnreachable',
    status: 'False',
    reason: 'PeersReachable',
    message: `pods on other nodes answer with full-size responses; ${field('service', service)} ${field('peers', probed)}`,
  };
}
