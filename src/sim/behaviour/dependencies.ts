/**
 * What containers need and whether they get it, from their node. The simulator's ground
 * truth lives here (which node's network or DNS is broken, whether service routing to the
 * API works there); containers only ever see the consequence: a lookup that times out, a
 * dial that hangs. Symptoms emerge from these answers, they are never scripted.
 *
 * - `dns`: the node reaches cluster DNS (10.96.0.10) and a CoreDNS pod is up to answer.
 * - `api`: the node routes the `kubernetes` service VIP (10.96.0.1:443) to a live API server.
 * - `api-endpoint`: the API server's own address, dialled directly (a pod whose
 *   KUBERNETES_SERVICE_HOST was pointed there): no service routing involved.
 * - `service:<ns>/<name>`: the node routes the Service's VIP to a ready endpoint, and (with
 *   a pod network model) the pod network carries it to that endpoint's node.
 * - `api:<group>/<version>/<resource>`: the API, and the server still serves that version
 *   (a program built against an API a control-plane upgrade removed).
 * - `bgp-peers`: the node's BGP sessions (a CNI agent's readiness; see pod-network.ts).
 *
 * A node's faults come in layers (the scenario's injected faults, kube-proxy's stale
 * rules…), each owned by one writer; a need fails when any layer breaks it.
 */
import { type PodNetwork, reachableShare } from './pod-network.ts';

export type Need =
  | 'dns'
  | 'api'
  | `api:${string}`
  | 'bgp-peers'
  | 'api-endpoint'
  | `service:${string}`
  | `container:${string}`
  | `external:${string}`;

/** Why a need failed, in the words the failing program would log. */
export interface Unmet {
  need: Need;
  /** e.g. `dial tcp 10.96.0.1:443: i/o timeout`. */
  error: string;
  /** How long the program keeps trying before it gives up and exits. */
  giveUpAfterMs: number;
}

export interface NodeFaults {
  /** All traffic from the node's pods is lost. */
  networkDown?: boolean;
  /** Lookups through cluster DNS fail from this node. */
  dnsBroken?: boolean;
  /** The node's service proxy no longer forwards the kubernetes VIP (10.96.0.1:443). */
  apiVipBroken?: boolean;
  /** The node's service proxy rules are stale or missing for all Services. */
  serviceRoutingBroken?: boolean;
  /** The node's service proxy no longer forwards these Services (`ns/name`). */
  brokenServices?: readonly string[];
  /** How a broken VIP fails: dropped packets time out, rejected ones are refused. */
  routingEffect?: 'drop' | 'reject';
}

export interface ClusterFacts {
  /** The API server answers in-cluster clients (pods through the VIP or directly). */
  apiServerUp: boolean;
  /**
   * The API server can persist writes (etcd has quorum and room). Unset means yes. When
   * it cannot, controllers that write (the node lifecycle controller) change nothing.
   */
  apiWritable?: boolean;
  /**
   * Why a TLS handshake with the API server fails now (its serving certificate expired), as
   * Go's client words it; unset while the certificate is good. Pods then meet this error
   * instead of a timeout.
   */
  apiTlsError?: () => string | undefined;
  /**
   * Why an API server that answers cannot serve requests now (etcd has no quorum or answers
   * past its request timeout), as the server's error reads; unset otherwise. Pods then get
   * this answer through the VIP instead of a dial timeout: the connection itself works.
   */
  apiStorageError?: () => string | undefined;
  /** Ready CoreDNS endpoints exist. */
  dnsServing: () => boolean;
  /** A Service has a ready endpoint. */
  serviceHasEndpoints: (namespaceName: string) => boolean;
  /** The ClusterIP of the `kubernetes` Service and of cluster DNS, for error texts. */
  apiVip?: string;
  dnsIp?: string;
  /** The API server's own address (`10.0.0.2:6443`). */
  apiEndpoint?: string;
  /** Cross-node pod routing, where the scenario models the CNI (pod-network.ts). */
  podNetwork?: PodNetwork;
  /** The nodes of a Service's ready endpoints, one entry per endpoint. */
  serviceEndpointNodes?: (namespaceName: string) => readonly string[];
  /** Whether the API server serves `<group>/<version>/<resource>` now. */
  apiServes?: (groupVersionResource: string) => boolean;
}

export class Dependencies {
  private readonly layers = new Map<string, Map<string, NodeFaults>>();
  private readonly merged = new Map<string, NodeFaults>();
  private readonly listeners = new Set<() => void>();
  readonly cluster: ClusterFacts;
  /** Moves whenever any node's combined faults change (caches key on it). */
  faultsVersion = 0;

  constructor(cluster: ClusterFacts) {
    this.cluster = cluster;
  }

  /** Every layer's faults on the node, combined. */
  faultsOn(node: string): NodeFaults {
    return this.merged.get(node) ?? {};
  }

  /** Changes one layer of a node's faults and lets every container re-check its needs. */
  setFaults(node: string, faults: NodeFaults, layer = 'base'): void {
    let byLayer = this.layers.get(node);
    if (!byLayer) {
      byLayer = new Map();
      this.layers.set(node, byLayer);
    }
    byLayer.set(layer, { ...faults });
    const next = combine([...byLayer.values()]);
    if (JSON.stringify(next) === JSON.stringify(this.merged.get(node) ?? {})) return;
    this.merged.set(node, next);
    this.faultsVersion++;
    this.changed();
  }

  /** Something in the cluster changed (API up/down, endpoints): needs may have changed. */
  changed(): void {
    for (const l of this.listeners) l();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The first unmet need of a container on `node`, or undefined when all are met. */
  check(node: string, needs: readonly Need[]): Unmet | undefined {
    const f = this.faultsOn(node);
    const vip = this.cluster.apiVip ?? '10.96.0.1';
    const dnsIp = this.cluster.dnsIp ?? '10.96.0.10';
    for (const need of needs) {
      if (need === 'dns') {
        // Stale rules for the DNS Service on this node: lookups go to pods that are gone.
        const unrouted = f.serviceRoutingBroken || f.brokenServices?.includes('kube-system/kube-dns');
        if (
          f.networkDown ||
          f.dnsBroken ||
          unrouted ||
          !this.cluster.dnsServing() ||
          this.crossNodeCut(node, 'kube-system/kube-dns')
        ) {
          // A REJECT rule answers UDP with ICMP port unreachable, which the resolver's socket
          // reads as a refusal; dropped packets and dead servers time out.
          const refused = unrouted && !f.networkDown && !f.dnsBroken && f.routingEffect === 'reject';
          const error = refused
            ? `read udp ${dnsIp}:53: connection refused`
            : `dial udp ${dnsIp}:53: i/o timeout`;
          return { need, error, giveUpAfterMs: 10_000 };
        }
      } else if (need === 'api') {
        const routed = !(
          f.apiVipBroken ||
          f.serviceRoutingBroken ||
          f.brokenServices?.includes('default/kubernetes')
        );
        if (f.networkDown || !routed || !this.cluster.apiServerUp) {
          const refused = routed ? false : f.routingEffect === 'reject';
          const tls = !f.networkDown && routed ? this.cluster.apiTlsError?.() : undefined;
          const storage = !f.networkDown && routed && !tls ? this.cluster.apiStorageError?.() : undefined;
          const error = tls
            ? `Get "https://${vip}:443/api?timeout=32s": tls: failed to verify certificate: ${tls}`
            : storage
              ? storage
              : refused
                ? `dial tcp ${vip}:443: connect: connection refused`
                : `dial tcp ${vip}:443: i/o timeout`;
          return { need, error, giveUpAfterMs: 30_000 };
        }
      } else if (need.startsWith('api:')) {
        const unmet = this.check(node, ['api']);
        if (unmet) return { ...unmet, need };
        if (this.cluster.apiServes && !this.cluster.apiServes(need.slice('api:'.length)))
          return { need, error: 'the server could not find the requested resource', giveUpAfterMs: 30_000 };
      } else if (need === 'bgp-peers') {
        const problem = this.cluster.podNetwork?.agentUnready(node);
        if (f.networkDown || problem)
          return { need, error: problem ?? 'BGP not established', giveUpAfterMs: 0 };
      } else if (need === 'api-endpoint') {
        if (f.networkDown || !this.cluster.apiServerUp) {
          const at = this.cluster.apiEndpoint ?? '10.0.0.1:6443';
          return { need, error: `dial tcp ${at}: i/o timeout`, giveUpAfterMs: 30_000 };
        }
      } else if (need.startsWith('container:')) {
        // A sidecar in the same pod: the pod's own runtime decides, not the network.
      } else if (need.startsWith('external:')) {
        const host = need.slice('external:'.length).split(':')[0];
        if (f.networkDown || f.dnsBroken)
          return { need, error: `dial tcp: lookup ${host}: i/o timeout`, giveUpAfterMs: 10_000 };
      } else {
        const svc = need.slice('service:'.length);
        if (f.networkDown || f.serviceRoutingBroken || f.brokenServices?.includes(svc)) {
          return { need, error: `dial tcp ${svc}: i/o timeout`, giveUpAfterMs: 5_000 };
        }
        if (!this.cluster.serviceHasEndpoints(svc)) {
          return { need, error: `dial tcp ${svc}: connect: connection refused`, giveUpAfterMs: 5_000 };
        }
        if (this.crossNodeCut(node, svc)) {
          return { need, error: `dial tcp ${svc}: i/o timeout`, giveUpAfterMs: 5_000 };
        }
      }
    }
    return undefined;
  }

  /**
   * Whether the pod network leaves most new connections from this node to the Service's
   * endpoints unanswered: kube-proxy picks an endpoint at random, and with fewer than half
   * reachable a client's retries mostly land on dead paths.
   */
  private crossNodeCut(node: string, svc: string): boolean {
    const { podNetwork, serviceEndpointNodes } = this.cluster;
    if (!podNetwork || !serviceEndpointNodes) return false;
    const nodes = serviceEndpointNodes(svc);
    return nodes.length > 0 && reachableShare(podNetwork, node, nodes) < 0.5;
  }
}

function combine(layers: NodeFaults[]): NodeFaults {
  const out: NodeFaults = {};
  const services = new Set<string>();
  for (const l of layers) {
    if (l.networkDown) out.networkDown = true;
    if (l.dnsBroken) out.dnsBroken = true;
    if (l.apiVipBroken) out.apiVipBroken = true;
    if (l.serviceRoutingBroken) out.serviceRoutingBroken = true;
    for (const s of l.brokenServices ?? []) services.add(s);
    if (l.routingEffect) out.routingEffect = l.routingEffect;
  }
  if (services.size) out.brokenServices = [...services].sort();
  return out;
}
