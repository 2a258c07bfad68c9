/**
 * Plays a scenario's timeline on its running world: faults injected at their times (and
 * healed after their durations or by a later `heal`), operator and provider actions
 * performed step by step, healthy churn in the background. The world and the runner share
 * the scenario's seeded dice, so one scenario and seed give one history every run.
 */
import type { Clock, Timer } from '../../time/clock.ts';
import type { ProtocolFaults } from '../api/faults.ts';
import type { NodeProxyRegistry } from '../api/node-proxy.ts';
import type { PodLogBook } from '../api/pod-log-book.ts';
import {
  type AdmissionWebhookAction,
  isAdmissionWebhookAction,
} from '../scenario/admission-webhooks-shape.ts';
import type { RenewCertificatesAction } from '../scenario/control-plane-shape.ts';
import type { Scenario, TimelineEntry } from '../scenario/schema.ts';
import { parseDuration, parseIsoTime, resolveInstant } from '../scenario/time-spec.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { startChurn } from './churn.ts';
import { ExternalLoadBalancer } from './external-load-balancer.ts';
import { FaultInjector, type InjectorParts } from './fault-injector.ts';
import { startHostCommands } from './host-commands.ts';
import { IngressTraffic } from './ingress-traffic.ts';
import { networkActions } from './network-actions.ts';
import { NetworkFaults } from './network-faults.ts';
import { SimulatedNodeAgents } from './node-agents.ts';
import { NodeMachines } from './node-machines.ts';
import { type NodeOps, nodeOps } from './node-operations.ts';
import { startPoolRepair } from './node-pool-repair.ts';
import { matchingNodes, pick } from './node-targets.ts';
import { performAction } from './operator-actions.ts';
import type { ScenarioWorld } from './scenario-world.ts';
import { VersionChanges } from './version-changes.ts';
import { WorkloadOps } from './workload-ops.ts';

export interface RunnerParts {
  scenario: Scenario;
  world: ScenarioWorld;
  store: ObjectStore;
  clock: Clock;
  protocol: ProtocolFaults;
  setApiVersion: (gitVersion: string) => void;
  nodeProxy: NodeProxyRegistry;
  /** Container logs, for the programs the runner speaks for (the ingress controller). */
  logs?: PodLogBook;
  /** Operator actions at or after this time are left out (see SimulatorOptions.actionsBefore). */
  actionsBefore?: number;
  /** Applies control-plane faults (see FaultInjector). */
  controlPlaneFaults?: InjectorParts['controlPlane'];
  /** Performs actions on the control plane (webhooks installed or deleted, certificates renewed). */
  controlPlaneActions?: (a: AdmissionWebhookAction | RenewCertificatesAction) => void;
}

/** One line per timeline entry as it happens: what the simulator did, for logs and tests. */
export interface TimelineRecord {
  atMs: number;
  kind: 'fault' | 'action' | 'heal';
  what: string;
  note?: string;
}

export class ScenarioRunner {
  readonly machines: NodeMachines;
  /** The cloud load balancer in front of the ingress controller, when the scenario has one. */
  readonly loadBalancer: ExternalLoadBalancer | undefined;
  /** What operators and providers do to machines (tests play a provider's reboot through it). */
  readonly ops: NodeOps;
  readonly faults: FaultInjector;
  /** kubetriage's node agent on each machine (src/agent, run on the virtual clock). */
  readonly agents: SimulatedNodeAgents;
  readonly startMs: number;
  readonly endMs: number;
  readonly record: TimelineRecord[] = [];
  private readonly p: RunnerParts;
  private readonly timers: Timer[] = [];
  private readonly stops: (() => void)[] = [];
  private readonly actionParts: Parameters<typeof performAction>[1];

  constructor(p: RunnerParts) {
    this.p = p;
    const { scenario: s, world, store, clock } = p;
    this.startMs = parseIsoTime(s.start) ?? clock.now();
    this.endMs = this.startMs + (parseDuration(s.duration) ?? 0);
    this.machines = new NodeMachines({ world });
    const traffic = new IngressTraffic({
      scenario: s,
      world,
      store,
      clock,
      proxy: p.nodeProxy,
      logs: p.logs,
      newFlowDropShare: (node) => this.machines.conntrack.get(node)?.dropShare ?? 0,
    });
    this.loadBalancer = s.cluster.ingress?.loadBalancer
      ? new ExternalLoadBalancer({ scenario: s, store, clock, world, machines: this.machines, traffic })
      : undefined;
    const controlPlanePools = new Set(
      s.cluster.nodePools.filter((x) => x.role === 'control-plane').map((x) => x.name),
    );
    const nodesFor = (t: Parameters<typeof matchingNodes>[1]) => {
      const all = matchingNodes(store, t, (n) => world.pools.get(n), controlPlanePools);
      return t.count === undefined ? all : pick(all, t.count, world.random).sort();
    };
    const ops = nodeOps({ store, clock, world, machines: this.machines });
    this.ops = ops;
    const versions = new VersionChanges({
      scenario: s,
      store,
      clock,
      ops,
      nodesFor,
      setApiVersion: p.setApiVersion,
      setCgroup: (node, cgroup) => world.cgroups.set(node, cgroup),
    });
    this.faults = new FaultInjector({
      scenario: s,
      clock,
      world,
      machines: this.machines,
      ops,
      protocol: p.protocol,
      versions,
      nodesFor,
      random: world.random,
      network: new NetworkFaults({
        scenario: s,
        world,
        machines: this.machines,
        store,
        clock,
        nodesFor,
        loadBalancer: this.loadBalancer,
      }),
      controlPlane: p.controlPlaneFaults,
    });
    const workloads = new WorkloadOps({ store, clock });
    this.actionParts = {
      clock,
      ops,
      versions,
      workloads,
      faults: this.faults,
      nodesFor,
      network: networkActions({ store, registerLbTargets: () => this.loadBalancer?.registerAll() }),
    };
    this.stops.push(world.onNodeRemoved((n) => this.machines.forget(n)));
    this.stops.push(startPoolRepair({ store, clock, world }));
    this.stops.push(startHostCommands({ store, clock, faults: this.faults, machines: this.machines }));
    const agents = new SimulatedNodeAgents({ scenario: s, world, store, clock, machines: this.machines });
    this.agents = agents;
    agents.start();
    traffic.start();
    this.loadBalancer?.start();
    this.stops.push(
      () => agents.stop(),
      () => traffic.stop(),
      () => this.loadBalancer?.stop(),
    );
    this.stops.push(
      startChurn({ scenario: s, clock, world, ops, workloads, startMs: this.startMs, endMs: this.endMs }),
    );
    for (const entry of s.timeline) {
      const at = resolveInstant(entry.at, this.startMs) ?? this.startMs;
      if (entry.action && p.actionsBefore !== undefined && at >= p.actionsBefore) continue;
      this.timers.push(clock.after(Math.max(0, at - clock.now()), () => this.play(entry)));
    }
  }

  stop(): void {
    for (const t of this.timers) t.cancel();
    for (const s of this.stops) s();
    this.faults.stop();
  }

  private play(e: TimelineEntry): void {
    const atMs = this.p.clock.now();
    if (e.fault) {
      this.record.push({ atMs, kind: 'fault', what: e.fault.id ?? e.fault.type, note: e.note });
      this.faults.inject(e.fault);
    } else if (e.heal) {
      this.record.push({ atMs, kind: 'heal', what: e.heal.fault, note: e.note });
      const nodes = e.heal.nodes ? this.actionParts.nodesFor(e.heal.nodes) : undefined;
      this.faults.heal(e.heal.fault, nodes);
    } else if (e.action) {
      this.record.push({ atMs, kind: 'action', what: e.action.id ?? e.action.type, note: e.note });
      if (isAdmissionWebhookAction(e.action) || e.action.type === 'renew-certificates') {
        this.p.controlPlaneActions?.(e.action);
        return;
      }
      void performAction(e.action, this.actionParts).catch((err: unknown) => {
        // An action that goes wrong is part of the story, not a crash of the simulator.
        this.record.push({ atMs: this.p.clock.now(), kind: 'action', what: `failed: ${String(err)}` });
      });
    }
  }
}
