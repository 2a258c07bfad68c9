/**
 * The control plane as only the simulator knows it: kube-apiserver replicas behind one
 * endpoint, each with its etcd member (kubeadm's stacked etcd: every apiserver dials only
 * `--etcd-servers=https://127.0.0.1:2379`, its own member), the members' raft quorum, and
 * etcd's own troubles (a slow disk, the NOSPACE alarm). Faults set this state low; what
 * clients see emerges from it in the request path (`api/control-plane-requests.ts`):
 * which replica answers, whether it reaches etcd, how long that takes and which error
 * comes back, and what `/livez` and `/readyz` list.
 *
 * Managed control planes (EKS, AKS, GKE, DOKS) have replicas and members too, but no node
 * or pod an operator can see; each replica then reaches the whole etcd cluster.
 */

export interface ControlPlaneMember {
  /** The node it runs on (static pods `etcd-<node>`, `kube-apiserver-<node>`), or a hidden name. */
  name: string;
  /** The node's address; etcd's client URL is `https://<ip>:2379`. */
  ip: string;
  /** Runs on a node of the cluster (kubeadm), not hidden by a provider. */
  onNode: boolean;
}

/** Why a replica cannot reach etcd, in the words its client reports. */
export type EtcdTrouble =
  /** Its member is down: gRPC dials `127.0.0.1:2379` and is refused. */
  | 'member-down'
  /** No raft leader (quorum lost): etcd answers nothing in time. */
  | 'no-quorum'
  /** The disk is so slow that every request outlives etcd's request timeout. */
  | 'slow';

export interface ReplicaView {
  member: ControlPlaneMember;
  /** The kube-apiserver process is up and listening. */
  serving: boolean;
  /** Why etcd is out of its reach, when it is. */
  etcd?: EtcdTrouble;
}

/** etcd answers a request after this long when it has no leader (5 s + 2 × election timeout). */
export const etcdRequestTimeoutMs = 7_000;

export class ControlPlane {
  readonly members: ControlPlaneMember[];
  /** Stacked etcd (kubeadm): each apiserver talks to its own member only. */
  readonly stacked: boolean;
  private readonly hostUp: (node: string) => boolean;
  private readonly etcdDown = new Map<string, Set<string>>();
  private readonly apiserverDown = new Map<string, Set<string>>();
  private readonly slow = new Map<string, number>();
  private readonly nospace = new Set<string>();
  /** kube-apiserver's serving certificate expired: every client's handshake fails. */
  private certExpired = false;
  private readonly listeners = new Set<() => void>();
  private next = 0;

  constructor(o: { members: ControlPlaneMember[]; stacked: boolean; hostUp?: (node: string) => boolean }) {
    if (o.members.length === 0) throw new Error('a control plane needs at least one member');
    this.members = o.members;
    this.stacked = o.stacked;
    this.hostUp = o.hostUp ?? (() => true);
  }

  onChange(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Something changed (a fault, a machine): listeners re-read the state. */
  changed(): void {
    for (const l of this.listeners) l();
  }

  member(name: string): ControlPlaneMember | undefined {
    return this.members.find((m) => m.name === name);
  }

  // --- faults, each held by the fault that set it (`source`) until it lets go

  setEtcdDown(member: string, source: string, down: boolean): void {
    toggle(this.etcdDown, member, source, down);
    this.changed();
  }

  setApiserverDown(member: string, source: string, down: boolean): void {
    toggle(this.apiserverDown, member, source, down);
    this.changed();
  }

  /** etcd's disk takes this long per write (fdatasync); 0 lets go. */
  setEtcdLatency(source: string, ms: number): void {
    if (ms > 0) this.slow.set(source, ms);
    else this.slow.delete(source);
    this.changed();
  }

  /** The NOSPACE alarm: the database is over its quota and etcd refuses writes. */
  setNoSpace(source: string, on: boolean): void {
    if (on) this.nospace.add(source);
    else this.nospace.delete(source);
    this.changed();
  }

  // --- what holds now

  /** The member's machine is up and reachable (always, for hidden replicas). */
  hostAlive(m: ControlPlaneMember): boolean {
    return !m.onNode || this.hostUp(m.name);
  }

  etcdMemberUp(m: ControlPlaneMember): boolean {
    return !(this.etcdDown.get(m.name)?.size ?? 0) && (!m.onNode || this.hostUp(m.name));
  }

  apiserverUp(m: ControlPlaneMember): boolean {
    return !(this.apiserverDown.get(m.name)?.size ?? 0) && (!m.onNode || this.hostUp(m.name));
  }

  /** A raft leader can be elected: more than half the members are up. */
  quorum(): boolean {
    let up = 0;
    for (const m of this.members) if (this.etcdMemberUp(m)) up++;
    return up * 2 > this.members.length;
  }

  /** Extra time every etcd round trip takes (a slow disk); 0 when healthy. */
  etcdLatencyMs(): number {
    let ms = 0;
    for (const v of this.slow.values()) ms = Math.max(ms, v);
    return ms;
  }

  noSpace(): boolean {
    return this.nospace.size > 0;
  }

  setServingCertificateExpired(expired: boolean): void {
    if (expired === this.certExpired) return;
    this.certExpired = expired;
    this.changed();
  }

  servingCertificateExpired(): boolean {
    return this.certExpired;
  }

  replica(m: ControlPlaneMember): ReplicaView {
    const serving = this.apiserverUp(m);
    let etcd: EtcdTrouble | undefined;
    if (this.stacked && !this.etcdMemberUp(m)) etcd = 'member-down';
    else if (!this.quorum()) etcd = 'no-quorum';
    else if (this.etcdLatencyMs() >= etcdRequestTimeoutMs) etcd = 'slow';
    return { member: m, serving, ...(etcd ? { etcd } : {}) };
  }

  /**
   * The replica the endpoint's load balancer hands this request to: round robin over
   * every replica, dead ones included (a TCP balancer without health checks, or one whose
   * checks have not noticed yet), so a dead replica fails its share of requests.
   */
  route(): ReplicaView {
    const m = this.members[this.next++ % this.members.length];
    return this.replica(m);
  }

  /** No replica answers at all: the endpoint refuses connections. */
  allDown(): boolean {
    return this.members.every((m) => !this.apiserverUp(m));
  }

  /** No replica can read or write the cluster's state (every one is down or cut off from etcd). */
  unusable(): boolean {
    if (this.certExpired) return true;
    return this.members.every((m) => {
      const r = this.replica(m);
      return !r.serving || r.etcd !== undefined;
    });
  }

  /** Writes can succeed somewhere: a replica reaches etcd, and etcd has room. */
  writable(): boolean {
    return !this.unusable() && !this.noSpace();
  }
}

function toggle(map: Map<string, Set<string>>, key: string, source: string, on: boolean): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  if (on) set.add(source);
  else set.delete(source);
}
