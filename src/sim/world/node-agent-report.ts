/**
 * What kubetriage's node agent would report from each simulated machine, in the format of
 * docs/node-agent-report.md: problem-style conditions on the Node (reason, message with
 * logfmt fields, heartbeat), patched when a status or reason changes and every 5 minutes
 * otherwise, and an event per transition. The checks read the machine's ground truth the
 * way the real agent's probes would meet it: the VIP and DNS through the pods' network,
 * the node resolver and the API endpoint from the host, timers and package state from the
 * host's files, kube-proxy's failure counter from its metrics.
 *
 * The agent writes only while its machine is up and reaches the API server (directly, not
 * through the VIP); what it saw meanwhile goes out with its original transition times.
 */

import { type Clock, rfc3339, type Timer } from '../../time/clock.ts';
import { goDuration } from '../../time/go-duration.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { recordEvent } from '../behaviour/events.ts';
import { nodeMemory } from '../behaviour/memory.ts';
import type { NodeCondition } from '../behaviour/node-condition.ts';
import { defaultPidMax, defaultThreadsMax, nodeSystemPids } from '../behaviour/node-storage.ts';
import type { Scenario } from '../scenario/schema.ts';
import { parseDuration } from '../scenario/time-spec.ts';
import type { ObjectStore } from '../store/object-store.ts';
import type { NodeMachines } from './node-machines.ts';
import { peerFinding } from './peer-reach.ts';
import type { ScenarioWorld } from './scenario-world.ts';

const nodeType = resourceForKind('Node')!;

/** Network checks turn True after 3 failed checks 10 s apart (the probe defaults). */
const failureThresholdMs = 30_000;
const heartbeatMs = 5 * 60_000;
/** A message-only change rides on the next PATCH, sent at the latest this long after the last. */
const messageRefreshMs = 60_000;
/** IptablesRestoreFailing clears after this long without a new failure. */
const iptablesQuietMs = 10 * 60_000;
const probeName = 'registry.k8s.io';
/** PSI io's `full` avg60 falls from about 60 % under the 10 % line this long after the stall ends. */
const ioDecayMs = 2 * 60_000;
const hungTask = /INFO: task (\S+:\d+) blocked for more than \d+ seconds\./;

interface Finding {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
}

interface NodeState {
  /** Written (or to write) condition per type, with the time its status last changed. */
  conditions: Map<string, NodeCondition>;
  /** When each failing network check began failing (for the debounce and `since`). */
  failingSince: Map<string, number>;
  lastWriteMs: number;
  dirty: boolean;
  /** A message changed without its status or reason: it goes out within 60 s (§1). */
  messageStale?: boolean;
  lastFailures: number;
  lastFailureMs?: number;
  firstFailureMs?: number;
  /** What the checks depended on at the last evaluation; unchanged means nothing to re-check. */
  inputs?: string;
  /** The running kernel at the last evaluation, and the one before the last change (the state volume's). */
  kernel?: string;
  previousKernel?: string;
  /** The first check of the current NodeIOPressure streak. */
  ioSince?: number;
  /** The last evaluation at which the machine's disk was saturated (PSI's avg60 decays after it). */
  ioSaturatedMs?: number;
}

/** logfmt value: JSON-quoted when it holds a space, quote, `=` or `;`, or is empty. */
function field(key: string, value: string | number): string {
  const v = String(value);
  return `${key}=${v === '' || /[\s"=;]/.test(v) ? JSON.stringify(v) : v}`;
}

export class NodeAgentReports {
  private readonly o: {
    scenario: Scenario;
    world: ScenarioWorld;
    store: ObjectStore;
    clock: Clock;
    machines: NodeMachines;
  };
  private readonly state = new Map<string, NodeState>();
  private readonly timers: Timer[] = [];
  private queued = false;
  private readonly offs: (() => void)[] = [];
  private peerView: { atMs: number; ready: string[]; key: string } | undefined;

  constructor(o: NodeAgentReports['o']) {
    this.o = o;
  }

  start(): void {
    const { world, machines, clock } = this.o;
    const wake = (): void => this.queue(1_000);
    this.offs.push(
      world.deps.onChange(wake),
      machines.onChange((node) => {
        const st = this.state.get(node);
        if (st) st.inputs = undefined;
        wake();
      }),
      world.onNodeRemoved((n) => this.state.delete(n)),
    );
    // The slow checks (iptables counter, heartbeat) run on their own cadence.
    const tick = (): void => {
      this.evaluate((node, st) => {
        const failures = this.o.world.kubeProxies.get(node)?.state.restoreFailures ?? 0;
        const iptables = st.conditions.get('IptablesRestoreFailing')?.status === 'True';
        const io = st.conditions.get('NodeIOPressure')?.status === 'True' || machines.ioSaturated(node);
        return (
          failures !== st.lastFailures ||
          iptables ||
          io ||
          st.inputs?.endsWith(`|${this.peers().key}`) === false ||
          this.pidsMoved(node, st) ||
          clock.now() - st.lastWriteMs >= heartbeatMs
        );
      });
      this.timers.push(clock.after(30_000, tick));
    };
    this.timers.push(clock.after(1_000, tick));
  }

  stop(): void {
    for (const off of this.offs) off();
    for (const t of this.timers) t.cancel();
  }

  private queue(ms: number): void {
    if (this.queued) return;
    this.queued = true;
    this.timers.push(
      this.o.clock.after(ms, () => {
        this.queued = false;
        this.evaluate();
      }),
    );
  }

  /**
   * The nodes whose peer-echo pod the EndpointSlice lists (the node Ready, so its pods are),
   * and a key that moves when they or the pod network's routing change; read once per instant.
   */
  private peers(): { ready: string[]; key: string } {
    const now = this.o.clock.now();
    if (this.peerView?.atMs === now) return this.peerView;
    const ready: string[] = [];
    for (const n of this.o.store.listObjects(nodeType) as (KubeObject & {
      status?: { conditions?: NodeCondition[] };
    })[])
      if (n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
        ready.push(n.metadata.name ?? '');
    ready.sort();
    const key = `${this.o.world.deps.cluster.podNetwork?.topologyVersion ?? ''}:${ready.join(',')}`;
    this.peerView = { atMs: now, ready, key };
    return this.peerView;
  }

  /** Runs the checks on every node, or on those `due` picks (the slow cadence). */
  evaluate(due?: (node: string, st: NodeState) => boolean): void {
    for (const node of this.o.world.kubelets.keys()) {
      const st = this.state.get(node);
      if (due && st && !due(node, st)) continue;
      this.evaluateNode(node);
    }
  }

  private evaluateNode(node: string): void {
    const { machines, clock } = this.o;
    if (!machines.host(node).up) return;
    let st = this.state.get(node);
    if (!st) {
      st = {
        conditions: new Map(),
        failingSince: new Map(),
        lastWriteMs: Number.NEGATIVE_INFINITY,
        dirty: true,
        lastFailures: 0,
      };
      this.state.set(node, st);
    }
    const now = clock.now();
    // Most wake-ups are cluster-wide churn that moves none of this node's inputs.
    const deps = this.o.world.deps;
    const kernel = this.runningKernel(node);
    if (st.kernel !== undefined && st.kernel !== kernel) {
      st.previousKernel = st.kernel;
      this.kernelChanged(node, st.kernel, kernel);
    }
    st.kernel = kernel;
    const inputs = `${JSON.stringify(deps.faultsOn(node))}|${deps.cluster.apiServerUp}|${deps.cluster.dnsServing()}|${this.o.world.kubeProxies.get(node)?.state.restoreFailures}|${kernel}|${JSON.stringify(this.o.machines.conntrack.get(node) ?? null)}|${this.peers().key}`;
    const quiet =
      st.failingSince.size === 0 &&
      st.conditions.get('IptablesRestoreFailing')?.status !== 'True' &&
      st.conditions.get('NodeIOPressure')?.status !== 'True';
    if (quiet && inputs === st.inputs && !st.dirty && now - st.lastWriteMs < heartbeatMs) return;
    st.inputs = inputs;
    let recheck = false;
    for (const f of this.findings(node, st, now)) {
      // Network problems must persist through the failure threshold before they count.
      if (f.status === 'True' && isNetwork(f.type)) {
        const since = st.failingSince.get(f.type) ?? now;
        st.failingSince.set(f.type, since);
        if (now - since < failureThresholdMs) {
          recheck = true;
          continue;
        }
      } else if (isNetwork(f.type)) st.failingSince.delete(f.type);
      const prev = st.conditions.get(f.type);
      if (prev?.status === f.status && prev.reason === f.reason && prev.message === f.message) continue;
      // The task count moves with every check: it rides on the next PATCH (§1, the 60 s rule).
      if (f.type === 'NodePIDsExhausted' && prev?.status === f.status && prev.reason === f.reason) {
        st.conditions.set(f.type, { ...prev, message: f.message });
        st.messageStale = true;
        continue;
      }
      const statusChanged = prev?.status !== f.status;
      st.conditions.set(f.type, {
        type: f.type,
        status: f.status,
        reason: f.reason,
        message: f.message,
        lastTransitionTime:
          statusChanged || !prev?.lastTransitionTime ? rfc3339(now) : prev.lastTransitionTime,
      });
      st.dirty = true;
      if (prev && (statusChanged || prev.reason !== f.reason)) this.event(node, f);
    }
    if (recheck) this.queue(failureThresholdMs / 3);
    this.write(node, st, now);
  }

  /** PATCH nodes/<n>/status with every owned condition, if there is news or a heartbeat is due. */
  private write(node: string, st: NodeState, now: number): void {
    const messageDue = st.messageStale && now - st.lastWriteMs >= messageRefreshMs;
    if (!st.dirty && !messageDue && now - st.lastWriteMs < heartbeatMs) return;
    if (!this.o.machines.host(node).reachesApi) return;
    const n = this.o.store.find(nodeType, '', node) as
      | (KubeObject & { status?: { conditions?: NodeCondition[] } })
      | undefined;
    if (!n) return;
    const stamp = rfc3339(now);
    const owned = [...st.conditions.values()].map((c) => ({ ...c, lastHeartbeatTime: stamp }));
    const types = new Set(owned.map((c) => c.type));
    const conditions = [...(n.status?.conditions ?? []).filter((c) => !types.has(c.type)), ...owned];
    this.o.store.update(nodeType, { ...n, status: { ...n.status, conditions } }, { subresource: 'status' });
    st.dirty = false;
    st.messageStale = false;
    st.lastWriteMs = now;
  }

  private event(node: string, f: Finding): void {
    if (!this.o.machines.host(node).reachesApi) return;
    const quiet = f.type === 'AutomaticUpgradeScheduled' || f.type === 'RebootRequired';
    recordEvent(this.o.store, this.o.clock, {
      involved: { kind: 'Node', name: node, uid: node, apiVersion: 'v1' },
      type: f.status === 'True' && !quiet ? 'Warning' : 'Normal',
      reason: f.reason,
      message: `Node condition ${f.type} is now: ${f.status}, reason: ${f.reason}, message: ${JSON.stringify(f.message)}`,
      source: { component: 'kubetriage-agent', host: node },
    });
  }

  /** The agent's KernelChanged (docs/node-agent-report.md §4), seen on its first look after the boot. */
  private kernelChanged(node: string, from: string, to: string): void {
    if (!this.o.machines.host(node).reachesApi) return;
    const pkg = this.o.machines.packageState(node);
    const booted = pkg.bootedMs ?? this.o.clock.now();
    const last = pkg.lastRun;
    recordEvent(this.o.store, this.o.clock, {
      involved: { kind: 'Node', name: node, uid: node, apiVersion: 'v1' },
      type: 'Normal',
      reason: 'KernelChanged',
      message: `kernel changed across a reboot; ${[
        field('from', from),
        field('to', to),
        field('booted', rfc3339(booted)),
        ...(last ? [field('installedBy', last.job.replace(/\.timer$/, '.service'))] : []),
      ].join(' ')}`,
      source: { component: 'kubetriage-agent', host: node },
    });
  }

  private findings(node: string, st: NodeState, now: number): Finding[] {
    const { world, machines, scenario } = this.o;
    const deps = world.deps;
    const vip = `${scenario.cluster.controlPlane.serviceIp}:443`;
    const endpoint = deps.cluster.apiEndpoint ?? '';
    const dnsServer = `${scenario.cluster.dns.serviceIp}:53`;
    const sinceOf = (type: string) => rfc3339(st.failingSince.get(type) ?? now);
    const out: Finding[] = [];

    const vipUnmet = deps.check(node, ['api']);
    // The connection and handshake work, and GET /livez waits on its etcd check past the
    // agent's 2 s HTTP timeout: the failure is at the HTTP stage, not routing.
    const answeredLate = vipUnmet !== undefined && vipUnmet.error === deps.cluster.apiStorageError?.();
    out.push(
      answeredLate
        ? {
            type: 'KubernetesServiceVIPUnreachable',
            status: 'True',
            reason: 'VIPHTTPTimeout',
            message: `GET /livez through the kubernetes service VIP got no response; ${[field('target', vip), field('service', 'default/kubernetes'), field('stage', 'http'), field('timeout', '2s'), field('since', sinceOf('KubernetesServiceVIPUnreachable'))].join(' ')}`,
          }
        : vipUnmet
          ? {
              type: 'KubernetesServiceVIPUnreachable',
              status: 'True',
              reason: vipUnmet.error.includes('refused') ? 'VIPConnectionRefused' : 'VIPConnectTimeout',
              message: `TCP connect to the kubernetes service VIP ${vipUnmet.error.includes('refused') ? 'was refused' : 'timed out'}; ${[field('target', vip), field('service', 'default/kubernetes'), field('stage', 'connect'), field('timeout', '3s'), field('error', vipUnmet.error), field('since', sinceOf('KubernetesServiceVIPUnreachable'))].join(' ')}`,
            }
          : {
              type: 'KubernetesServiceVIPUnreachable',
              status: 'False',
              reason: 'VIPReachable',
              message: `TCP, TLS and HTTP to the kubernetes service VIP succeed; ${field('target', vip)} ${field('service', 'default/kubernetes')}`,
            },
    );
    const host = machines.host(node);
    const endpointDown = host.networkDown || !deps.cluster.apiServerUp;
    const endpointLate = !host.networkDown && endpointDown && deps.cluster.apiStorageError?.() !== undefined;
    out.push(
      endpointLate
        ? {
            type: 'APIEndpointUnreachable',
            status: 'True',
            reason: 'EndpointHTTPTimeout',
            message: `GET /livez through the API endpoint got no response; ${[field('target', endpoint), field('reachable', 'none'), field('stage', 'http'), field('timeout', '2s'), field('since', sinceOf('APIEndpointUnreachable'))].join(' ')}`,
          }
        : endpointDown
          ? {
              type: 'APIEndpointUnreachable',
              status: 'True',
              reason: 'EndpointConnectTimeout',
              message: `TCP connect to the API endpoint timed out; ${[field('target', endpoint), field('reachable', 'none'), field('stage', 'connect'), field('timeout', '3s'), field('error', `dial tcp ${endpoint}: i/o timeout`), field('since', sinceOf('APIEndpointUnreachable'))].join(' ')}`,
            }
          : {
              type: 'APIEndpointUnreachable',
              status: 'False',
              reason: 'EndpointReachable',
              message: `TCP, TLS and HTTP to every API endpoint succeed; ${field('target', endpoint)}`,
            },
    );
    // The kubelet's /healthz answers while its process runs, whatever the API server thinks
    // of its credentials (src/agent/checks/kubelet-healthz.ts).
    const healthz = 'http://127.0.0.1:10248/healthz';
    out.push(
      world.kubelets.get(node)?.health.running === false
        ? {
            type: 'KubeletUnhealthy',
            status: 'True',
            reason: 'HealthzRefused',
            message: `nothing answers at the kubelet /healthz address; ${[field('target', healthz), field('error', 'ECONNREFUSED'), field('since', sinceOf('KubeletUnhealthy'))].join(' ')}`,
          }
        : {
            type: 'KubeletUnhealthy',
            status: 'False',
            reason: 'KubeletHealthy',
            message: `the kubelet answers /healthz ok; ${field('target', healthz)}`,
          },
    );
    const dnsName = 'kubernetes.default.svc.cluster.local';
    const dnsUnmet = deps.check(node, ['dns']);
    out.push(
      dnsUnmet?.error.includes('refused')
        ? {
            type: 'ClusterDNSUnhealthy',
            status: 'True',
            reason: 'ClusterDNSRefused',
            message: `cluster DNS refused the query; ${[field('server', dnsServer), field('name', dnsName), field('error', dnsUnmet.error), field('since', sinceOf('ClusterDNSUnhealthy'))].join(' ')}`,
          }
        : dnsUnmet
          ? {
              type: 'ClusterDNSUnhealthy',
              status: 'True',
              reason: 'ClusterDNSTimeout',
              message: `no answer from cluster DNS; ${[field('server', dnsServer), field('name', dnsName), field('timeout', '2s'), field('attempts', 2), field('since', sinceOf('ClusterDNSUnhealthy'))].join(' ')}`,
            }
          : {
              type: 'ClusterDNSUnhealthy',
              status: 'False',
              reason: 'ClusterDNSResolving',
              message: `cluster DNS resolves the kubernetes service; ${field('server', dnsServer)} ${field('name', dnsName)} ${field('answer', scenario.cluster.controlPlane.serviceIp)}`,
            },
    );
    out.push(
      host.dnsBroken
        ? {
            type: 'NodeResolverUnhealthy',
            status: 'True',
            reason: 'NodeResolverTimeout',
            message: `no answer from the node resolver; ${[field('server', '127.0.0.53:53'), field('name', probeName), field('timeout', '5s'), field('attempts', 1), field('resolvConf', '/etc/resolv.conf'), field('since', sinceOf('NodeResolverUnhealthy'))].join(' ')}`,
          }
        : {
            type: 'NodeResolverUnhealthy',
            status: 'False',
            reason: 'NodeResolverResolving',
            message: `the node resolver resolves its probe name; ${field('server', '127.0.0.53:53')} ${field('name', probeName)} ${field('resolvConf', '/etc/resolv.conf')}`,
          },
    );
    const kp = world.kubeProxies.get(node);
    if (scenario.cluster.serviceProxy.kind === 'kube-proxy' && kp) out.push(this.iptables(st, kp.state, now));
    const net = deps.cluster.podNetwork;
    const peers =
      net && peerFinding(node, net, this.peers().ready, field, sinceOf('PodNetworkPeersUnreachable'));
    if (peers) out.push(peers);
    out.push(this.conntrack(node, now));
    const io = this.ioPressure(node, st, now);
    if (io) out.push(io);
    out.push(this.pids(node, st, now));
    out.push(...this.packages(node, st));
    return out;
  }

  /**
   * The agent's conntrack check (src/agent/checks/conntrack.ts): True while packets were
   * dropped in the last 5 min, or at 90 % full; `since` is the first drop still in the window.
   */
  private conntrack(node: string, now: number): Finding {
    const reading = this.o.machines.conntrack.get(node);
    const max = reading?.max ?? this.o.scenario.cluster.cni?.conntrackMax ?? 262144;
    const drops = (reading?.drops ?? []).filter((d) => now - d.atMs < 5 * 60_000);
    if (reading && drops.length)
      return {
        type: 'ConntrackTableFull',
        status: 'True',
        reason: 'ConntrackDroppingPackets',
        message: `conntrack table is full and dropping packets; ${[
          field('count', reading.count),
          field('max', max),
          field(
            'drops',
            drops.reduce((sum, d) => sum + d.packets, 0),
          ),
          field('window', goDuration(5 * 60_000)),
          field('since', rfc3339(reading.droppingSince ?? drops[0]?.atMs ?? now)),
        ].join(' ')}`,
      };
    if (reading && reading.count >= 0.9 * max)
      return {
        type: 'ConntrackTableFull',
        status: 'True',
        reason: 'ConntrackNearlyFull',
        message: `conntrack table is above 90% full; ${field('count', reading.count)} ${field('max', max)} ${field('since', rfc3339(reading.nearlyFullSince ?? now))}`,
      };
    return {
      type: 'ConntrackTableFull',
      status: 'False',
      reason: 'ConntrackHasRoom',
      message: `conntrack table has room; ${field('max', max)}`,
    };
  }

  /**
   * The agent's I/O check (src/agent/checks/io-pressure.ts): PSI io while the machine's disk
   * is saturated (a stalled task share the model does not vary; `full` avg60 decays below the
   * 10 % line about 2 min after the saturation ends, as an exponential 60 s average of 60 %
   * does), and the hung-task lines the kernel wrote to the machine's log in the last 10 min.
   * PSI exists from Linux 4.20 (kernel/sched/psi.c): on an older kernel only the hung-task
   * lines speak, and with none the check does not run (no condition written).
   */
  private ioPressure(node: string, st: NodeState, now: number): Finding | undefined {
    const { machines } = this.o;
    const psiAvailable = kernelAtLeast(this.runningKernel(node), 4, 20);
    if (machines.ioSaturated(node)) st.ioSaturatedMs = now;
    const stalled = psiAvailable && st.ioSaturatedMs !== undefined && now - st.ioSaturatedMs < ioDecayMs;
    const tasks = [
      ...new Set(
        machines.kernelLog
          .lines(node, now - 10 * 60_000)
          .map((l) => hungTask.exec(l.text)?.[1])
          .filter((t): t is string => t !== undefined),
      ),
    ];
    const psi = !psiAvailable
      ? []
      : stalled
        ? [field('fullAvg60', 61.84), field('someAvg60', 93.27)]
        : [field('fullAvg60', 0.02), field('someAvg60', 0.31)];
    if (!psiAvailable && !tasks.length) {
      st.ioSince = undefined;
      return undefined;
    }
    if (!stalled && !tasks.length) {
      st.ioSince = undefined;
      return {
        type: 'NodeIOPressure',
        status: 'False',
        reason: 'IOFlowing',
        message: `tasks are not stalled on I/O; ${[...psi, field('blockedTasks', 0)].join(' ')}`,
      };
    }
    st.ioSince ??= now;
    const fields = [
      ...psi,
      field('blockedTasks', tasks.length),
      ...(tasks.length ? [field('tasks', tasks.slice(0, 8).join(','))] : []),
      field('since', rfc3339(st.ioSince)),
    ];
    return stalled
      ? {
          type: 'NodeIOPressure',
          status: 'True',
          reason: 'IOStalled',
          message: `every runnable task on the node is stalled on I/O much of the time; ${fields.join(' ')}`,
        }
      : {
          type: 'NodeIOPressure',
          status: 'True',
          reason: 'TasksBlockedOnIO',
          message: `the kernel reports tasks blocked in uninterruptible sleep; ${[...fields, field('window', '10m0s')].join(' ')}`,
        };
  }

  /** Tasks in use and the limits, from the kubelet's PID model (node-storage.ts) and the node's memory. */
  private pidReading(node: string): { inUse: number; pidMax: number; threadsMax: number; used: number } {
    const storage = this.o.world.kubelets.get(node)?.storage;
    const pidMax = storage?.pidMax ?? defaultPidMax;
    const memory = () =>
      (
        this.o.store.find(nodeType, '', node) as
          | (KubeObject & { status?: { capacity?: { memory?: string } } })
          | undefined
      )?.status?.capacity?.memory;
    const threadsMax = storage?.threadsMax ?? defaultThreadsMax(nodeMemory(memory()).capacityBytes);
    // The kernel hands out no task past the smaller limit.
    const inUse = Math.min(storage?.pidsInUse() ?? nodeSystemPids, pidMax, threadsMax);
    return { inUse, pidMax, threadsMax, used: inUse / Math.min(pidMax, threadsMax) };
  }

  /** Whether the PID check would change status now (the slow cadence re-checks only then). */
  private pidsMoved(node: string, st: NodeState): boolean {
    const storage = this.o.world.kubelets.get(node)?.storage;
    const prev = st.conditions.get('NodePIDsExhausted');
    if (!prev || !storage) return false;
    if (!storage.growing() && prev.status === 'False') return false;
    const { used } = this.pidReading(node);
    // While True, the count is what an operator watches: refresh it on the 60 s rule.
    const refresh =
      prev.status === 'True' && this.o.clock.now() - st.lastWriteMs >= messageRefreshMs && storage.growing();
    const moved = refresh || (prev.status === 'True' ? used < 0.85 : used >= 0.9);
    // Nothing else the checks depend on moved: forget the inputs so evaluateNode looks again.
    if (moved) st.inputs = undefined;
    return moved;
  }

  /**
   * The agent's PID check (src/agent/checks/pids.ts): True at 90 % of the smaller of pid_max
   * and threads-max, False again below 85 %.
   */
  private pids(node: string, st: NodeState, now: number): Finding {
    const { inUse, pidMax, threadsMax, used } = this.pidReading(node);
    const prev = st.conditions.get('NodePIDsExhausted');
    const fields = [
      field('inUse', inUse),
      field('pidMax', pidMax),
      field('threadsMax', threadsMax),
      field('percent', Math.floor(used * 100)),
    ].join(' ');
    const wasTrue = prev?.status === 'True';
    if (used >= 0.9 || (wasTrue && used >= 0.85))
      return {
        type: 'NodePIDsExhausted',
        status: 'True',
        reason: 'PIDsNearlyExhausted',
        message: `the node is close to running out of process IDs; ${fields} ${field('since', wasTrue && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now))}`,
      };
    return {
      type: 'NodePIDsExhausted',
      status: 'False',
      reason: 'PIDsAvailable',
      message: `the node has process IDs to spare; ${fields}`,
    };
  }

  private iptables(st: NodeState, kp: { restoreFailures: number; lastSyncMs: number }, now: number): Finding {
    if (kp.restoreFailures !== st.lastFailures) {
      // A counter that dropped means kube-proxy restarted; the new value is the increase.
      st.lastFailureMs = now;
      st.firstFailureMs ??= now;
      st.lastFailures = kp.restoreFailures;
    }
    const failing =
      st.lastFailureMs !== undefined &&
      (now - st.lastFailureMs < iptablesQuietMs || kp.lastSyncMs <= st.lastFailureMs);
    if (!failing) {
      st.firstFailureMs = undefined;
      return {
        type: 'IptablesRestoreFailing',
        status: 'False',
        reason: 'IptablesRestoreSucceeding',
        message: `no kube-proxy iptables-restore failures in the last 10m0s; ${field('failuresTotal', kp.restoreFailures)}`,
      };
    }
    return {
      type: 'IptablesRestoreFailing',
      status: 'True',
      reason: 'IptablesRestoreFailed',
      message: `kube-proxy iptables-restore is failing; ${[field('window', '10m0s'), field('first', rfc3339(st.firstFailureMs ?? now)), field('last', rfc3339(st.lastFailureMs ?? now)), field('lastSuccessfulSync', rfc3339(kp.lastSyncMs)), field('failuresTotal', kp.restoreFailures)].join(' ')}`,
    };
  }

  private packages(node: string, st: NodeState): Finding[] {
    const { machines } = this.o;
    const timers = (machines.timers.get(node) ?? []).filter((t) => t.upgrades);
    const pkg = machines.packageState(node);
    const out: Finding[] = [];
    out.push(
      timers.length
        ? {
            type: 'AutomaticUpgradeScheduled',
            status: 'True',
            reason: 'UpgradeTimerEnabled',
            message: `${timers.length} enabled systemd timer(s) run unattended package upgrades; ${timers
              .map((t) =>
                [
                  field('timer', t.name),
                  field('unit', t.name.replace(/\.timer$/, '.service')),
                  field('onCalendar', t.onCalendar),
                  field('randomizedDelay', goDuration(parseDuration(t.randomizedDelay ?? '') ?? 0)),
                ].join(' '),
              )
              .join(' | ')}`,
          }
        : {
            type: 'AutomaticUpgradeScheduled',
            status: 'False',
            reason: 'NoUpgradeTimerEnabled',
            message: `no enabled systemd timer runs unattended package upgrades; ${field('disabled', [...(machines.disabledTimers.get(node) ?? [])].sort().join(',') || 'none')}`,
          },
    );
    const last = pkg.lastRun;
    out.push(
      pkg.running
        ? {
            type: 'PackageUpgradeInProgress',
            status: 'True',
            reason: 'UnattendedUpgradeRunning',
            message: `a package upgrade started by a systemd timer is running; ${[
              field('unit', pkg.running.job.replace(/\.timer$/, '.service')),
              field('timer', pkg.running.job),
              field('started', rfc3339(pkg.running.sinceMs)),
              field('scheduled', rfc3339(pkg.running.scheduledMs)),
              field('delay', goDuration(pkg.running.sinceMs - pkg.running.scheduledMs)),
              field('packages', pkg.running.packages.length),
              field('notable', notable(pkg.running.packages)),
            ].join(' ')}`,
          }
        : {
            type: 'PackageUpgradeInProgress',
            status: 'False',
            reason: 'NoUpgradeRunning',
            message: `no package upgrade is running; ${
              last
                ? [
                    field('lastRun', rfc3339(last.startedMs)),
                    field('lastUnit', last.job.replace(/\.timer$/, '.service')),
                    field('lastResult', last.result),
                    field('lastDuration', goDuration(last.endedMs - last.startedMs)),
                    // docs/node-agent-report.md §NoUpgradeRunning: what the last run upgraded.
                    field('lastPackages', last.packages?.length ?? 0),
                    ...(notable(last.packages ?? [])
                      ? [field('lastNotable', notable(last.packages ?? []))]
                      : []),
                  ].join(' ')
                : 'lastRun=none'
            }`,
          },
    );
    if (last?.result === 'timeout') {
      out.push({
        type: 'PackageUpgradeFailed',
        status: 'True',
        reason: 'UpgradeTimedOut',
        message: `the last package upgrade was stopped by systemd after its timeout; ${[
          field('unit', last.job.replace(/\.timer$/, '.service')),
          field('started', rfc3339(last.startedMs)),
          field('stopped', rfc3339(last.endedMs)),
          field('duration', goDuration(last.endedMs - last.startedMs)),
          field('result', 'timeout'),
          field('halfInstalled', pkg.halfInstalled.length),
          field('packages', packageList(pkg.halfInstalled)),
        ].join(' ')}`,
      });
    } else if (pkg.halfInstalled.length) {
      out.push({
        type: 'PackageUpgradeFailed',
        status: 'True',
        reason: 'PackagesHalfInstalled',
        message: `packages are left half-installed; ${field('halfInstalled', pkg.halfInstalled.length)} ${field('packages', packageList(pkg.halfInstalled))}`,
      });
    } else {
      out.push({
        type: 'PackageUpgradeFailed',
        status: 'False',
        reason: 'PackageStateConsistent',
        message: `the last package upgrade completed and no package is half-installed; ${last ? `${field('lastRun', rfc3339(last.startedMs))} lastResult=success` : 'lastRun=none'}`,
      });
    }
    const running = this.runningKernel(node);
    out.push(
      pkg.pendingKernel
        ? {
            type: 'RebootRequired',
            status: 'True',
            reason: 'NewerKernelInstalled',
            message: `a newer kernel is installed than the one running; ${field('running', running)} ${field('installed', pkg.pendingKernel)} ${field('installedBy', (last?.job ?? 'unknown').replace(/\.timer$/, '.service'))}`,
          }
        : {
            type: 'RebootRequired',
            status: 'False',
            reason: 'RunningNewestKernel',
            message: `the running kernel is the newest installed; ${field('running', running)}${st.previousKernel ? ` ${field('previousKernel', st.previousKernel)}` : ''}`,
          },
    );
    return out;
  }

  private runningKernel(node: string): string {
    const n = this.o.store.find(nodeType, '', node) as
      | { status?: { nodeInfo?: { kernelVersion?: string } } }
      | undefined;
    return n?.status?.nodeInfo?.kernelVersion ?? 'unknown';
  }
}

function isNetwork(type: string): boolean {
  return (
    type === 'KubernetesServiceVIPUnreachable' ||
    type === 'APIEndpointUnreachable' ||
    type === 'KubeletUnhealthy' ||
    type === 'ClusterDNSUnhealthy' ||
    type === 'NodeResolverUnhealthy' ||
    type === 'PodNetworkPeersUnreachable'
  );
}

/** `name@version`, at most 8 then `+N` (doc §1). */
function packageList(packages: readonly string[]): string {
  const named = packages.map((p) => p.replace('=', '@'));
  return named.slice(0, 8).join(',') + (named.length > 8 ? `,+${named.length - 8}` : '');
}

/** The packages that change a node under its pods (doc §2). */
function notable(packages: readonly string[]): string {
  const keep = packages.filter((p) =>
    /^(linux-image|kernel|systemd|udev|libc6|glibc|containerd|runc|cri-o|docker-ce|kubelet|kubeadm|iptables|nftables)/.test(
      p,
    ),
  );
  return packageList(keep);
}

/** Whether a kernel release (`4.4.52+`, `6.1.0-13-amd64`) is at least major.minor. */
function kernelAtLeast(release: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return true;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}
