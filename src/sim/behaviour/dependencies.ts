/**
 * What containers need and whether they get it, from their node. The simulator's ground
 * truth lives here (which node's network or DNS is broken, whether service routing to the
 * API works there); containers only ever see the consequence: a lookup that times out, a
 * dial that hangs. Symptoms emerge from these answers, they are never scripted.
 *
 * - `dns`: the node reaches cluster DNS (10.96.0.10) and a CoreDNS pod is up to answer.
 * - `api`: the node routes the `kubernetes` service VIP (10.96.0.1:443) to a live API server.
 * - `service:<ns>/<name>`: the node routes the Service's VIP to a ready endpoint.
 */

export type Need = 'dns' | 'api' | `service:${string}` | `container:${string}` | `external:${string}`;

/** Why a need failed, in the words the failing program would log. */
export interface Unmet {
  need: Need;
  /** e.g. `dial tcp 10.96.0.1:443: i/o timeout`. */
  error: string;
  /** How long the program keeps trying before it gives up and exits. */
  giveUpAfterMs: number;
}

export interface NodeFaults {
  /** All traffic from the node is lost. */
  networkDown?: boolean;
  /** Lookups through cluster DNS fail from this node. */
  dnsBroken?: boolean;
  /** The node's service proxy no longer forwards the kubernetes VIP (10.96.0.1:443). */
  apiVipBroken?: boolean;
  /** The node's service proxy rules are stale or missing for all Services. */
  serviceRoutingBroken?: boolean;
}

export interface ClusterFacts {
  /** The API server answers at all (from anywhere). */
  apiServerUp: boolean;
  /** Ready CoreDNS endpoints exist. */
  dnsServing: () => boolean;
  /** A Service has a ready endpoint. */
  serviceHasEndpoints: (namespaceName: string) => boolean;
}

export class Dependencies {
  private readonly nodeFaults = new Map<string, NodeFaults>();
  private readonly listeners = new Set<() => void>();
  readonly cluster: ClusterFacts;

  constructor(cluster: ClusterFacts) {
    this.cluster = cluster;
  }

  faultsOn(node: string): NodeFaults {
    return this.nodeFaults.get(node) ?? {};
  }

  /** Changes a node's faults and lets every container re-check its needs. */
  setFaults(node: string, faults: NodeFaults): void {
    this.nodeFaults.set(node, { ...faults });
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
    for (const need of needs) {
      if (need === 'dns') {
        if (f.networkDown || f.dnsBroken || !this.cluster.dnsServing()) {
          return { need, error: 'dial udp 10.96.0.10:53: i/o timeout', giveUpAfterMs: 10_000 };
        }
      } else if (need === 'api') {
        if (f.networkDown || f.apiVipBroken || f.serviceRoutingBroken || !this.cluster.apiServerUp) {
          return { need, error: 'dial tcp 10.96.0.1:443: i/o timeout', giveUpAfterMs: 30_000 };
        }
      } else if (need.startsWith('container:')) {
        // A sidecar in the same pod: the pod's own runtime decides, not the network.
      } else if (need.startsWith('external:')) {
        const host = need.slice('external:'.length).split(':')[0];
        if (f.networkDown || f.dnsBroken)
          return { need, error: `dial tcp: lookup ${host}: i/o timeout`, giveUpAfterMs: 10_000 };
      } else {
        const svc = need.slice('service:'.length);
        if (f.networkDown || f.serviceRoutingBroken || !this.cluster.serviceHasEndpoints(svc)) {
          return { need, error: `dial tcp ${svc}: connect: connection refused`, giveUpAfterMs: 5_000 };
        }
      }
    }
    return undefined;
  }
}
