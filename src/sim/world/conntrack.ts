/**
 * A node's connection-tracking table under load. Every flow through the node's netfilter
 * (Service DNAT, pod egress, DNS over UDP) holds an entry until it times out; when the
 * table reaches `nf_conntrack_max` the kernel drops the packets of new flows and logs
 * `nf_conntrack: nf_conntrack: table full, dropping packet` (net/netfilter/nf_conntrack_core.c,
 * rate-limited, with `net_ratelimit: N callbacks suppressed` between bursts).
 *
 * Drops are intermittent: a share of new flows fails, so each minute the node's pods meet
 * failures with a chance that grows with the overflow. DNS fails first and most: one
 * lookup is several UDP queries (search domains, A and AAAA), each a new entry, and a
 * lost one costs the resolver's 5 s timeout; established TCP connections keep working.
 *
 * The table also tracks flows arriving at the node's pods, so a full table on a node that
 * hosts a cluster DNS replica drops queries sent to that replica from every other node:
 * kube-proxy spreads lookups over the replicas, and the share that lands on the full node
 * fails cluster-wide (Zalando saw exactly this: "If one of coredns pods is running on the
 * same node, the whole cluster will start experiencing issues",
 * zalando-incubator/kubernetes-on-aws#1244).
 */
import type { Clock, Timer } from '../../time/clock.ts';
import { resourceForKind } from '../api/resources.ts';
import type { ObjectStore } from '../store/object-store.ts';
import type { NodeMachines } from './node-machines.ts';

const podType = resourceForKind('Pod')!;
const nodeType = resourceForKind('Node')!;

const tickMs = 60_000;
/** Entries a node holds with nothing special going on: its own daemons, plus each pod's flows. */
const baseEntries = 2_000;
const entriesPerPod = 150;
/** Packets of new flows per second on a busy node, for the drop counts the kernel reports. */
const newFlowsPerSecond = 400;
/** How long the node agent counts drops back (src/agent/checks/conntrack.ts). */
const dropWindowMs = 5 * 60_000;

interface PodView {
  spec?: { nodeName?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

export interface ConntrackLoad {
  /** Extra tracked connections (the flood). */
  connections: number;
  /** `nf_conntrack_max` in force. */
  max: number;
}

export class ConntrackTables {
  private readonly o: { store: ObjectStore; clock: Clock; machines: NodeMachines; random: () => number };
  private readonly loads = new Map<
    string,
    { load: ConntrackLoad; timer: Timer; full: boolean; remote: Set<string> }
  >();

  constructor(o: ConntrackTables['o']) {
    this.o = o;
  }

  /** Puts a load on a node's table (undefined takes it off), under the fault's `source`. */
  set(node: string, source: string, load: ConntrackLoad | undefined): void {
    const key = `${node}|${source}`;
    const current = this.loads.get(key);
    current?.timer.cancel();
    if (current) this.clearRemote(node, source, current.remote);
    this.loads.delete(key);
    this.o.machines.clear(node, source);
    if (!load) {
      this.o.machines.conntrack.delete(node);
      return;
    }
    const entry = {
      load,
      full: false,
      remote: new Set<string>(),
      timer: this.o.clock.after(0, () => this.tick(node, source)),
    };
    this.loads.set(key, entry);
  }

  stop(): void {
    for (const e of this.loads.values()) e.timer.cancel();
    this.loads.clear();
  }

  /** Ready cluster DNS replicas on `node` and in the whole cluster. */
  private dnsReplicas(node: string): { here: number; total: number } {
    const ready = this.o.store
      .listObjects(podType, 'kube-system')
      .filter(
        (p) =>
          p.metadata.labels?.['k8s-app'] === 'kube-dns' &&
          !p.metadata.deletionTimestamp &&
          (p as PodView).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ) as PodView[];
    return { here: ready.filter((p) => p.spec?.nodeName === node).length, total: ready.length };
  }

  /**
   * Lookups from other nodes that kube-proxy sends to the DNS replicas on the full node:
   * each lookup is about three queries, each landing there with the replicas' share and
   * dropped there with the overflow's share.
   */
  private dropRemoteLookups(node: string, source: string, share: number, remote: Set<string>): void {
    const { here, total } = this.dnsReplicas(node);
    const key = `${source}|dns-replica-on:${node}`;
    if (!here || !total) {
      this.clearRemote(node, source, remote);
      return;
    }
    const chance = Math.min(1, 3 * (here / total) * share);
    for (const other of this.o.store.listObjects(nodeType)) {
      const name = other.metadata.name ?? '';
      if (name === node) continue;
      const fails = this.o.random() < chance;
      this.o.machines.set(name, key, { podDnsBroken: fails, clearedBy: [], dormant: !fails });
      remote.add(name);
    }
  }

  private clearRemote(node: string, source: string, remote: Set<string>): void {
    const key = `${source}|dns-replica-on:${node}`;
    for (const other of remote) this.o.machines.clear(other, key);
    remote.clear();
  }

  /** Entries the node's table holds now under a load. */
  entries(node: string, load: ConntrackLoad): number {
    const pods = this.o.store.list(podType, { filter: (e) => e.fields['spec.nodeName'] === node }).entries
      .length;
    return baseEntries + entriesPerPod * pods + load.connections;
  }

  private tick(node: string, source: string): void {
    const key = `${node}|${source}`;
    const entry = this.loads.get(key);
    if (!entry) return;
    const { clock, machines, random } = this.o;
    const now = clock.now();
    const demand = this.entries(node, entry.load);
    const share = Math.max(0, 1 - entry.load.max / demand);
    const reading = machines.conntrack.get(node) ?? {
      count: 0,
      max: entry.load.max,
      drops: [],
      dropShare: 0,
      dropsTotal: 0,
    };
    reading.count = Math.min(demand, entry.load.max);
    reading.dropShare = machines.isDown(node) ? 0 : share;
    reading.max = entry.load.max;
    reading.drops = reading.drops.filter((d) => now - d.atMs < dropWindowMs);
    if (!reading.drops.length) reading.droppingSince = undefined;
    if (reading.count < 0.9 * reading.max) reading.nearlyFullSince = undefined;
    else reading.nearlyFullSince ??= now;
    if (share > 0 && !machines.isDown(node)) {
      const dropped = Math.max(1, Math.round(share * newFlowsPerSecond * (tickMs / 1000)));
      reading.drops.push({ atMs: now, packets: dropped });
      reading.dropsTotal += dropped;
      reading.droppingSince ??= now;
      // The kernel prints the first, then rate-limits and says how many it swallowed.
      if (entry.full)
        machines.kernelLog.append(node, now, `net_ratelimit: ${dropped - 1} callbacks suppressed`);
      machines.kernelLog.append(node, now, 'nf_conntrack: nf_conntrack: table full, dropping packet');
      entry.full = true;
      machines.conntrack.set(node, reading);
      const dnsFails = random() < Math.min(1, 3 * share);
      const connectsFail = random() < share;
      machines.set(node, source, {
        podDnsBroken: dnsFails,
        serviceRoutingBroken: connectsFail,
        clearedBy: [],
        dormant: !dnsFails && !connectsFail,
      });
      this.dropRemoteLookups(node, source, share, entry.remote);
    } else {
      entry.full = false;
      machines.conntrack.set(node, reading);
      machines.clear(node, source);
      this.clearRemote(node, source, entry.remote);
    }
    entry.timer = clock.after(tickMs, () => this.tick(node, source));
  }
}
