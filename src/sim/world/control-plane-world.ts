/**
 * The control plane inside a running scenario: the kubeadm static pods on its
 * control-plane nodes (run by those nodes' kubelets like any pod), their health endpoints,
 * what their programs do when the control-plane state turns against them, and the faults
 * that set that state. Nothing here writes a symptom directly:
 *
 * - etcd that crashes exits on every start (its container crash-loops, restarts counted by
 *   the kubelet); a member that hangs stays Running but answers nothing.
 * - kube-apiserver that crashes does the same; a replica cut off from etcd keeps running,
 *   logs its etcd client's dial errors, and fails `/livez` and `/readyz` on `etcd`.
 * - The kube-controller-manager and kube-scheduler that lead lose their lease when their
 *   apiserver cannot write it for the renew deadline (10 s), log it and exit; the one that
 *   restarts waits to acquire again (client-go `tools/leaderelection`).
 * - With no replica able to serve, in-cluster clients (pods through the VIP, kubelets) see
 *   the API as gone, through the same switches an unreachable API server uses.
 */
import { type Clock, rfc3339, type Timer } from '../../time/clock.ts';
import { admitCreate } from '../api/admission.ts';
import { type NodeProxyRegistry, podEndpointKey } from '../api/node-proxy.ts';
import type { PodLogBook } from '../api/pod-log-book.ts';
import { healthChecks } from '../api/readyz.ts';
import { resourceForKind } from '../api/resources.ts';
import type { OwnFailure } from '../behaviour/container-runtime.ts';
import { klogHeader } from '../behaviour/kube-proxy.ts';
import type { ControlPlane, ControlPlaneMember } from '../cluster/control-plane.ts';
import {
  type ControlPlaneComponent,
  controlPlaneComponents,
  etcdProbesFailOnNoSpace,
  staticPod,
} from '../cluster/kubeadm-manifests.ts';
import type { ControlPlaneOwnFault } from '../scenario/control-plane-faults.ts';
import { parseDuration } from '../scenario/time-spec.ts';
import type { ObjectStore } from '../store/object-store.ts';

const podType = resourceForKind('Pod')!;
const nodeType = resourceForKind('Node')!;

/** client-go leader election defaults kube-controller-manager and kube-scheduler use. */
const renewDeadlineMs = 10_000;
/** How long a kube-apiserver replica takes to stop, start and report healthy in an upgrade. */
const restartMs = 60_000;

export interface ControlPlaneWorldParts {
  cp: ControlPlane;
  store: ObjectStore;
  clock: Clock;
  logs: PodLogBook;
  nodeProxy: NodeProxyRegistry;
  kubernetesVersion: string;
  etcdVersion: string;
  serviceCidr: string;
  /** Create the static pods (a scenario's kubelets run them); the static cluster seeds its own. */
  createPods: boolean;
  /** Makes a container fail for its own reasons (ScenarioWorld.setOwnFailure); unset without kubelets. */
  setOwnFailure?: (
    workload: string,
    container: string,
    f: ((pod: string) => OwnFailure | undefined) | undefined,
  ) => void;
  /**
   * What in-cluster clients can do now: read (pods' informers through the VIP) and write
   * (kubelets' leases and status); unset without a scenario's behaviour model.
   */
  setInCluster?: (can: { read: boolean; write: boolean }) => void;
  /** Lets every container re-check what it depends on (ScenarioWorld deps.changed). */
  recheck?: () => void;
}

interface Leadership {
  leader?: string;
  /** Members that lost the lease and exit at their next check. */
  exiting: Set<string>;
  timer?: Timer;
}

export class ControlPlaneWorld {
  private readonly p: ControlPlaneWorldParts;
  private readonly leaders = new Map<ControlPlaneComponent, Leadership>();
  private readonly crashLogs = new Map<string, string>();
  private readonly offs: (() => void)[] = [];
  private could = { read: true, write: true };
  private etcdTrouble = new Map<string, string>();
  private logTimer: Timer | undefined;
  private stopped = false;
  /** Since when the NOSPACE alarm is raised; unset while it is not. */
  private noSpaceSinceMs: number | undefined;

  constructor(p: ControlPlaneWorldParts) {
    this.p = p;
    for (const c of ['kube-controller-manager', 'kube-scheduler'] as const)
      this.leaders.set(c, { exiting: new Set() });
    const onNode = p.cp.members.filter((m) => m.onNode);
    for (const m of onNode) this.registerEndpoints(m);
    if (p.createPods) for (const m of onNode) this.createPods(m);
    if (p.setOwnFailure) {
      // Static pods carry no app label, so their workload key is the namespace alone.
      for (const c of controlPlaneComponents)
        p.setOwnFailure('kube-system/', c, (pod) => this.ownFailure(c, pod.slice(c.length + 1)));
    }
    this.offs.push(p.cp.onChange(() => this.react()));
    this.react();
  }

  stop(): void {
    this.stopped = true;
    for (const off of this.offs) off();
    for (const l of this.leaders.values()) l.timer?.cancel();
    this.logTimer?.cancel();
  }

  /**
   * A control-plane upgrade restarts the kube-apiserver replicas one at a time. A starting
   * kube-apiserver runs its ca-registration post-start hook, which updates the ConfigMap
   * kube-system/extension-apiserver-authentication (admission webhooks included) and gives
   * up after 30 s (pkg/controlplane/client_ca_hook.go); a failed post-start hook is fatal,
   * so the replica exits, is restarted and tries again, and the upgrade waits on it.
   * `hookRefused` says why the hook's write fails now, if it does.
   */
  async rollApiservers(hookRefused: () => string | undefined): Promise<void> {
    const { cp, clock } = this.p;
    const source = 'control-plane-upgrade';
    for (const m of cp.members) {
      // A restart that goes well is not modelled as downtime (load balancers drain it).
      await clock.sleep(restartMs);
      if (this.stopped) return;
      let why = hookRefused();
      if (!why) continue;
      cp.setApiserverDown(m.name, source, true);
      while (why && !this.stopped) {
        this.crashLogs.set(
          `kube-apiserver/${m.name}`,
          `PostStartHook "ca-registration" failed: unable to initialize client CA configmap: ${why}`,
        );
        await clock.sleep(restartMs);
        why = hookRefused();
      }
      this.crashLogs.delete(`kube-apiserver/${m.name}`);
      cp.setApiserverDown(m.name, source, false);
    }
  }

  /** Applies a control-plane fault; returns what heals it. */
  inject(fault: ControlPlaneOwnFault, source: string): () => void {
    const { cp } = this.p;
    const members = this.membersOf(fault);
    switch (fault.type) {
      case 'etcd-member-down':
        for (const m of members) {
          if (fault.mode === 'crash')
            this.crashLogs.set(`etcd/${m.name}`, fault.log ?? etcdCrashLine(this.p.clock.now()));
          cp.setEtcdDown(m.name, source, true);
        }
        return () => {
          for (const m of members) {
            this.crashLogs.delete(`etcd/${m.name}`);
            cp.setEtcdDown(m.name, source, false);
          }
        };
      case 'apiserver-crash':
        for (const m of members) {
          this.crashLogs.set(
            `kube-apiserver/${m.name}`,
            fault.log ?? 'open /etc/kubernetes/pki/apiserver.crt: no such file or directory',
          );
          cp.setApiserverDown(m.name, source, true);
        }
        return () => {
          for (const m of members) {
            this.crashLogs.delete(`kube-apiserver/${m.name}`);
            cp.setApiserverDown(m.name, source, false);
          }
        };
      case 'etcd-slow-disk': {
        const ms = parseDuration(fault.latency) ?? 0;
        cp.setEtcdLatency(source, ms);
        this.etcdLog(members, (at) => etcdSlowLines(at, ms));
        return () => cp.setEtcdLatency(source, 0);
      }
      case 'etcd-database-full':
        cp.setNoSpace(source, true);
        this.etcdLog(members, (at) => [
          etcdJson(at, 'warn', 'etcdserver/server.go:1152', 'alarm raised', {
            alarm: 'NOSPACE',
            'quota-size-bytes': fault.quotaBytes,
          }),
        ]);
        return () => cp.setNoSpace(source, false);
    }
  }

  private membersOf(fault: ControlPlaneOwnFault): ControlPlaneMember[] {
    const all = this.p.cp.members;
    const sel = fault.members;
    if (sel?.names) return all.filter((m) => sel.names!.includes(m.name));
    return sel?.count ? all.slice(0, sel.count) : all;
  }

  /** The control-plane state moved: programs that depend on it react. */
  private react(): void {
    const { cp } = this.p;
    if (!cp.noSpace()) this.noSpaceSinceMs = undefined;
    else this.noSpaceSinceMs ??= this.p.clock.now();
    const can = { read: !cp.unusable(), write: cp.writable() };
    if (can.read !== this.could.read || can.write !== this.could.write) {
      this.could = can;
      this.p.setInCluster?.(can);
    }
    this.logEtcdTrouble();
    for (const [component, l] of this.leaders) this.elect(component, l);
    this.p.recheck?.();
  }

  /** A member keeps a lease only while its own apiserver can write to etcd. */
  private canRenew(m: ControlPlaneMember): boolean {
    const r = this.p.cp.replica(m);
    return r.serving && r.etcd === undefined;
  }

  private elect(component: ControlPlaneComponent, l: Leadership): void {
    const { cp, clock } = this.p;
    const onNode = cp.members.filter((m) => m.onNode);
    if (onNode.length === 0 || !this.p.setOwnFailure) return;
    const leader = l.leader ? cp.member(l.leader) : undefined;
    if (leader && !this.canRenew(leader)) {
      if (!l.timer)
        l.timer = clock.after(renewDeadlineMs, () => {
          l.timer = undefined;
          if (!l.leader || this.canRenew(cp.member(l.leader)!)) return;
          this.leaseLost(component, l.leader, l);
        });
      return;
    }
    l.timer?.cancel();
    l.timer = undefined;
    if (!leader) {
      const next = onNode.find((m) => this.canRenew(m) && !l.exiting.has(m.name));
      if (next) l.leader = next.name;
    }
  }

  private leaseLost(component: ControlPlaneComponent, member: string, l: Leadership): void {
    l.leader = undefined;
    const m = this.p.cp.member(member);
    // A process that died with its machine notices nothing; a live one gives up and exits.
    if (!m || !this.p.cp.hostAlive(m)) return;
    const at = this.p.clock.now();
    const lease = `kube-system/${component}`;
    const url = `https://${m.ip}:6443/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${component}?timeout=5s`;
    for (const line of [
      `${klogHeader('E', at - 5_000, 'leaderelection.go:429')} Failed to update lock optimistically: Put "${url}": context deadline exceeded, falling back to slow path`,
      `${klogHeader('E', at, 'leaderelection.go:436')} error retrieving resource lock ${lease}: Get "${url}": context deadline exceeded`,
      `${klogHeader('I', at, 'leaderelection.go:297')} failed to renew lease ${lease}: timed out waiting for the condition`,
    ])
      this.p.logs.append('kube-system', `${component}-${member}`, component, line, at);
    l.exiting.add(member);
    // The container exits when the kubelet's runtime next asks (now).
    this.p.recheck?.();
  }

  /** What the component's program on `member` does on this start: exit, or run. */
  private ownFailure(component: ControlPlaneComponent, member: string): OwnFailure | undefined {
    const crash = this.crashLogs.get(`${component}/${member}`);
    const at = this.p.clock.now();
    if (crash && component === 'etcd') return { exitCode: 1, reason: 'Error', log: crash, runsForMs: 1_000 };
    if (crash && component === 'kube-apiserver')
      return {
        exitCode: 1,
        reason: 'Error',
        log: `${klogHeader('E', at + 3_000, 'run.go:72')} "command failed" err="${crash.replaceAll('"', '\\"')}"`,
        runsForMs: 3_000,
      };
    if (
      component === 'etcd' &&
      this.noSpaceSinceMs !== undefined &&
      etcdProbesFailOnNoSpace(this.p.kubernetesVersion)
    )
      return this.noSpaceProbeKill(this.noSpaceSinceMs, at);
    const l = this.leaders.get(component);
    if (l?.exiting.delete(member)) {
      // kube-scheduler server.go and kube-controller-manager controllermanager.go OnStoppedLeading.
      const log =
        component === 'kube-scheduler'
          ? `${klogHeader('E', at, 'server.go:264')} "Leaderelection lost"`
          : `${klogHeader('E', at, 'controllermanager.go:340')} "leaderelection lost"`;
      return { exitCode: 1, reason: 'Error', log, runsForMs: 0 };
    }
    return undefined;
  }

  /**
   * Under the NOSPACE alarm a kubeadm etcd before 1.25 keeps serving reads, but its probes ask
   * plain `/health`, which answers 503 while an alarm is raised: the kubelet kills it (liveness:
   * 8 failures 10 s apart; after a restart the startup probe: 10 s delay, 24 failures 10 s
   * apart), and the alarm, kept in the database, is still there when it starts again. etcd
   * runs as PID 1 in its container, so on SIGTERM it logs and exits 0 (pkg/osutil
   * HandleInterrupts), and the container ends `Completed`.
   */
  private noSpaceProbeKill(sinceMs: number, at: number): OwnFailure {
    return {
      exitCode: 0,
      reason: 'Completed',
      log: etcdJson(at, 'info', 'osutil/interrupt_unix.go:64', 'received signal; shutting down', {
        signal: 'terminated',
      }),
      runsForMs: 0,
      probeKill: {
        failingSinceMs: sinceMs,
        output: 'HTTP probe failed with statuscode: 503',
        liveness: { periodMs: 10_000, failureThreshold: 8 },
        startup: { initialDelayMs: 10_000, periodMs: 10_000, failureThreshold: 24 },
      },
    };
  }

  private createPods(m: ControlPlaneMember): void {
    const { store, clock } = this.p;
    const node = store.find(nodeType, '', m.name);
    for (const c of controlPlaneComponents) {
      const pod = staticPod(c, {
        node: m.name,
        nodeUid: node?.metadata.uid,
        ip: m.ip,
        kubernetesVersion: this.p.kubernetesVersion,
        etcdVersion: this.p.etcdVersion,
        members: this.p.cp.members.filter((x) => x.onNode).map((x) => ({ name: x.name, ip: x.ip })),
        serviceCidr: this.p.serviceCidr,
        seenAt: rfc3339(clock.now()),
      });
      if (store.find(podType, 'kube-system', pod.metadata.name!)) continue;
      admitCreate(podType, pod);
      store.create(podType, pod, { createdAtMs: clock.now() });
    }
  }

  /** Each static pod's own endpoints, as probes and `pods/<pod>:<port>/proxy` reach them. */
  private registerEndpoints(m: ControlPlaneMember): void {
    const { nodeProxy, cp } = this.p;
    const text = (status: number, body: string) => ({
      status,
      contentType: 'text/plain; charset=utf-8',
      body,
    });
    nodeProxy.register(podEndpointKey('kube-system', `kube-apiserver-${m.name}`), 6443, (req) => {
      const endpoint = req.path.replace(/^\//, '').split('/')[0];
      if (endpoint !== 'livez' && endpoint !== 'readyz' && endpoint !== 'healthz')
        return text(404, '404 page not found\n');
      const failed = healthChecks(endpoint, cp.replica(m)).filter((c) => c.error);
      if (failed.length === 0) return text(200, 'ok');
      const lines = healthChecks(endpoint, cp.replica(m)).map((c) =>
        c.error ? `[-]${c.name} failed: reason withheld` : `[+]${c.name} ok`,
      );
      return text(500, `${lines.join('\n')}\n${endpoint} check failed\n`);
    });
    nodeProxy.register(podEndpointKey('kube-system', `etcd-${m.name}`), 2381, (req) => {
      const up = cp.etcdMemberUp(m);
      const leader = cp.quorum();
      if (req.path.startsWith('/metrics'))
        return { status: 200, contentType: 'text/plain; version=0.0.4', body: etcdMetrics(cp, leader) };
      if (!up) return text(503, '');
      if (req.path.startsWith('/livez'))
        return text(200, req.query.has('verbose') ? '[+]serializable_read ok\nok\n' : 'ok\n');
      if (req.path.startsWith('/readyz') || req.path.startsWith('/health')) {
        const checks = [
          ['data_corruption', true],
          ['serializable_read', true],
          ['linearizable_read', leader],
          ['non_learner', true],
        ] as const;
        const ok = checks.every(([, v]) => v);
        if (req.path.startsWith('/health'))
          return {
            status: ok ? 200 : 503,
            contentType: 'text/plain; charset=utf-8',
            body: JSON.stringify({ health: String(ok), reason: ok ? '' : 'RAFT NO LEADER' }),
          };
        const body = checks
          .map(([n, v]) => (v ? `[+]${n} ok` : `[-]${n} failed: etcdserver: leader changed`))
          .join('\n');
        return text(
          ok ? 200 : 503,
          req.query.has('verbose') || !ok ? `${body}\n${ok ? 'ok' : 'readyz check failed'}\n` : 'ok\n',
        );
      }
      return text(404, '404 page not found\n');
    });
    for (const [component, port] of [
      ['kube-controller-manager', 10257],
      ['kube-scheduler', 10259],
    ] as const) {
      nodeProxy.register(podEndpointKey('kube-system', `${component}-${m.name}`), port, () =>
        text(200, 'ok'),
      );
    }
  }

  /** Appends the apiserver's etcd client errors once a minute while a replica is cut off. */
  private logEtcdTrouble(): void {
    const { cp, clock } = this.p;
    const now = new Map<string, string>();
    for (const m of cp.members) {
      const r = cp.replica(m);
      if (m.onNode && r.serving && r.etcd) now.set(m.name, r.etcd);
    }
    this.etcdTrouble = now;
    if (now.size === 0) {
      this.logTimer?.cancel();
      this.logTimer = undefined;
      return;
    }
    if (this.logTimer) return;
    const tick = (): void => {
      const at = clock.now();
      for (const [member, why] of this.etcdTrouble)
        this.p.logs.append(
          'kube-system',
          `kube-apiserver-${member}`,
          'kube-apiserver',
          apiserverEtcdLine(why, at),
          at,
        );
      this.logTimer = this.etcdTrouble.size ? clock.after(60_000, tick) : undefined;
    };
    tick();
  }

  private etcdLog(members: ControlPlaneMember[], lines: (atMs: number) => string[]): void {
    const at = this.p.clock.now();
    for (const m of members.filter((x) => x.onNode))
      for (const line of lines(at)) this.p.logs.append('kube-system', `etcd-${m.name}`, 'etcd', line, at);
  }
}

/** etcd 3.5 logs zap JSON: level, ts, caller, msg, then fields. */
function etcdJson(
  atMs: number,
  level: string,
  caller: string,
  msg: string,
  fields: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    level,
    ts: new Date(atMs).toISOString().replace('Z', '000Z'),
    caller,
    msg,
    ...fields,
  });
}

function etcdCrashLine(atMs: number): string {
  return etcdJson(atMs, 'fatal', 'etcdmain/etcd.go:204', 'discovery failed', {
    error: 'wal: crc mismatch',
    stacktrace:
      'go.etcd.io/etcd/server/v3/etcdmain.startEtcdOrProxyV2\n\tgo.etcd.io/etcd/server/v3/etcdmain/etcd.go:204',
  });
}

function etcdSlowLines(atMs: number, ms: number): string[] {
  const took = `${(ms / 1000).toFixed(3)}s`;
  return [
    etcdJson(atMs, 'warn', 'wal/wal.go:805', 'slow fdatasync', { took, 'expected-duration': '1s' }),
    etcdJson(atMs, 'warn', 'etcdserver/util.go:170', 'apply request took too long', {
      took,
      'expected-duration': '100ms',
      prefix: 'read-only range ',
      request:
        'key:"/registry/leases/kube-node-lease/" range_end:"/registry/leases/kube-node-lease0" count_only:true ',
      response: 'range_response_count:0 size:7',
    }),
  ];
}

/** What kube-apiserver logs when its etcd client cannot get through (grpc and status.go). */
function apiserverEtcdLine(why: string, atMs: number): string {
  if (why === 'member-down')
    return `${klogHeader('W', atMs, 'logging.go:55')} [core] [Channel #5 SubChannel #6]grpc: addrConn.createTransport failed to connect to {Addr: "127.0.0.1:2379", ServerName: "127.0.0.1:2379", }. Err: connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:2379: connect: connection refused"`;
  return `${klogHeader('E', atMs, 'status.go:71')} "Unhandled Error" err="apiserver received an error that is not an metav1.Status: rpctypes.EtcdError{code:0xe, desc:\\"etcdserver: request timed out\\"}: etcdserver: request timed out" logger="UnhandledError"`;
}

/** A few of etcd's own metrics (`/metrics` on 2381), from the state the simulator knows. */
function etcdMetrics(cp: ControlPlane, hasLeader: boolean): string {
  const latency = cp.etcdLatencyMs() / 1000;
  const buckets = [
    0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192,
  ];
  const fsync = latency > 0 ? latency : 0.003;
  return [
    '# HELP etcd_server_has_leader Whether or not a leader exists. 1 is existence, 0 is not.',
    '# TYPE etcd_server_has_leader gauge',
    `etcd_server_has_leader ${hasLeader ? 1 : 0}`,
    '# HELP etcd_server_quota_backend_bytes Current backend storage quota size in bytes.',
    '# TYPE etcd_server_quota_backend_bytes gauge',
    'etcd_server_quota_backend_bytes 2.147483648e+09',
    '# HELP etcd_mvcc_db_total_size_in_bytes Total size of the underlying database physically allocated in bytes.',
    '# TYPE etcd_mvcc_db_total_size_in_bytes gauge',
    `etcd_mvcc_db_total_size_in_bytes ${cp.noSpace() ? '2.147549184e+09' : '4.4285952e+07'}`,
    '# HELP etcd_disk_wal_fsync_duration_seconds The latency distributions of fsync called by WAL.',
    '# TYPE etcd_disk_wal_fsync_duration_seconds histogram',
    ...buckets.map((b) => `etcd_disk_wal_fsync_duration_seconds_bucket{le="${b}"} ${fsync <= b ? 1000 : 0}`),
    'etcd_disk_wal_fsync_duration_seconds_bucket{le="+Inf"} 1000',
    `etcd_disk_wal_fsync_duration_seconds_sum ${fsync * 1000}`,
    'etcd_disk_wal_fsync_duration_seconds_count 1000',
    '',
  ].join('\n');
}
