/**
 * Injects the scenario's faults low and lets the model do the rest: a node fault becomes
 * an effect on its machines (lost packets, a stopped kubelet, unrouted Service VIPs), an
 * API server outage closes the endpoint to whoever the file says (outside clients through
 * the protocol faults, pods through the dependency model, kubelets through their health),
 * a rule-format mismatch is handed to the nodes' kube-proxy models, a scheduled job is
 * installed on the machines whose image carries it. Nothing here writes a symptom.
 *
 * Partial packet loss comes in bursts, as a flaky link does: bad spells and good spells of
 * random length whose long-run share of bad time is the loss rate. A fault that names no
 * `count` follows its nodes onto machines that join later, unless a new machine is
 * exactly what clears it.
 */
import type { Clock, Timer } from '../../time/clock.ts';
import type { ProtocolFaults } from '../api/faults.ts';
import { parseBytes, parseRate } from '../behaviour/memory.ts';
import { parseCountRate } from '../behaviour/node-storage.ts';
import { type ControlPlaneFault, isControlPlaneFault } from '../scenario/control-plane-faults.ts';
import type { Fault, Scenario } from '../scenario/schema.ts';
import { parseDuration } from '../scenario/time-spec.ts';
import type { NetworkFaults } from './network-faults.ts';
import type { NodeEffect, NodeMachines } from './node-machines.ts';
import type { NodeOps } from './node-operations.ts';
import { type matchingNodes, pick } from './node-targets.ts';
import type { ScenarioWorld } from './scenario-world.ts';
import { ScheduledJob } from './scheduled-jobs.ts';
import type { VersionChanges } from './version-changes.ts';

/** kernel/hung_task.c defaults: hung_task_timeout_secs and sysctl_hung_task_warnings. */
const hungTaskTimeoutMs = 120_000;
const hungTaskWarnings = 10;

/** Mean length of one bad-plus-good cycle of a flaky link. */
const burstCycleMs = 6 * 60_000;

export interface InjectorParts {
  scenario: Scenario;
  clock: Clock;
  world: ScenarioWorld;
  machines: NodeMachines;
  ops: NodeOps;
  protocol: ProtocolFaults;
  versions: VersionChanges;
  nodesFor: (target: Parameters<typeof matchingNodes>[1]) => string[];
  random: () => number;
  /** Faults of the pod network and the traffic path (network-faults.ts). */
  network?: NetworkFaults;
  /** Applies a control-plane fault (etcd, apiserver replicas); returns its heal. */
  controlPlane?: (fault: ControlPlaneFault, source: string) => () => void;
}

interface ActiveFault {
  fault: Fault;
  source: string;
  timers: Timer[];
  nodes: Set<string>;
  /** Every node the fault ever reached: spread grows this, and stops at `upTo`. */
  reached: Set<string>;
  job?: ScheduledJob;
  /** Puts the fault on one more node (spread, or a machine that joined). */
  addNode?: (node: string) => void;
  /** Takes it back everywhere or from one node. */
  heal: (node?: string) => void;
}

export class FaultInjector {
  private readonly p: InjectorParts;
  private readonly active = new Map<string, ActiveFault>();
  private seq = 0;
  private readonly offAdded: () => void;
  private readonly offRemoved: () => void;

  constructor(p: InjectorParts) {
    this.p = p;
    this.offAdded = p.world.onNodeAdded((node) => this.nodeJoined(node));
    this.offRemoved = p.world.onNodeRemoved((node) => {
      for (const a of this.active.values()) {
        a.nodes.delete(node);
        a.job?.forget(node);
      }
    });
  }

  stop(): void {
    this.offAdded();
    this.offRemoved();
    this.p.network?.stop();
    for (const a of this.active.values()) {
      for (const t of a.timers) t.cancel();
      a.job?.stop();
    }
  }

  /** The scheduled job a `disable-node-timer` action names. */
  jobNamed(timer: string): ScheduledJob[] {
    return [...this.active.values()].flatMap((a) => (a.job && a.job.name === timer ? [a.job] : []));
  }

  inject(fault: Fault): void {
    const source = `fault:${fault.id ?? `#${++this.seq}`}`;
    const a = this.start(fault, source);
    this.active.set(fault.id ?? source, a);
    const lasts = fault.duration ? parseDuration(fault.duration) : undefined;
    if (lasts) a.timers.push(this.p.clock.after(lasts, () => this.heal(fault.id ?? source)));
  }

  heal(id: string, nodes?: readonly string[]): void {
    const targets = id === 'all' ? [...this.active.keys()] : [id];
    for (const key of targets) {
      const a = this.active.get(key);
      if (!a) continue;
      if (nodes) {
        for (const n of nodes) a.heal(n);
        continue;
      }
      for (const t of a.timers) t.cancel();
      a.heal();
      this.active.delete(key);
    }
  }

  private nodeJoined(node: string): void {
    for (const a of this.active.values()) {
      const f = a.fault;
      if (!a.addNode || !('nodes' in f) || !f.nodes || f.nodes.count !== undefined) continue;
      if ('clearedBy' in f && f.clearedBy.includes('replace') && f.type !== 'node-scheduled-job') continue;
      if (this.p.nodesFor(f.nodes).includes(node)) a.addNode(node);
    }
  }

  private start(fault: Fault, source: string): ActiveFault {
    const { machines, world, clock } = this.p;
    const a: ActiveFault = {
      fault,
      source,
      timers: [],
      nodes: new Set(),
      reached: new Set(),
      heal: () => {},
    };
    if (isControlPlaneFault(fault)) {
      a.heal = this.p.controlPlane?.(fault, source) ?? (() => {});
      return a;
    }
    switch (fault.type) {
      case 'api-server-unreachable':
      case 'api-server-degraded':
        a.heal = this.apiServer(fault);
        return a;
      case 'component-version-change':
        void this.p.versions.change({
          component: fault.component,
          to: fault.to,
          nodes: fault.nodes,
          by: fault.by,
        });
        return a;
      case 'dns-overload': {
        const dns = this.p.scenario.cluster.dns.kind === 'coredns' ? 'coredns' : 'kube-dns';
        const container = dns === 'coredns' ? 'coredns' : 'kubedns';
        // The kernel kills it at the limit: no last words, exit 137. Each run draws its
        // own length when the fault gives a range.
        const shortest = parseDuration(fault.runsFor) ?? 45_000;
        const longest = Math.max(shortest, parseDuration(fault.runsForMax ?? '') ?? shortest);
        const random = this.p.random;
        world.setOwnFailure(`kube-system/${dns}`, container, () => ({
          exitCode: 137,
          reason: 'OOMKilled' as const,
          log: '',
          // Without a range no draw, so scenarios that give none replay as before.
          runsForMs: longest > shortest ? shortest + (longest - shortest) * random() : shortest,
        }));
        a.heal = () => world.setOwnFailure(`kube-system/${dns}`, container, undefined);
        return a;
      }
      case 'dns-forward-loop': {
        // plugin/loop (loop.go): the probe `<random>.<random>.` HINFO is seen a third time and
        // log.Fatalf ends the process (exit 1). The text changed with the plugin: CoreDNS
        // 1.2.x printed `Seen "HINFO IN q." more than twice, loop detected`; later releases
        // name the addresses and the zone, as 1.3.1 logs show.
        const version = this.p.scenario.cluster.dns.version;
        const random = this.p.random;
        const digits = () => String(Math.floor(random() * 9e18) + 1e18);
        const oldText = /^v?1\.2\./.test(version);
        const runsForMs = parseDuration(fault.runsFor) ?? 6_000;
        world.setOwnFailure('kube-system/coredns', 'coredns', () => {
          const qname = `${digits()}.${digits()}.`;
          const port = 32768 + Math.floor(random() * 28000);
          return {
            exitCode: 1,
            reason: 'Error' as const,
            log: oldText
              ? `[FATAL] plugin/loop: Seen "HINFO IN ${qname}" more than twice, loop detected`
              : `[FATAL] plugin/loop: Loop (127.0.0.1:${port} -> :53) detected for zone ".", see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO ${qname}"`,
            runsForMs,
          };
        });
        a.heal = () => world.setOwnFailure('kube-system/coredns', 'coredns', undefined);
        return a;
      }
      case 'registry-outage': {
        // The registry answers; which pulls hit it emerges in the kubelets (image-puller.ts).
        world.registries.set(source, {
          host: fault.registry,
          answer: fault.answer,
          status: fault.status,
          share: fault.share,
          nodes: fault.nodes ? new Set() : undefined,
        });
        if (!fault.nodes) {
          a.heal = () => world.registries.clear(source);
          return a;
        }
        a.addNode = (n) => {
          a.nodes.add(n);
          a.reached.add(n);
          world.registries.setNode(source, n, true);
        };
        a.heal = (node) => {
          if (!node) world.registries.clear(source);
          else {
            world.registries.setNode(source, node, false);
            a.nodes.delete(node);
          }
        };
        break;
      }
      case 'memory-leak': {
        // The program leaks; OOMKills at its limit or node pressure emerge in the kubelets.
        world.startMemoryLeak(source, fault.workload, fault.container, parseRate(fault.rate) ?? 0);
        a.heal = () => world.stopMemoryLeak(source);
        return a;
      }
      case 'disk-fill':
      case 'pid-leak': {
        // The program writes or forks; image GC, pressure, evictions or PLEG emerge in the kubelets.
        const into = fault.type === 'pid-leak' ? 'pids' : fault.into;
        const perMs = fault.type === 'pid-leak' ? parseCountRate(fault.rate) : parseRate(fault.rate);
        world.startStorageGrowth(source, fault.workload, fault.container, into, perMs ?? 0);
        a.heal = () => world.stopStorageGrowth(source);
        return a;
      }
      case 'node-disk-fill': {
        // Written outside pods: image GC, pressure and evictions emerge in the kubelets.
        const perMs = parseRate(fault.rate) ?? 0;
        const written = parseBytes(fault.written) ?? 0;
        a.addNode = (n) => {
          a.nodes.add(n);
          a.reached.add(n);
          world.startHostDiskGrowth(source, n, perMs, written);
        };
        a.heal = (node) => {
          for (const n of node ? [node] : [...a.nodes]) {
            world.stopHostDiskGrowth(source, n);
            a.nodes.delete(n);
          }
        };
        break;
      }
      case 'node-reboot': {
        const downtime = parseDuration(fault.downtime) ?? 180_000;
        for (const n of this.initialNodes(fault)) void this.p.ops.reboot(n, downtime);
        return a;
      }
      case 'node-replace': {
        const after = parseDuration(fault.replacementAfter) ?? 300_000;
        for (const n of this.initialNodes(fault)) void this.p.ops.replace(n, after);
        return a;
      }
      case 'proxy-rule-format-mismatch': {
        a.addNode = (n) => {
          a.nodes.add(n);
          const kp = world.kubeProxies.get(n);
          if (kp)
            kp.ruleFormat = {
              failureProbability: fault.syncFailureProbability,
              corruptionProbability: fault.corruptionProbability,
              failedLine: fault.failedLine ?? 8022,
              retryMs: parseDuration(fault.retryInterval) ?? 30_000,
              rulesVersion: fault.rulesVersion,
            };
        };
        a.heal = (node) => {
          for (const n of node ? [node] : [...a.nodes]) {
            const kp = world.kubeProxies.get(n);
            if (kp) kp.ruleFormat = undefined;
            a.nodes.delete(n);
          }
        };
        break;
      }
      case 'node-scheduled-job': {
        const job = new ScheduledJob({ fault, source, clock, machines, random: this.p.random });
        a.job = job;
        a.addNode = (n) => {
          a.nodes.add(n);
          job.install(n);
        };
        // Healing stops the runs; machines a run already broke stay broken until rebooted.
        a.heal = (node) => (node ? job.disable(node) : job.disable());
        break;
      }
      default: {
        const net = this.p.network?.start(fault, source);
        if (net) {
          const add = net.addNode;
          if (add)
            a.addNode = (n) => {
              a.nodes.add(n);
              a.reached.add(n);
              add(n);
            };
          a.heal = net.heal;
          break;
        }
        const effect = nodeEffect(fault);
        const partial =
          fault.type === 'node-network' ? (fault.loss === 'partial' ? fault.rate : undefined) : undefined;
        const dnsRate = fault.type === 'node-dns' && fault.rate < 1 ? fault.rate : undefined;
        const rate = partial ?? dnsRate;
        a.addNode = (n) => {
          a.nodes.add(n);
          a.reached.add(n);
          if (rate === undefined) machines.set(n, source, effect);
          else this.bursts(a, n, rate, effect);
          if (fault.type === 'runtime-stall' && fault.origin === 'io-saturation') this.blockedTasks(a, n);
        };
        a.heal = (node) => {
          for (const n of node ? [node] : [...a.nodes]) {
            machines.clear(n, source);
            a.nodes.delete(n);
          }
        };
      }
    }
    for (const n of this.initialNodes(fault)) a.addNode?.(n);
    this.spread(a);
    return a;
  }

  /** The fault's nodes now: its target, narrowed to `count` with the dice. */
  private initialNodes(fault: Fault): string[] {
    if (!('nodes' in fault) || !fault.nodes) return [];
    const all = this.p.nodesFor(fault.nodes);
    return fault.nodes.count === undefined ? all : pick(all, fault.nodes.count, this.p.random);
  }

  private spread(a: ActiveFault): void {
    const f = a.fault;
    if (!('nodes' in f) || !f.nodes?.spread || !a.addNode) return;
    const { every, add, upTo } = f.nodes.spread;
    const everyMs = parseDuration(every) ?? 1_800_000;
    const grow = (): void => {
      const limit = upTo ?? Number.POSITIVE_INFINITY;
      const candidates = this.p
        .nodesFor({ ...f.nodes, count: undefined, spread: undefined })
        .filter((n) => !a.reached.has(n));
      const room = Math.max(0, Math.min(add, limit - a.reached.size));
      for (const n of pick(candidates, room, this.p.random)) a.addNode?.(n);
      if (a.reached.size < limit && candidates.length > room)
        a.timers.push(this.p.clock.after(everyMs, grow));
    };
    a.timers.push(this.p.clock.after(everyMs, grow));
  }

  /**
   * A disk too slow to answer leaves the runtime's and the journal's tasks in uninterruptible
   * sleep; the kernel's hung-task watchdog wakes every hung_task_timeout_secs (120 s) and names
   * each task still blocked since its last look (kernel/hung_task.c check_hung_task), on the
   * machine's ring buffer only, until its budget of sysctl_hung_task_warnings (10 per boot)
   * is spent.
   */
  private blockedTasks(a: ActiveFault, node: string): void {
    const { clock, machines, scenario, world } = this.p;
    const pool = scenario.cluster.nodePools.find((p) => p.name === world.pools.get(node));
    const runtime = pool?.containerRuntime.split(':')[0] ?? 'containerd';
    const daemon = runtime === 'docker' ? 'dockerd' : runtime === 'cri-o' ? 'crio' : runtime;
    const pid = (base: number) => base + Math.floor(this.p.random() * 900);
    const tasks = [`${daemon}:${pid(1000)}`, `jbd2/nvme0n1p1-8:${pid(200)}`];
    let warnings = hungTaskWarnings;
    const watchdog = (): void => {
      if (!a.nodes.has(node) || !machines.has(node, a.source)) return;
      const now = clock.now();
      for (const task of tasks) {
        if (warnings <= 0) return;
        warnings--;
        machines.kernelLog.append(node, now, `INFO: task ${task} blocked for more than 120 seconds.`);
        machines.kernelLog.append(
          node,
          now,
          '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
        );
      }
      a.timers.push(clock.after(hungTaskTimeoutMs, watchdog));
    };
    a.timers.push(clock.after(hungTaskTimeoutMs, watchdog));
  }

  /** Bad and good spells in turn; the effect holds during bad ones. */
  private bursts(a: ActiveFault, node: string, rate: number, effect: NodeEffect): void {
    const { clock, machines, random } = this.p;
    const spell = (mean: number) => -Math.log(1 - random()) * mean;
    // A reboot may clear the fault for good between spells; then the link stays healthy.
    const cleared = (): boolean => {
      if (a.nodes.has(node) && machines.has(node, a.source)) return false;
      a.nodes.delete(node);
      return true;
    };
    const bad = (): void => {
      if (cleared()) return;
      machines.set(node, a.source, effect);
      a.timers.push(clock.after(spell(rate * burstCycleMs), good));
    };
    const good = (): void => {
      if (cleared()) return;
      machines.set(node, a.source, { ...effect, dormant: true });
      a.timers.push(clock.after(spell((1 - rate) * burstCycleMs), bad));
    };
    machines.set(node, a.source, effect);
    a.timers.push(clock.after(spell(rate * burstCycleMs), good));
  }

  /** Closes (or slows) the API server to the clients the fault names; returns the undo. */
  private apiServer(
    fault: Extract<Fault, { type: 'api-server-unreachable' | 'api-server-degraded' }>,
  ): () => void {
    const { protocol, world, machines } = this.p;
    if (fault.type === 'api-server-degraded') {
      protocol.set({
        ...protocol.injected,
        latencyMs: fault.latency ? parseDuration(fault.latency) : undefined,
        errors: fault.errorRate ? { rate: fault.errorRate, code: fault.status } : undefined,
      });
      return () => protocol.set({ ...protocol.injected, latencyMs: undefined, errors: undefined });
    }
    const from = new Set(fault.from);
    if (from.has('outside'))
      protocol.set({ ...protocol.injected, unreachable: fault.mode === 'timeout' ? 'hang' : 'refuse' });
    if (from.has('pods')) world.deps.cluster.apiServerUp = false;
    if (from.has('nodes')) machines.apiFromNodes = false;
    machines.applyAll();
    world.deps.changed();
    return () => {
      if (from.has('outside')) protocol.set({ ...protocol.injected, unreachable: undefined });
      if (from.has('pods')) world.deps.cluster.apiServerUp = true;
      if (from.has('nodes')) machines.apiFromNodes = true;
      machines.applyAll();
      world.deps.changed();
    };
  }
}

/** What a node fault does to each of its machines. */
function nodeEffect(f: Fault): NodeEffect {
  const common = {
    clearedBy: 'clearedBy' in f ? f.clearedBy : (['reboot', 'replace'] as const),
    rebootFixProbability: 'rebootFixProbability' in f ? f.rebootFixProbability : undefined,
  };
  switch (f.type) {
    case 'kubelet-stop':
      return { ...common, kubeletStopped: true };
    case 'kubelet-flap':
      return { ...common, updateFailureRate: f.statusUpdateFailureRate };
    case 'node-network': {
      const pods = f.affects.includes('pods');
      const host = f.affects.includes('host');
      return { ...common, podNetworkDown: pods, hostNetworkDown: host };
    }
    case 'node-dns':
      return {
        ...common,
        podDnsBroken: f.affects.includes('pods'),
        hostDnsBroken: f.affects.includes('host'),
      };
    case 'runtime-stall':
      return {
        ...common,
        ioSaturated: f.origin === 'io-saturation',
        runtimeStall: {
          statusHangs: f.statusCheck === 'hangs',
          relistEveryMs: f.relistEvery ? parseDuration(f.relistEvery) : undefined,
        },
      };
    case 'service-routing': {
      const routingEffect = f.effect === 'reject' ? ('reject' as const) : ('drop' as const);
      if (!f.services) return { ...common, serviceRoutingBroken: true, routingEffect };
      return { ...common, brokenServices: f.services, routingEffect };
    }
    default:
      return { ...common };
  }
}
