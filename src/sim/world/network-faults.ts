/**
 * Injects the network faults low: a blocked BGP port or overlay tunnel on the node's pod
 * network, addresses the IPAM leaked, a pool drained from outside, a flood on the node's
 * conntrack table, a smaller path MTU. The pod-network model, the sandbox IPAM and the
 * conntrack tables make every symptom from there.
 */
import type { Clock } from '../../time/clock.ts';
import type { Fault, Scenario } from '../scenario/schema.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { ConntrackTables } from './conntrack.ts';
import type { NodeMachines } from './node-machines.ts';
import type { ScenarioWorld } from './scenario-world.ts';

export type NetworkFault = Extract<
  Fault,
  {
    type:
      | 'bgp-session-blocked'
      | 'overlay-tunnel-blocked'
      | 'pod-ip-leak'
      | 'ip-pool-exhausted'
      | 'conntrack-flood'
      | 'path-mtu-drop'
      | 'lb-targets-deregistered'
      | 'lb-health-checks-failing';
  }
>;

/** How a started network fault reaches further nodes and is taken back. */
export interface StartedNetworkFault {
  addNode?: (node: string) => void;
  heal: (node?: string) => void;
}

/** What the load balancer model offers faults (external-load-balancer.ts). */
export interface LoadBalancerFaults {
  deregister(nodes: readonly string[] | undefined, source: string): void;
  failHealthChecks(nodes: readonly string[] | undefined, source: string): void;
  heal(source: string): void;
}

export class NetworkFaults {
  private readonly o: {
    scenario: Scenario;
    world: ScenarioWorld;
    machines: NodeMachines;
    store: ObjectStore;
    clock: Clock;
    nodesFor: (t: NonNullable<Extract<Fault, { type: 'bgp-session-blocked' }>['nodes']>) => string[];
    loadBalancer?: LoadBalancerFaults;
  };
  private readonly conntrack: ConntrackTables;

  constructor(o: NetworkFaults['o']) {
    this.o = o;
    this.conntrack = new ConntrackTables({
      store: o.store,
      clock: o.clock,
      machines: o.machines,
      random: o.world.random,
    });
  }

  stop(): void {
    this.conntrack.stop();
  }

  /** Starts a network fault; undefined when `fault` is not one. */
  start(fault: Fault, source: string): StartedNetworkFault | undefined {
    const { world } = this.o;
    const perNode = (set: (node: string, on: boolean) => void): StartedNetworkFault => {
      const nodes = new Set<string>();
      return {
        addNode: (n) => {
          nodes.add(n);
          set(n, true);
        },
        heal: (node) => {
          for (const n of node ? [node] : [...nodes]) {
            set(n, false);
            nodes.delete(n);
          }
        },
      };
    };
    switch (fault.type) {
      case 'bgp-session-blocked':
        return perNode((n, on) =>
          world.podNetwork?.setFaults(n, source, on ? { bgpBlocked: true } : undefined),
        );
      case 'overlay-tunnel-blocked':
        return perNode((n, on) =>
          world.podNetwork?.setFaults(n, source, on ? { tunnelBlocked: true } : undefined),
        );
      case 'path-mtu-drop': {
        const peers = fault.peers ? this.o.nodesFor(fault.peers) : undefined;
        return perNode((n, on) =>
          world.podNetwork?.setFaults(
            n,
            source,
            on ? { pathMtu: fault.pathMtu, ...(peers ? { pathMtuPeers: peers } : {}) } : undefined,
          ),
        );
      }
      case 'pod-ip-leak':
        return perNode((n, on) => world.sandboxNetwork?.setLeak(n, source, on ? fault.addresses : 0));
      case 'ip-pool-exhausted':
        world.sandboxNetwork?.drainPool(fault.freeAddresses);
        return { heal: () => world.sandboxNetwork?.drainPool(undefined) };
      case 'conntrack-flood': {
        const max = fault.conntrackMax ?? this.o.scenario.cluster.cni?.conntrackMax ?? 131072;
        return perNode((n, on) =>
          this.conntrack.set(n, source, on ? { connections: fault.connections, max } : undefined),
        );
      }
      case 'lb-targets-deregistered':
      case 'lb-health-checks-failing': {
        const lb = this.o.loadBalancer;
        const nodes = fault.nodes ? this.o.nodesFor(fault.nodes) : undefined;
        if (fault.type === 'lb-targets-deregistered') lb?.deregister(nodes, source);
        else lb?.failHealthChecks(nodes, source);
        return { heal: () => lb?.heal(source) };
      }
      default:
        return undefined;
    }
  }
}
