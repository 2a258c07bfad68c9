/**
 * Pod-to-pod reachability by path, as the CNI plugin's routing makes it. Same-node traffic
 * crosses a veth pair and always works while the node's network does; cross-node traffic
 * needs a route to the other node's pod CIDR:
 *
 * - `overlay` (VXLAN/IPIP): every node tunnels to every other; traffic fails where the
 *   encapsulated packets are dropped (UDP 4789 or IP protocol 4 blocked).
 * - `bgp` (Calico/BIRD): routes are learnt over BGP sessions. A session between two nodes
 *   exists when the node-to-node mesh is on, or when a BGPPeer's `nodeSelector` picks one
 *   and its `peerSelector` the other; it is Established when both ends are up and TCP 179
 *   passes. A node learns another's routes over a direct session, or through route
 *   reflectors it and the other share (reflectors exchange what they learn). The BGPPeer
 *   objects and node labels are read from the API, so a label an upgrade removes, or a
 *   selector an operator edits, changes routing as it would on a real cluster.
 * - `vpc` (AWS VPC CNI, Azure CNI): pods hold cloud subnet addresses and the cloud routes
 *   them; only a node's own network loss cuts its pods off.
 *
 * Large packets fail where the pod interface's MTU plus encapsulation exceeds the path MTU
 * between two nodes: handshakes and small requests pass, large responses hang.
 *
 * Everything is computed once per change of topology (nodes, labels, BGPPeers, faults) and
 * answered from the cache, so replays pay nothing per container check.
 */
import type { Clock } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { type CalicoSelector, parseCalicoSelector } from './calico-selector.ts';
import type { Dependencies } from './dependencies.ts';

const nodeType = resourceForKind('Node')!;

export type PodNetworkMode = 'overlay' | 'bgp' | 'vpc';

/** What a network fault does to one node's pod network. */
export interface PodNetworkFaults {
  /** TCP 179 to and from the node is dropped: its BGP sessions cannot establish. */
  bgpBlocked?: boolean;
  /** Encapsulated pod traffic to and from the node is dropped. */
  tunnelBlocked?: boolean;
  /** The path between this node and the others carries at most this many bytes. */
  pathMtu?: number;
  /** Only the paths to these nodes carry `pathMtu` (every path when unset). */
  pathMtuPeers?: readonly string[];
}

export interface PodNetworkOptions {
  store: ObjectStore;
  clock: Clock;
  deps: Dependencies;
  mode: PodNetworkMode;
  /** The MTU pod interfaces get. */
  podMtu: number;
  /** The nodes' interface MTU. */
  nodeMtu: number;
  /** Bytes the encapsulation adds to each packet (VXLAN 50, IPIP 20, none 0). */
  overheadBytes: number;
  /** Storage keys of the Calico resources (bgppeers, bgpconfigurations), when served. */
  bgpPeerStorage?: string;
  bgpConfigStorage?: string;
  /** Whether a node reflects routes, decided once when it joins (its routeReflectorClusterID). */
  isRouteReflector?: (labels: Readonly<Record<string, string>>) => boolean;
}

interface NodeFacts {
  ip: string;
  labels: Record<string, string>;
  reflector: boolean;
}

interface Peering {
  nodes: CalicoSelector | undefined;
  peers: CalicoSelector;
}

interface Routes {
  key: string;
  /** Nodes whose pod network is up and whose sessions may establish. */
  up: Set<string>;
  /** Per node, the route-reflector groups it is attached to. */
  groups: Map<string, Set<number>>;
}

interface PeerView {
  spec?: { nodeSelector?: string; peerSelector?: string; node?: string };
}

export class PodNetwork {
  readonly mode: PodNetworkMode;
  private readonly o: PodNetworkOptions;
  private readonly nodes = new Map<string, NodeFacts>();
  private readonly faults = new Map<string, Map<string, PodNetworkFaults>>();
  private peerings: Peering[] = [];
  private mesh = true;
  private version = 0;
  private routes: Routes | undefined;
  private readonly offs: (() => void)[] = [];
  private notifyQueued = false;

  constructor(o: PodNetworkOptions) {
    this.o = o;
    this.mode = o.mode;
    for (const n of o.store.listObjects(nodeType)) this.noteNode(n);
    this.offs.push(
      o.store.subscribe(nodeType.storage, (ev) => {
        if (ev.type === 'DELETED') {
          if (this.nodes.delete(ev.entry.name)) this.bump();
          return;
        }
        const known = this.nodes.get(ev.entry.name);
        if (!known) {
          const n = o.store.find(nodeType, '', ev.entry.name);
          if (n) this.noteNode(n);
          this.bump();
        } else if (!sameLabels(known.labels, ev.entry.labels ?? {})) {
          known.labels = { ...ev.entry.labels };
          this.bump();
        }
      }),
    );
    if (o.mode === 'bgp') {
      const reread = (): void => {
        this.readBgpConfig();
        this.bump();
      };
      this.readBgpConfig();
      if (o.bgpPeerStorage) this.offs.push(o.store.subscribe(o.bgpPeerStorage, reread));
      if (o.bgpConfigStorage) this.offs.push(o.store.subscribe(o.bgpConfigStorage, reread));
    }
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
  }

  /** Sets one source's faults on a node's pod network (undefined clears them). */
  setFaults(node: string, source: string, f: PodNetworkFaults | undefined): void {
    let bySource = this.faults.get(node);
    if (!bySource) {
      bySource = new Map();
      this.faults.set(node, bySource);
    }
    if (f) bySource.set(source, f);
    else bySource.delete(source);
    this.bump();
  }

  /** Moves whenever routing may have changed (nodes, labels, BGP objects, faults): a cache key. */
  get topologyVersion(): string {
    return `${this.version}:${this.o.deps.faultsVersion}`;
  }

  /** Whether a pod on `from` reaches a pod on `to`. */
  routed(from: string, to: string): boolean {
    if (from === to) return true;
    const r = this.current();
    if (!r.up.has(from) || !r.up.has(to)) return false;
    if (this.mode !== 'bgp') return true;
    if (this.mesh || this.configured(from, to)) return true;
    const a = r.groups.get(from);
    const b = r.groups.get(to);
    if (!a || !b) return false;
    for (const g of a) if (b.has(g)) return true;
    return false;
  }

  /** Whether full-size packets from a pod on `from` reach a pod on `to`. */
  largePacketsPass(from: string, to: string): boolean {
    if (from === to) return true;
    const path = Math.min(this.o.nodeMtu, this.pathMtu(from, to), this.pathMtu(to, from));
    return this.o.podMtu + this.o.overheadBytes <= path;
  }

  /** The node's configured BGP peers (by address) and whether each session is Established. */
  bgpPeers(node: string): { ip: string; established: boolean }[] {
    if (this.mode !== 'bgp') return [];
    const r = this.current();
    const out: { ip: string; established: boolean }[] = [];
    for (const [other, facts] of this.nodes) {
      if (other === node || !(this.mesh || this.configured(node, other))) continue;
      out.push({ ip: facts.ip, established: r.up.has(node) && r.up.has(other) });
    }
    return out.sort((a, b) => compareIps(a.ip, b.ip));
  }

  /**
   * Why the node's CNI agent reports unready, in its readiness probe's words, or undefined.
   * calico-node's `-bird-ready` check passes with no peers at all, and once running needs
   * only one Established session (calico node/pkg/health/health.go checkBIRDReady).
   */
  agentUnready(node: string): string | undefined {
    if (this.mode !== 'bgp') return undefined;
    const peers = this.bgpPeers(node);
    if (peers.length === 0 || peers.some((p) => p.established)) return undefined;
    return `calico/node is not ready: BIRD is not ready: BGP not established with ${peers.map((p) => p.ip).join(',')}`;
  }

  /** The smallest MTU a fault on `node` puts on its path to `peer`. */
  private pathMtu(node: string, peer: string): number {
    let mtu = Number.POSITIVE_INFINITY;
    for (const f of this.faults.get(node)?.values() ?? [])
      if (f.pathMtu && (!f.pathMtuPeers || f.pathMtuPeers.includes(peer))) mtu = Math.min(mtu, f.pathMtu);
    return mtu;
  }

  private configured(a: string, b: string): boolean {
    const la = this.nodes.get(a)?.labels;
    const lb = this.nodes.get(b)?.labels;
    if (!la || !lb) return false;
    // Calico sets up both ends of a selector peering: the selected peers peer back.
    return this.peerings.some(
      (p) =>
        ((p.nodes?.matches(la) ?? true) && p.peers.matches(lb)) ||
        ((p.nodes?.matches(lb) ?? true) && p.peers.matches(la)),
    );
  }

  private noteNode(n: KubeObject): void {
    const name = n.metadata.name ?? '';
    const labels = { ...n.metadata.labels };
    const addresses = (n as { status?: { addresses?: { type: string; address: string }[] } }).status
      ?.addresses;
    const ip = addresses?.find((a) => a.type === 'InternalIP')?.address ?? name;
    this.nodes.set(name, { ip, labels, reflector: this.o.isRouteReflector?.(labels) ?? false });
  }

  private readBgpConfig(): void {
    const { store, bgpPeerStorage, bgpConfigStorage } = this.o;
    const peerType = bgpPeerStorage ? resourceForKind('BGPPeer', 'crd.projectcalico.org') : undefined;
    const configType = bgpConfigStorage
      ? resourceForKind('BGPConfiguration', 'crd.projectcalico.org')
      : undefined;
    this.peerings = [];
    for (const p of peerType ? (store.listObjects(peerType) as (KubeObject & PeerView)[]) : []) {
      // Peerings to a named node or a fixed address are left to the selector kind here.
      if (!p.spec?.peerSelector) continue;
      try {
        this.peerings.push({
          nodes: p.spec.nodeSelector ? parseCalicoSelector(p.spec.nodeSelector) : undefined,
          peers: parseCalicoSelector(p.spec.peerSelector),
        });
      } catch {
        // calico-node rejects a peer with a bad selector and keeps the rest.
      }
    }
    const config = configType ? store.find(configType, '', 'default') : undefined;
    const spec = (config as { spec?: { nodeToNodeMeshEnabled?: boolean } } | undefined)?.spec;
    this.mesh = spec?.nodeToNodeMeshEnabled ?? true;
  }

  private bump(): void {
    this.version++;
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    // Containers re-check their needs once per batch of changes, not once per change.
    this.o.clock.after(0, () => {
      this.notifyQueued = false;
      this.o.deps.changed();
    });
  }

  private current(): Routes {
    const key = `${this.version}:${this.o.deps.faultsVersion}`;
    if (this.routes?.key === key) return this.routes;
    const up = new Set<string>();
    for (const node of this.nodes.keys()) {
      if (this.o.deps.faultsOn(node).networkDown) continue;
      const faults = [...(this.faults.get(node)?.values() ?? [])];
      if (this.mode === 'bgp' && faults.some((f) => f.bgpBlocked)) continue;
      if (this.mode === 'overlay' && faults.some((f) => f.tunnelBlocked)) continue;
      up.add(node);
    }
    const groups = this.mode === 'bgp' && !this.mesh ? this.reflectorGroups(up) : new Map();
    this.routes = { key, up, groups };
    return this.routes;
  }

  /**
   * Route reflectors joined by Established sessions form one group; every node with a
   * session to a reflector of a group learns all the routes that group holds.
   */
  private reflectorGroups(up: Set<string>): Map<string, Set<number>> {
    const reflectors = [...this.nodes].filter(([n, f]) => f.reflector && up.has(n)).map(([n]) => n);
    const group = new Map<string, number>();
    let next = 0;
    for (const r of reflectors) {
      if (group.has(r)) continue;
      const id = next++;
      const queue = [r];
      group.set(r, id);
      while (queue.length) {
        const cur = queue.pop()!;
        for (const other of reflectors)
          if (!group.has(other) && this.configured(cur, other)) {
            group.set(other, id);
            queue.push(other);
          }
      }
    }
    const out = new Map<string, Set<number>>();
    for (const node of up) {
      const mine = new Set<number>();
      const own = group.get(node);
      if (own !== undefined) mine.add(own);
      for (const r of reflectors) if (r !== node && this.configured(node, r)) mine.add(group.get(r)!);
      if (mine.size) out.set(node, mine);
    }
    return out;
  }
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}

function compareIps(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/**
 * Share of a Service's ready endpoints a pod on `node` can reach, where a pod network model
 * is present; kube-proxy picks an endpoint at random, so this is the share of new
 * connections that get through.
 */
export function reachableShare(network: PodNetwork, node: string, endpointNodes: readonly string[]): number {
  if (endpointNodes.length === 0) return 0;
  let ok = 0;
  for (const n of endpointNodes) if (network.routed(node, n)) ok++;
  return ok / endpointNodes.length;
}
