/**
 * The machines under the nodes, as only the simulator knows them: which faults hold on
 * each (by the fault that caused them), whether it is powered down, what the next boot
 * will change, and what its node-local timers did. Every change is pushed down to the
 * parts that make symptoms: the node's layer in `Dependencies` (what its pods can reach)
 * and its kubelet's health (whether it runs and reaches the API server).
 */
import type { NodeFaults } from '../behaviour/dependencies.ts';
import { KernelLog } from './kernel-log.ts';
import type { ScenarioWorld } from './scenario-world.ts';

export type ClearedBy = 'reboot' | 'replace' | 'kubelet-restart';

/** What one fault does to one machine. */
export interface NodeEffect {
  /** Pods' traffic is lost. */
  podNetworkDown?: boolean;
  /** The host's own traffic (kubelet, kube-proxy, the node agent) is lost. */
  hostNetworkDown?: boolean;
  podDnsBroken?: boolean;
  /** The node's own resolver (/etc/resolv.conf) fails. */
  hostDnsBroken?: boolean;
  apiVipBroken?: boolean;
  serviceRoutingBroken?: boolean;
  brokenServices?: readonly string[];
  routingEffect?: 'drop' | 'reject';
  kubeletStopped?: boolean;
  /** Share of kubelet status updates and lease renewals that fail. */
  updateFailureRate?: number;
  /** The container runtime does not answer the kubelet in time. */
  runtimeStall?: { statusHangs: boolean; relistEveryMs?: number };
  /** The node's disk is saturated: tasks wait on I/O (what PSI io and the hung-task watchdog show). */
  ioSaturated?: boolean;
  clearedBy: readonly ClearedBy[];
  /** Chance that one reboot clears it (1 when unset). */
  rebootFixProbability?: number;
  /** Present but quiet for now (a flaky link between bad spells); a reboot still clears it. */
  dormant?: boolean;
}

/** What a node-local upgrade job left on the machine, as the node agent would find it. */
export interface PackageState {
  /** The job currently running (its unit name), if any. */
  running?: { job: string; sinceMs: number; scheduledMs: number; packages: string[] };
  /** The last run's end: success, killed at its timeout, or failed. */
  lastRun?: {
    job: string;
    result: 'success' | 'timeout' | 'error';
    startedMs: number;
    endedMs: number;
    /** What the run set out to upgrade (`name=version`), as apt's history log keeps it. */
    packages?: string[];
  };
  halfInstalled: string[];
  /** Installed but not yet running (needs a reboot). */
  pendingKernel?: string;
  /** When the machine last came back from a reboot. */
  bootedMs?: number;
  upgradedPackages: string[];
}

/**
 * The node's conntrack table as `/proc/sys/net/netfilter/nf_conntrack_{count,max}` and the
 * `drop` column of `/proc/net/stat/nf_conntrack` show it (written by conntrack.ts).
 */
export interface ConntrackReading {
  count: number;
  max: number;
  /** Packets dropped for a full table, per minute they were dropped (the last 5 min). */
  drops: { atMs: number; packets: number }[];
  /** Share of new flows the table dropped at the last look (0 while it has room). */
  dropShare: number;
  /** Packets dropped since boot: the kernel's counter behind the `drop` column. */
  dropsTotal: number;
  /** When the current spell of drops began (drops within 5 min of each other). */
  droppingSince?: number;
  /** When the table last reached 90 % full, while it stays there. */
  nearlyFullSince?: number;
}

/** An enabled node-local timer, as systemd lists it. */
export interface NodeTimer {
  name: string;
  onCalendar: string;
  randomizedDelay?: string;
  /** Whether its unit runs a package upgrade (what the agent reports on). */
  upgrades: boolean;
}

export class NodeMachines {
  private readonly world: ScenarioWorld;
  private readonly effects = new Map<string, Map<string, NodeEffect>>();
  private readonly down = new Set<string>();
  private readonly kubeletPaused = new Set<string>();
  readonly packages = new Map<string, PackageState>();
  readonly timers = new Map<string, NodeTimer[]>();
  /**
   * Upgrade timers disabled on each machine (`systemctl disable --now`), by name: the unit
   * stays installed, only its link in timers.target.wants goes.
   */
  readonly disabledTimers = new Map<string, Map<string, NodeTimer>>();
  /** Each machine's conntrack table, where a load was put on it. */
  readonly conntrack = new Map<string, ConntrackReading>();
  /** Whether kubelets and other host processes reach the API server at all. */
  apiFromNodes = true;
  /** Each machine's kernel ring buffer. */
  readonly kernelLog = new KernelLog();
  private readonly listeners = new Set<(node: string) => void>();

  constructor(o: { world: ScenarioWorld }) {
    this.world = o.world;
  }

  /** Called after every change to a machine (the node agent re-checks). */
  onChange(l: (node: string) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** The effects that act now (dormant ones are left out). */
  effectsOn(node: string): NodeEffect[] {
    return [...(this.effects.get(node)?.values() ?? [])].filter((e) => !e.dormant);
  }

  has(node: string, source: string): boolean {
    return this.effects.get(node)?.has(source) ?? false;
  }

  set(node: string, source: string, effect: NodeEffect): void {
    let m = this.effects.get(node);
    if (!m) {
      m = new Map();
      this.effects.set(node, m);
    }
    m.set(source, effect);
    this.apply(node);
  }

  clear(node: string, source: string): void {
    if (this.effects.get(node)?.delete(source)) this.apply(node);
  }

  /** Clears what `cause` ends on the node; a reboot rolls each fault's fix probability. */
  clearBy(node: string, cause: ClearedBy): void {
    const m = this.effects.get(node);
    if (!m) return;
    for (const [source, e] of [...m]) {
      if (!e.clearedBy.includes(cause)) continue;
      if (
        cause === 'reboot' &&
        e.rebootFixProbability !== undefined &&
        this.world.random() >= e.rebootFixProbability
      )
        continue;
      m.delete(source);
    }
    this.apply(node);
  }

  isDown(node: string): boolean {
    return this.down.has(node);
  }

  setDown(node: string, down: boolean): void {
    if (down) this.down.add(node);
    else this.down.delete(node);
    this.apply(node);
  }

  /** A kubelet restart: the process is gone for a moment, the machine stays up. */
  pauseKubelet(node: string, paused: boolean): void {
    if (paused) this.kubeletPaused.add(node);
    else this.kubeletPaused.delete(node);
    this.apply(node);
  }

  /** The machine is gone for good (replaced or scaled away). */
  forget(node: string): void {
    this.effects.delete(node);
    this.down.delete(node);
    this.kubeletPaused.delete(node);
    this.packages.delete(node);
    this.timers.delete(node);
    this.disabledTimers.delete(node);
    this.kernelLog.forget(node);
  }

  /** `systemctl disable --now <timer>` on the machine. */
  disableTimer(node: string, name: string): void {
    const timers = this.timers.get(node) ?? [];
    const timer = timers.find((t) => t.name === name);
    if (timer?.upgrades) {
      const disabled = this.disabledTimers.get(node) ?? new Map<string, NodeTimer>();
      disabled.set(name, timer);
      this.disabledTimers.set(node, disabled);
    }
    if (timer)
      this.timers.set(
        node,
        timers.filter((t) => t !== timer),
      );
    this.apply(node);
  }

  packageState(node: string): PackageState {
    let p = this.packages.get(node);
    if (!p) {
      p = { halfInstalled: [], upgradedPackages: [] };
      this.packages.set(node, p);
    }
    return p;
  }

  /** What the host itself can do now: the node agent's view of its own machine. */
  host(node: string): {
    up: boolean;
    networkDown: boolean;
    dnsBroken: boolean;
    reachesApi: boolean;
    kubeletReachesApi: boolean;
  } {
    const all = this.effectsOn(node);
    const up = !this.down.has(node);
    const networkDown = all.some((e) => e.hostNetworkDown);
    const dnsBroken = networkDown || all.some((e) => e.hostDnsBroken);
    const reachesApi = up && !networkDown && this.apiFromNodes;
    return {
      up,
      networkDown,
      dnsBroken,
      // The agent dials the kubernetes service VIP, an address; the kubelet dials the server
      // its kubeconfig names, which needs the node's resolver when it is a hostname.
      reachesApi,
      kubeletReachesApi: reachesApi && !(dnsBroken && this.apiEndpointByName()),
    };
  }

  /**
   * Whether the kubelet's kubeconfig names the API server by hostname, as managed control
   * planes do (AKS `<prefix>.hcp.<region>.azmk8s.io`, EKS `<id>.<zone>.eks.amazonaws.com`):
   * Go's resolver reads /etc/resolv.conf at each dial, so with the node's resolver broken
   * the kubelet's next connection fails with `dial tcp: lookup <host> ...` and its status
   * and lease updates stop. The held connection is not modelled: the kubelet loses the API
   * server as soon as the resolver fails.
   */
  private apiEndpointByName(): boolean {
    const host = (this.world.deps.cluster.apiEndpoint ?? '').replace(/:\d+$/, '');
    return host !== '' && !/^\d+\.\d+\.\d+\.\d+$/.test(host) && !host.startsWith('[');
  }

  /** Whether the machine's disk is saturated now (the node agent's NodeIOPressure reads it). */
  ioSaturated(node: string): boolean {
    return !this.down.has(node) && this.effectsOn(node).some((e) => e.ioSaturated);
  }

  applyAll(): void {
    for (const node of this.world.kubelets.keys()) this.apply(node);
  }

  /** Pushes the machine's state down to its pods' dependencies and its kubelet. */
  apply(node: string): void {
    const all = this.effectsOn(node);
    const down = this.down.has(node);
    const services = new Set(all.flatMap((e) => e.brokenServices ?? []));
    const faults: NodeFaults = {
      networkDown: down || all.some((e) => e.podNetworkDown),
      dnsBroken: all.some((e) => e.podDnsBroken),
      apiVipBroken: all.some((e) => e.apiVipBroken),
      serviceRoutingBroken: all.some((e) => e.serviceRoutingBroken),
      ...(services.size ? { brokenServices: [...services].sort() } : {}),
      ...(all.some((e) => e.routingEffect === 'reject') ? { routingEffect: 'reject' as const } : {}),
    };
    this.world.deps.setFaults(node, faults, 'scenario');
    const kubelet = this.world.kubelets.get(node);
    if (kubelet) {
      const h = kubelet.health;
      h.running = !down && !this.kubeletPaused.has(node) && !all.some((e) => e.kubeletStopped);
      h.apiReachable = this.host(node).kubeletReachesApi;
      h.updateFailureRate = Math.max(0, ...all.map((e) => e.updateFailureRate ?? 0));
      kubelet.setRuntimeStall(down ? undefined : all.find((e) => e.runtimeStall)?.runtimeStall);
    }
    for (const l of this.listeners) l(node);
  }
}
