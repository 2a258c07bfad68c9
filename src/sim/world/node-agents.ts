/**
 * kubetriage's node agent on every simulated machine: the shipped `NodeAgent` with the checks
 * `setupAgent` assembles for the DaemonSet (src/cli/commands/agent.ts), on the virtual clock,
 * reading its machine through `MachineHost`, meeting the network through `MachineNetwork`
 * and writing the Node's conditions and events through `AgentApi` into the store. It runs
 * while its machine is up; a reboot stops it and the machine's return starts it again, with
 * the state volume the pod kept (so KernelChanged and `previousKernel` come out as on a node).
 */
import { AgentState, type StateParts } from '../../agent/agent-state.ts';
import { peerPayloadBytes } from '../../agent/checks/pod-network-peers.ts';
import { NodeAgent } from '../../agent/node-agent.ts';
import { type AgentSetup, setupAgent } from '../../agent/setup.ts';
import type { Clock } from '../../time/clock.ts';
import { resourceForKind } from '../api/resources.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { AgentApi } from './agent-api.ts';
import { MachineHost } from './machine-host.ts';
import { MachineNetwork } from './machine-network.ts';
import type { NodeMachines } from './node-machines.ts';
import { PeerEchoPods, peerService } from './peer-echo-pods.ts';
import type { ScenarioWorld } from './scenario-world.ts';

const nodeType = resourceForKind('Node')!;

/** The DaemonSet's `KUBETRIAGE_NODE_RESOLVER_NAME` (deploy/manifests/agent-daemonset.yaml). */
const nodeResolverName = 'registry.k8s.io';

export interface NodeAgentsParts {
  scenario: Scenario;
  world: ScenarioWorld;
  store: ObjectStore;
  clock: Clock;
  machines: NodeMachines;
}

interface Running {
  agent?: NodeAgent;
  setup?: AgentSetup;
  host: MachineHost;
  state: AgentState;
  /** Set while the agent starts; a stop asked meanwhile waits for it. */
  starting?: Promise<void>;
  stopping?: boolean;
}

export class SimulatedNodeAgents {
  private readonly p: NodeAgentsParts;
  private readonly peers: PeerEchoPods;
  private readonly running = new Map<string, Running>();
  /** Each machine's state volume while its agent is stopped (the pod's emptyDir outlives it). */
  private readonly volumes = new Map<string, StateParts>();
  private readonly offs: (() => void)[] = [];
  private stopped = false;

  constructor(p: NodeAgentsParts) {
    this.p = p;
    this.peers = new PeerEchoPods(p.store);
  }

  /** The agents running now, by node (tests look at their checks). */
  agents(): ReadonlyMap<string, NodeAgent> {
    const out = new Map<string, NodeAgent>();
    for (const [node, r] of this.running) if (r.agent) out.set(node, r.agent);
    return out;
  }

  start(): void {
    const { world, machines } = this.p;
    this.offs.push(
      machines.onChange((node) => {
        this.running.get(node)?.host.machineChanged();
        this.reconcile(node);
      }),
      world.onNodeAdded((node) => this.reconcile(node)),
      world.onNodeRemoved((node) => {
        void this.halt(node);
        this.volumes.delete(node);
      }),
    );
    for (const node of world.kubelets.keys()) this.reconcile(node);
  }

  stop(): void {
    this.stopped = true;
    for (const off of this.offs) off();
    for (const node of [...this.running.keys()]) void this.halt(node);
  }

  /** Starts or stops the node's agent to match whether its machine runs. */
  private reconcile(node: string): void {
    if (this.stopped) return;
    const up =
      this.p.world.kubelets.has(node) &&
      !this.p.machines.isDown(node) &&
      this.p.store.find(nodeType, '', node) !== undefined;
    const r = this.running.get(node);
    if (up && !r) this.launch(node);
    else if (!up && r) void this.halt(node);
  }

  private launch(node: string): void {
    const { scenario, world, store, clock, machines } = this.p;
    const host = new MachineHost({ node, scenario, world, store, clock, machines });
    const net = new MachineNetwork({
      node,
      scenario,
      world,
      machines,
      clock,
      peerNode: (ip) => this.peers.nodeOf(ip),
      payloadBytes: peerPayloadBytes,
    });
    const state = AgentState.kept({ dir: undefined, clock }, this.volumes.get(node));
    const api = new AgentApi({ node, store, clock, world, machines, peers: this.peers });
    const r: Running = { host, state };
    this.running.set(node, r);
    const endpoint = net.apiEndpoint();
    r.starting = (async () => {
      // The DaemonSet's settings (deploy/manifests/agent-daemonset.yaml), assembled as its entrypoint does.
      const setup = await setupAgent({
        host,
        clock,
        api,
        serviceVip: { host: scenario.cluster.controlPlane.serviceIp, port: 443 },
        apiEndpoints: endpoint ? [endpoint] : [],
        discoverEndpoints: false,
        nodeResolverName,
        // The peer check needs a pod network with routes to judge; without one the scenario has no CNI model.
        peerService: world.deps.cluster.podNetwork ? { ...peerService, node } : undefined,
        upgradeTimerGlobs: [],
        state,
        probe: net.probe,
        dial: net.dial,
        lookup: net.lookup,
        get: net.get,
      });
      const agent = new NodeAgent({ node, clock, checks: setup.checks, watches: setup.watches, api, state });
      r.setup = setup;
      r.agent = agent;
      await agent.start();
    })();
    void r.starting.finally(() => {
      r.starting = undefined;
    });
  }

  /** Stops the node's agent (its machine went down or away), keeping its state volume. */
  private async halt(node: string): Promise<void> {
    const r = this.running.get(node);
    if (!r || r.stopping) return;
    r.stopping = true;
    await r.starting;
    r.setup?.stop();
    await r.agent?.stop();
    this.running.delete(node);
    if (this.p.world.kubelets.has(node)) this.volumes.set(node, r.state.snapshot());
    // The machine may have come back while the agent stopped.
    this.reconcile(node);
  }
}
