/**
 * PodNetworkPeersUnreachable: from this node, fetch a full-size response from the peer pods
 * (`kubetriage peer-echo`, a DaemonSet on the pod network) on other nodes, by pod IP, with no
 * Service and no DNS in the way. Two ways it fails, and they mean different things:
 *
 * - the TCP connect fails: there is no working route to pods on that node (CNI routes or
 *   tunnels gone, BGP sessions down, the node's pod network down);
 * - the connect succeeds but the response stalls: small packets pass and full-size ones are
 *   dropped, the path MTU blackhole of an overlay whose MTU exceeds what the path carries
 *   (encapsulation overhead not subtracted, ICMP "fragmentation needed" lost). TCP sets DF
 *   on Linux by default (ip(7) IP_MTU_DISCOVER), so the response's full-size segments are
 *   what gets dropped.
 *
 * A hostNetwork agent reaches remote pod IPs through the same CNI routes and tunnels pods
 * use, so its view is the pods' cross-node view. Up to 8 peers are probed per run: those that
 * failed last run first, then the others in turn, so every node is covered within a few
 * minutes on a large cluster.
 */
import type { Socket } from 'node:net';
import type { Clock } from '../../time/clock.ts';
import { type Check, CheckNotRun, healthy, problem } from '../check.ts';
import { listValue } from '../logfmt.ts';
import { type AddressProbe, type Dialer, dialTcp, hostPort, probeAddress } from '../net-probe.ts';

/** One peer pod: the node it runs on and its pod IP. */
export interface Peer {
  node: string;
  ip: string;
}

export interface PodNetworkPeersOptions {
  /** This node's name: its own peer is not probed (same-node traffic never crosses the network). */
  node: string;
  /** `<namespace>/<name>` of the peer Service, for the message. */
  service: string;
  port: number;
  /** The peer pods (ready endpoints of the Service), listed by the caller. */
  peers: () => Promise<Peer[]>;
  clock: Clock;
  dial?: Dialer;
  /** How an address is probed; `probeAddress` unless a test or the simulator passes another. */
  probe?: AddressProbe;
}

/** What `kubetriage peer-echo` answers on GET /payload: larger than any MTU by far. */
export const peerPayloadBytes = 64 * 1024;
const peersPerRun = 8;
const connectTimeoutMs = 3_000;
const transferTimeoutMs = 3_000;

type PeerOutcome =
  | { peer: Peer; result: 'ok' }
  | { peer: Peer; result: 'unreachable'; error: string }
  | { peer: Peer; result: 'stalled'; bytes: number };

export function podNetworkPeersCheck(o: PodNetworkPeersOptions): Check {
  let offset = 0;
  // Peers that failed last run are probed again first, so one bad path among many fails
  // every run (the three-in-a-row debounce) instead of once per rotation.
  let suspects = new Set<string>();
  return {
    type: 'PodNetworkPeersUnreachable',
    kind: 'network',
    intervalMs: 10_000,
    timeoutMs: 8_000,
    async run() {
      const all = (await o.peers())
        .filter((p) => p.node !== o.node)
        .sort((a, b) => a.node.localeCompare(b.node));
      if (all.length === 0) throw new CheckNotRun(`service ${o.service} has no ready pods on other nodes`);
      const again = all.filter((p) => suspects.has(p.node)).slice(0, peersPerRun);
      const rest = rotate(
        all.filter((p) => !suspects.has(p.node)),
        offset,
        peersPerRun - again.length,
      );
      offset += rest.length;
      const picked = [...again, ...rest];
      const outcomes = await Promise.all(picked.map((p) => probePeer(p, o)));
      suspects = new Set(outcomes.filter((r) => r.result !== 'ok').map((r) => r.peer.node));
      const unreachable = outcomes.filter((r) => r.result === 'unreachable');
      const stalled = outcomes.filter((r) => r.result === 'stalled');
      const base = [
        ['service', o.service],
        ['peers', picked.length],
      ] as const;
      const nodes = (rs: PeerOutcome[]) => listValue(rs.map((r) => r.peer.node));
      if (unreachable.length)
        return problem('PeersUnreachable', 'TCP connect to pods on other nodes failed', [
          ...base,
          ['unreachable', nodes(unreachable)],
          ['stalled', stalled.length ? nodes(stalled) : undefined],
          ['error', unreachable[0].result === 'unreachable' ? unreachable[0].error : undefined],
        ]);
      if (stalled.length)
        return problem(
          'LargePacketsDropped',
          'connections to pods on other nodes open but full-size responses stall',
          [
            ...base,
            ['stalled', nodes(stalled)],
            ['bytes', stalled[0].result === 'stalled' ? stalled[0].bytes : undefined],
            ['expected', peerPayloadBytes],
            ['timeout', '3s'],
          ],
        );
      return healthy('PeersReachable', 'pods on other nodes answer with full-size responses', base);
    },
  };
}

function rotate<T>(items: T[], from: number, n: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < Math.min(n, items.length); i++) out.push(items[(from + i) % items.length]);
  return out;
}

async function probePeer(peer: Peer, o: PodNetworkPeersOptions): Promise<PeerOutcome> {
  const opened = await (o.probe ?? probeAddress)({
    host: peer.ip,
    port: o.port,
    clock: o.clock,
    connectTimeoutMs,
    dial: o.dial,
  });
  if (!opened.ok) return { peer, result: 'unreachable', error: opened.error ?? opened.failure };
  const bytes = await fetchPayload(peer, o);
  return bytes >= peerPayloadBytes ? { peer, result: 'ok' } : { peer, result: 'stalled', bytes };
}

/** GET /payload; the body bytes that arrived before the transfer timeout (or the close). */
function fetchPayload(peer: Peer, o: PodNetworkPeersOptions): Promise<number> {
  return new Promise((resolve) => {
    let body = -1;
    let head = '';
    let socket: Socket | undefined;
    const finish = (): void => {
      timer.cancel();
      socket?.destroy();
      resolve(Math.max(0, body));
    };
    const timer = o.clock.after(connectTimeoutMs + transferTimeoutMs, finish);
    socket = (o.dial ?? dialTcp)(peer.ip, o.port);
    socket.once('error', finish);
    socket.once('close', finish);
    socket.on('data', (chunk: Buffer) => {
      if (body < 0) {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        body = head.length - end - 4;
      } else body += chunk.length;
      if (body >= peerPayloadBytes) finish();
    });
    socket.once('connect', () =>
      socket?.write(
        `GET /payload HTTP/1.1\r\nHost: ${hostPort(peer.ip, o.port)}\r\nConnection: close\r\n\r\n`,
      ),
    );
  });
}
