/**
 * Containers on one node: they start, run while their needs are met, and when a need is
 * unmet they log the error they hit, give up and exit with code 1. The kubelet restarts
 * them with the real back-off (10 s doubling to 300 s, reset after 10 minutes of clean
 * running; kubernetes.md §4), reporting CrashLoopBackOff, restartCount and
 * lastState.terminated, the BackOff event, and keeping the previous instance's log for
 * `kubectl logs -p`. Status is always derived from this runtime state, so a kubelet that
 * was cut off catches up with one write when it is back.
 */
import { type Clock, rfc3339, type Timer } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import type { PodLogBook } from '../api/pod-log-book.ts';
import { resourceForKind } from '../api/resources.ts';
import { hexId } from '../cluster/objects.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { containerCpuCores } from './cpu.ts';
import type { Dependencies, Need } from './dependencies.ts';
import { recordEvent } from './events.ts';
import { failureLines, type LogStyle } from './failure-logs.ts';
import { type ContainerMemory, limitReachedAt, workingSet } from './memory.ts';

const podType = resourceForKind('Pod')!;

export const initialBackoffMs = 10_000;
export const maxBackoffMs = 300_000;
/** Running cleanly this long resets the back-off (the kubelet's backoff GC window). */
export const backoffResetMs = 10 * 60_000;

/** What a program does when a need is unmet: exit (crash loop), report unready, or serve errors. */
export type NeedFailurePolicy = 'exit' | 'unready' | 'degrade';

export interface ContainerNeeds {
  needs: readonly Need[];
  onFailure?: NeedFailurePolicy;
  /** How long it keeps retrying before it acts; default the need's own. */
  giveUpAfterMs?: number;
  /** The program's own bug, asked each time it runs: it exits this way whatever its needs. */
  ownFailure?: () => OwnFailure | undefined;
  /** How it logs an unmet need (CoreDNS, a client-go program, or a plain error line). */
  logStyle?: LogStyle;
  /** Its exec liveness probe, when the scenario says how long the command runs in it. */
  execLiveness?: ExecLivenessProbe;
}

/**
 * An exec liveness probe and how long its command takes to answer in this container (a
 * CPU-throttled or busy container answers slowly). Until v1.20 the kubelet ignored
 * `timeoutSeconds` for exec probes and waited for the answer; from v1.20 (KEP-1972,
 * kubernetes/kubernetes#94115, feature gate ExecProbeTimeout on by default) a command still
 * running at the timeout (default 1 s) is a failed probe, and `failureThreshold` failures
 * in a row kill the container (pkg/probe/exec/exec.go, pkg/kubelet/prober/worker.go).
 */
export interface ExecLivenessProbe {
  command: readonly string[];
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  failureThreshold: number;
  runsForMs: number;
}

/** Whether a kubelet of this version fails exec probes at their timeout (v1.20 on). */
export function enforcesExecProbeTimeout(kubeletVersion: string | undefined): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(kubeletVersion ?? '');
  return m !== null && (Number(m[1]) > 1 || Number(m[2]) >= 20);
}

/**
 * What a timed-out exec probe reports, the text after `Liveness probe failed: `. Until
 * v1.23 the prober returned the command's (empty) output, so the event ends there; from
 * v1.23 it returns the runtime's timeout error, `command "<cmd>" timed out`
 * (kubernetes/kubernetes#106201; remote_runtime.go ExecSync, dockershim exec.go).
 */
export function execProbeTimeoutOutput(
  kubeletVersion: string | undefined,
  command: readonly string[],
): string {
  const m = /^v?(\d+)\.(\d+)/.exec(kubeletVersion ?? '');
  const named = m !== null && (Number(m[1]) > 1 || Number(m[2]) >= 23);
  return named ? `command "${command.join(' ')}" timed out` : '';
}

/** A program that fails for its own reasons (bad config, a panic, out of memory). */
export interface OwnFailure {
  exitCode: number;
  /** `Completed` for exit code 0: a process that stops cleanly when the kubelet kills it. */
  reason: 'Error' | 'OOMKilled' | 'Completed';
  /** The last line it logs before exiting. */
  log: string;
  runsForMs: number;
  /**
   * The program keeps running, but its health endpoint fails since `failingSinceMs` and the
   * kubelet kills it for its probes (pkg/kubelet/prober, kuberuntime computePodActions): a
   * container that started before then dies `liveness.failureThreshold` periods later, one
   * started after when its startup probe gives up (initial delay plus `startup.failureThreshold`
   * periods). `runsForMs` is then unused. Events as the kubelet writes them: `Unhealthy`
   * "Liveness probe failed: <output>" and `Killing` "Container <name> failed liveness probe,
   * will be restarted" (startup alike).
   */
  probeKill?: {
    failingSinceMs: number;
    /** What the prober reports, e.g. `HTTP probe failed with statuscode: 503`. */
    output: string;
    liveness: { periodMs: number; failureThreshold: number };
    startup: { initialDelayMs: number; periodMs: number; failureThreshold: number };
  };
}

/** When a probe-killed container dies and which probe kills it. */
export function probeKillAt(
  k: NonNullable<OwnFailure['probeKill']>,
  runningSinceMs: number,
): { atMs: number; probe: 'Liveness' | 'Startup' } {
  if (runningSinceMs < k.failingSinceMs)
    return { atMs: k.failingSinceMs + k.liveness.periodMs * k.liveness.failureThreshold, probe: 'Liveness' };
  return {
    atMs: runningSinceMs + k.startup.initialDelayMs + k.startup.periodMs * k.startup.failureThreshold,
    probe: 'Startup',
  };
}

interface ContainerState {
  name: string;
  image: string;
  needs: readonly Need[];
  onFailure: NeedFailurePolicy;
  giveUpAfterMs: number | undefined;
  ownFailure: ContainerNeeds['ownFailure'];
  logStyle: LogStyle;
  restartCount: number;
  backoffMs: number;
  runningSinceMs?: number;
  waitingUntilMs?: number;
  lastTerminated?: {
    exitCode: number;
    reason: string;
    startedAt: string;
    finishedAt: string;
    message?: string;
  };
  exitTimer?: Timer;
  restartTimer?: Timer;
  /** When the process reaches its memory limit and the cgroup's OOM killer ends it. */
  oomTimer?: Timer;
  memory?: ContainerMemory;
  /** The steady CPU it burns while running, in cores. */
  cpuCores: number;
  containerId: string;
  /** Set while the machine is down: when the container had been running since. */
  halted?: number;
  /** Its back-off ran out while the runtime was stalled: the kubelet restarts it once it answers. */
  restartPending?: boolean;
  execLiveness?: ExecLivenessProbe;
  /** When the prober's failures of its exec liveness probe reach the threshold. */
  probeTimer?: Timer;
}

interface PodRuntime {
  namespace: string;
  name: string;
  uid: string;
  /** spec.priority: the eviction manager evicts lower priorities first. */
  priority: number;
  /** Critical pods (static, or system-critical priority) are never evicted. */
  critical: boolean;
  containers: ContainerState[];
  /** When the kubelet started the pod: its logs and emptyDir volumes accumulate from here. */
  startedAtMs: number;
  /** Which containers were ready at the last report: a re-check that changes none writes nothing. */
  reportedReady?: string;
}

export interface ContainerRuntimeOptions {
  node: string;
  store: ObjectStore;
  clock: Clock;
  deps?: Dependencies;
  logs?: PodLogBook;
  /** Whether the kubelet can report to the API server right now. */
  canReport: () => boolean;
  /** What each container needs; the scenario's workload model knows. */
  needsOf?: (pod: KubeObject, container: string) => readonly Need[] | ContainerNeeds;
  /** How much memory each container asks for, may use and uses; none when unset. */
  memoryOf?: (pod: KubeObject, container: string) => ContainerMemory | undefined;
  /** The version of the kubelet running the probes now (it moves when the kubelet is upgraded). */
  kubeletVersion?: () => string | undefined;
}

interface PodSpecView {
  spec?: {
    priority?: number;
    containers?: { name: string; image?: string; resources?: { requests?: Record<string, string> } }[];
  };
}

/**
 * One running pod in the kubelet's stats summary (pkg/kubelet/server/stats, the source of
 * the eviction manager's observations and of /metrics/resource): each running container's
 * start, working set (when the memory model knows it) and cumulative CPU time.
 */
export interface PodStats {
  key: string;
  namespace: string;
  name: string;
  priority: number;
  critical: boolean;
  containers: {
    name: string;
    startedAtMs: number;
    workingSetBytes?: number;
    requestBytes: number;
    cpuCores: number;
    cpuCoreSeconds: number;
  }[];
}

/** A running pod's memory as the eviction manager reads it from the summary API. */
export interface PodMemoryUsage {
  key: string;
  name: string;
  priority: number;
  critical: boolean;
  containers: { name: string; workingSetBytes: number; requestBytes: number }[];
}

/** A pod on the node as the eviction manager's disk and PID observations need it. */
export interface RunningPod {
  key: string;
  namespace: string;
  name: string;
  priority: number;
  critical: boolean;
  startedAtMs: number;
  /** `runningSinceMs` is unset while the container waits to restart. */
  containers: { name: string; runningSinceMs?: number }[];
}

/** Which pod, and how the eviction manager ranks it. */
function podRef(key: string, rt: PodRuntime) {
  return { key, namespace: rt.namespace, name: rt.name, priority: rt.priority, critical: rt.critical };
}

/** scheduling.SystemCriticalPriority: pods at or above it are critical to the node. */
const systemCriticalPriority = 2_000_000_000;

export class ContainerRuntime {
  private readonly o: ContainerRuntimeOptions;
  private readonly pods = new Map<string, PodRuntime>();
  private readonly offDeps: (() => void) | undefined;
  /**
   * The runtime does not answer the kubelet: no PLEG events reach the pod workers, so no
   * status is written, no exit is noticed and no container is restarted until it answers.
   */
  private stalled = false;
  /** When the running kubelet started its probe workers (it starts them again on a restart). */
  private proberStartedMs: number;

  constructor(o: ContainerRuntimeOptions) {
    this.o = o;
    this.proberStartedMs = o.clock.now();
    this.offDeps = o.deps?.onChange(() => this.recheck());
  }

  dispose(): void {
    this.offDeps?.();
    for (const key of [...this.pods.keys()]) this.stopPod(key);
  }

  keys(): string[] {
    return [...this.pods.keys()];
  }

  has(namespace: string, name: string): boolean {
    return this.pods.has(`${namespace}/${name}`);
  }

  startPod(pod: KubeObject & PodSpecView): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (this.pods.has(key)) return;
    const rt: PodRuntime = {
      namespace: pod.metadata.namespace ?? '',
      name: pod.metadata.name ?? '',
      uid: pod.metadata.uid ?? '',
      startedAtMs: this.o.clock.now(),
      priority: pod.spec?.priority ?? 0,
      // kubelettypes.IsCriticalPod: static and mirror pods, or system-critical priority.
      critical:
        (pod.spec?.priority ?? 0) >= systemCriticalPriority ||
        pod.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined,
      containers: (pod.spec?.containers ?? []).map((c): ContainerState => {
        const declared = this.o.needsOf?.(pod, c.name) ?? [];
        // A bare list of needs means the program exits when one fails.
        const spec: ContainerNeeds = Array.isArray(declared)
          ? { needs: declared }
          : (declared as ContainerNeeds);
        return {
          name: c.name,
          image: c.image ?? '',
          needs: spec.needs,
          onFailure: spec.onFailure ?? 'exit',
          giveUpAfterMs: spec.giveUpAfterMs,
          ownFailure: spec.ownFailure,
          execLiveness: spec.execLiveness,
          logStyle: spec.logStyle ?? 'plain',
          restartCount: 0,
          backoffMs: initialBackoffMs,
          memory: this.o.memoryOf?.(pod, c.name),
          cpuCores: containerCpuCores(c.resources?.requests?.cpu),
          containerId: '',
        };
      }),
    };
    this.pods.set(key, rt);
    for (const c of rt.containers) this.run(rt, c);
    this.report(rt);
  }

  stopPod(key: string): void {
    const rt = this.pods.get(key);
    if (!rt) return;
    for (const c of rt.containers) {
      c.exitTimer?.cancel();
      c.restartTimer?.cancel();
      c.oomTimer?.cancel();
      c.probeTimer?.cancel();
    }
    this.pods.delete(key);
  }

  /** Writes every pod's status again (the kubelet got back in touch). */
  reportAll(): void {
    for (const rt of this.pods.values()) this.report(rt);
  }

  /**
   * The runtime stops answering (stalled) or answers again. Containers keep running as
   * processes; what stops is the kubelet's view of them. On return, containers whose
   * back-off ran out meanwhile are restarted and every status is written from what runs.
   */
  setStalled(stalled: boolean): void {
    if (this.stalled === stalled) return;
    this.stalled = stalled;
    if (stalled) return;
    for (const rt of this.pods.values())
      for (const c of rt.containers) {
        if (!c.restartPending) continue;
        c.restartPending = false;
        c.restartCount++;
        this.o.logs?.restart(rt.namespace, rt.name, c.name);
        this.run(rt, c);
      }
    for (const rt of this.pods.values()) for (const c of rt.containers) this.watchExecLiveness(rt, c);
    this.reportAll();
  }

  /**
   * The kubelet (re)started, perhaps at another version: its new probe workers probe every
   * running container from now on (a container past its initial delay at once), and
   * whether an exec probe's timeout counts is now this kubelet's to say.
   */
  proberRestarted(): void {
    this.proberStartedMs = this.o.clock.now();
    for (const rt of this.pods.values())
      for (const c of rt.containers) {
        c.probeTimer?.cancel();
        c.probeTimer = undefined;
        this.watchExecLiveness(rt, c);
      }
  }

  /** A slow relist got through: the statuses catch up with what the runtime listed. */
  relisted(): void {
    for (const rt of this.pods.values()) this.report(rt, true);
  }

  /** The machine went down: every container stops where it was, with nothing written. */
  haltAll(): void {
    for (const rt of this.pods.values()) {
      for (const c of rt.containers) {
        c.exitTimer?.cancel();
        c.exitTimer = undefined;
        c.restartTimer?.cancel();
        c.restartTimer = undefined;
        c.oomTimer?.cancel();
        c.oomTimer = undefined;
        c.probeTimer?.cancel();
        c.probeTimer = undefined;
        c.restartPending = false;
        if (c.runningSinceMs !== undefined || c.waitingUntilMs !== undefined)
          c.halted = c.runningSinceMs ?? 0;
        c.runningSinceMs = undefined;
      }
    }
  }

  /**
   * The machine booted: the kubelet recreates every container, counting a restart whose
   * last state is the unknown end of the one that died with the machine (exit 255).
   */
  resumeAll(): void {
    const now = this.o.clock.now();
    for (const rt of this.pods.values()) {
      for (const c of rt.containers) {
        if (c.halted === undefined) continue;
        c.lastTerminated = {
          exitCode: 255,
          reason: 'Unknown',
          startedAt: rfc3339(c.halted || now),
          finishedAt: rfc3339(now),
        };
        c.halted = undefined;
        c.restartCount++;
        this.o.logs?.restart(rt.namespace, rt.name, c.name);
        this.run(rt, c);
      }
      this.report(rt);
    }
  }

  private run(rt: PodRuntime, c: ContainerState): void {
    const now = this.o.clock.now();
    c.runningSinceMs = now;
    c.waitingUntilMs = undefined;
    c.containerId = hexId(`${rt.namespace}/${rt.name}/${c.name}/${c.restartCount}/${now}`, 64);
    this.watchNeeds(rt, c);
    this.watchMemory(rt, c);
    this.watchExecLiveness(rt, c);
  }

  /**
   * An exec liveness probe whose command outlasts its timeout, under a kubelet that counts
   * that as a failure: the first probe runs once the initial delay has passed since the
   * container started (or at once when a restarted kubelet finds it running), each fails
   * when the timeout expires, and the `failureThreshold`-th failure in a row, `periodSeconds`
   * apart, kills it (pkg/kubelet/prober/worker.go doProbe). The kubelet records an
   * `Unhealthy` warning per failure and `Killing` (kuberuntime computePodActions); the pod
   * keeps its restartPolicy, so the container comes back with the crash-loop back-off and
   * fails the same way. Not modelled: the worker's random start within one period.
   */
  private watchExecLiveness(rt: PodRuntime, c: ContainerState): void {
    const p = c.execLiveness;
    const started = c.runningSinceMs;
    if (!p || started === undefined || c.probeTimer || this.stalled) return;
    const version = this.o.kubeletVersion?.();
    if (p.runsForMs <= p.timeoutMs || !enforcesExecProbeTimeout(version)) return;
    // Counting starts afresh whenever this is asked again (a new kubelet, a runtime that answers).
    const firstProbeMs = Math.max(this.proberStartedMs, started + p.initialDelayMs, this.o.clock.now());
    // Each probe fails when its timeout expires; the failures come one period apart.
    const failure = (n: number): void => {
      const at = firstProbeMs + (n - 1) * p.periodMs + p.timeoutMs;
      c.probeTimer = this.o.clock.after(Math.max(0, at - this.o.clock.now()), () => {
        c.probeTimer = undefined;
        if (c.runningSinceMs !== started || this.stalled) return;
        const output = execProbeTimeoutOutput(this.o.kubeletVersion?.(), p.command);
        if (n < p.failureThreshold) {
          this.unhealthy(rt, c, 'Liveness', output);
          failure(n + 1);
          return;
        }
        this.probeKilled(rt, c, 'Liveness', output);
        c.exitTimer?.cancel();
        c.exitTimer = undefined;
        // No last words: the kubelet stops it (SIGTERM, then SIGKILL after the grace period),
        // and a program that does not exit on SIGTERM in time ends with 137.
        this.exit(rt, c, 137, 'Error', '');
      });
    };
    failure(1);
  }

  /**
   * A container whose working set reaches its memory limit is killed by the kernel's
   * cgroup OOM killer: no last words, exit 137 (128 + SIGKILL), and the runtime reports
   * the reason `OOMKilled` (containerd sets it from the cgroup's oom event; the kubelet
   * copies it into lastState.terminated, kubernetes.md §4). The kubelet restarts it with
   * the usual crash-loop back-off, and a leaking process starts small again.
   */
  private watchMemory(rt: PodRuntime, c: ContainerState): void {
    c.oomTimer?.cancel();
    c.oomTimer = undefined;
    const started = c.runningSinceMs;
    if (!c.memory || started === undefined) return;
    const at = limitReachedAt(c.memory, started, this.o.clock.now());
    if (at === undefined) return;
    c.oomTimer = this.o.clock.after(at - this.o.clock.now(), () => {
      c.oomTimer = undefined;
      if (!c.memory?.limitBytes || c.runningSinceMs !== started) return;
      // Growth changed on the way (a leak healed): look again.
      if (workingSet(c.memory, started, this.o.clock.now()) < c.memory.limitBytes - 4096) {
        this.watchMemory(rt, c);
        return;
      }
      c.exitTimer?.cancel();
      c.exitTimer = undefined;
      this.exit(rt, c, 137, 'OOMKilled', '');
    });
  }

  /** Memory growth changed (a leak began or stopped): every container looks again. */
  memoryChanged(): void {
    for (const rt of this.pods.values())
      for (const c of rt.containers) if (c.memory && c.runningSinceMs !== undefined) this.watchMemory(rt, c);
  }

  /** The stats summary now: every pod with a running container, and those containers. */
  summary(nowMs: number): PodStats[] {
    const out: PodStats[] = [];
    for (const [key, rt] of this.pods) {
      const containers: PodStats['containers'] = [];
      for (const c of rt.containers) {
        const started = c.runningSinceMs;
        if (started === undefined) continue;
        containers.push({
          name: c.name,
          startedAtMs: started,
          workingSetBytes: c.memory ? workingSet(c.memory, started, nowMs) : undefined,
          requestBytes: c.memory?.requestBytes ?? 0,
          cpuCores: c.cpuCores,
          // A new container's counter starts at zero, as its new cgroup's does.
          cpuCoreSeconds: (c.cpuCores * (nowMs - started)) / 1000,
        });
      }
      if (containers.length) out.push({ ...podRef(key, rt), containers });
    }
    return out;
  }

  /** Each running pod's containers' working sets now, for the eviction manager. */
  memoryUsage(nowMs: number): PodMemoryUsage[] {
    const out: PodMemoryUsage[] = [];
    for (const p of this.summary(nowMs)) {
      const containers: PodMemoryUsage['containers'] = [];
      for (const c of p.containers)
        if (c.workingSetBytes !== undefined)
          containers.push({ name: c.name, workingSetBytes: c.workingSetBytes, requestBytes: c.requestBytes });
      if (containers.length)
        out.push({ key: p.key, name: p.name, priority: p.priority, critical: p.critical, containers });
    }
    return out;
  }

  /** Each pod the runtime runs, with when it and each running container started (for disk and PID use). */
  runningPods(): RunningPod[] {
    const out: RunningPod[] = [];
    for (const [key, rt] of this.pods)
      out.push({
        ...podRef(key, rt),
        startedAtMs: rt.startedAtMs,
        containers: rt.containers.map((c) => ({ name: c.name, runningSinceMs: c.runningSinceMs })),
      });
    return out;
  }

  /**
   * The kubelet's eviction manager kills the pod at once (hard threshold: grace period 0)
   * and fails it for good: phase Failed, reason Evicted, its message, the DisruptionTarget
   * condition (TerminationByKubelet), and an `Evicted` warning event with the same message
   * (pkg/kubelet/eviction/eviction_manager.go evictPod; helpers.go Reason). The pod is never
   * restarted here; its controller makes a new one.
   */
  evict(key: string, message: string): void {
    const rt = this.pods.get(key);
    if (!rt) return;
    this.stopPod(key);
    if (!this.o.canReport()) return;
    const pod = this.o.store.find(podType, rt.namespace, rt.name);
    if (!pod || pod.metadata.uid !== rt.uid) return;
    const now = this.o.clock.now();
    const stamp = rfc3339(now);
    const status = (pod.status ?? {}) as {
      conditions?: { type: string; status: string; lastTransitionTime?: string }[];
      containerStatuses?: { name: string; state?: { running?: { startedAt?: string } } }[];
    };
    const notReady = (type: string) => ({
      type,
      status: 'False',
      reason: 'PodCompleted',
      lastProbeTime: null,
      lastTransitionTime: stamp,
    });
    const conditions = [
      ...(status.conditions ?? [])
        .filter((c) => c.type !== 'DisruptionTarget')
        .map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? notReady(c.type) : c)),
      {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'TerminationByKubelet',
        message,
        lastProbeTime: null,
        lastTransitionTime: stamp,
      },
    ];
    // Killed with SIGKILL: each container ends with 137.
    const containerStatuses = (status.containerStatuses ?? []).map((s) => ({
      ...s,
      ready: false,
      started: false,
      state: {
        terminated: {
          exitCode: 137,
          reason: 'Error',
          startedAt: s.state?.running?.startedAt ?? stamp,
          finishedAt: stamp,
        },
      },
    }));
    this.o.store.update(
      podType,
      {
        ...pod,
        status: { ...status, phase: 'Failed', reason: 'Evicted', message, conditions, containerStatuses },
      },
      { subresource: 'status' },
    );
    recordEvent(this.o.store, this.o.clock, {
      involved: { kind: 'Pod', name: rt.name, namespace: rt.namespace, uid: rt.uid, apiVersion: 'v1' },
      type: 'Warning',
      reason: 'Evicted',
      message,
      source: { component: 'kubelet', host: this.o.node },
    });
  }

  /** A running container with an unmet need gives up after a while and exits. */
  private watchNeeds(rt: PodRuntime, c: ContainerState): void {
    if (c.runningSinceMs === undefined || c.exitTimer) return;
    const own = c.ownFailure?.();
    if (own?.probeKill) {
      const kill = probeKillAt(own.probeKill, c.runningSinceMs);
      const output = own.probeKill.output;
      c.exitTimer = this.o.clock.after(Math.max(0, kill.atMs - this.o.clock.now()), () => {
        c.exitTimer = undefined;
        // Healed meanwhile: the endpoint answers again and the probes pass.
        const still = c.ownFailure?.();
        if (!still?.probeKill) return;
        this.probeKilled(rt, c, kill.probe, output);
        this.exit(rt, c, still.exitCode, still.reason, still.log);
      });
      return;
    }
    if (own) {
      const left = Math.max(0, c.runningSinceMs + own.runsForMs - this.o.clock.now());
      c.exitTimer = this.o.clock.after(left, () => {
        c.exitTimer = undefined;
        this.exit(rt, c, own.exitCode, own.reason, own.log);
      });
      return;
    }
    const unmet = this.o.deps?.check(this.o.node, c.needs);
    if (!unmet) return;
    const now = this.o.clock.now();
    for (const line of failureLines(c.logStyle, unmet, now))
      this.o.logs?.append(rt.namespace, rt.name, c.name, line, now);
    // Programs that report unready or serve errors keep running; only 'exit' crash-loops.
    if (c.onFailure !== 'exit') return;
    c.exitTimer = this.o.clock.after(c.giveUpAfterMs ?? unmet.giveUpAfterMs, () => {
      c.exitTimer = undefined;
      // Healed meanwhile: it got through after all.
      if (!this.o.deps?.check(this.o.node, c.needs)) return;
      this.exit(rt, c, 1, 'Error', `fatal: ${unmet.error}`);
    });
  }

  /** The prober's failures and the kill they lead to, as the kubelet records them. */
  private probeKilled(
    rt: PodRuntime,
    c: ContainerState,
    probe: 'Liveness' | 'Startup',
    output: string,
  ): void {
    if (!this.o.canReport() || this.stalled) return;
    this.unhealthy(rt, c, probe, output);
    this.containerEvent(
      rt,
      c,
      'Normal',
      'Killing',
      `Container ${c.name} failed ${probe.toLowerCase()} probe, will be restarted`,
    );
  }

  /** One failed probe as the prober records it (pkg/kubelet/prober/prober.go: "%s probe failed: %s"). */
  private unhealthy(rt: PodRuntime, c: ContainerState, probe: 'Liveness' | 'Startup', output: string): void {
    if (!this.o.canReport() || this.stalled) return;
    this.containerEvent(rt, c, 'Warning', 'Unhealthy', `${probe} probe failed: ${output}`);
  }

  /** An event the kubelet records about one container of a pod. */
  private containerEvent(
    rt: PodRuntime,
    c: ContainerState,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void {
    recordEvent(this.o.store, this.o.clock, {
      involved: {
        kind: 'Pod',
        name: rt.name,
        namespace: rt.namespace,
        uid: rt.uid,
        apiVersion: 'v1',
        fieldPath: `spec.containers{${c.name}}`,
      },
      type,
      reason,
      message,
      source: { component: 'kubelet', host: this.o.node },
    });
  }

  private recheck(): void {
    for (const rt of this.pods.values()) {
      for (const c of rt.containers) this.watchNeeds(rt, c);
      if (this.readiness(rt) !== rt.reportedReady) this.report(rt);
    }
  }

  private exit(rt: PodRuntime, c: ContainerState, exitCode: number, reason: string, lastLine: string): void {
    const now = this.o.clock.now();
    const started = c.runningSinceMs ?? now;
    c.oomTimer?.cancel();
    c.oomTimer = undefined;
    c.probeTimer?.cancel();
    c.probeTimer = undefined;
    // A process the kernel kills at its memory limit has no last words.
    if (lastLine) this.o.logs?.append(rt.namespace, rt.name, c.name, lastLine, now);
    if (now - started >= backoffResetMs) c.backoffMs = initialBackoffMs;
    c.lastTerminated = { exitCode, reason, startedAt: rfc3339(started), finishedAt: rfc3339(now) };
    c.runningSinceMs = undefined;
    const delay = c.backoffMs;
    c.waitingUntilMs = now + delay;
    c.backoffMs = Math.min(maxBackoffMs, c.backoffMs * 2);
    this.report(rt);
    if (this.o.canReport() && !this.stalled) {
      recordEvent(this.o.store, this.o.clock, {
        involved: { kind: 'Pod', name: rt.name, namespace: rt.namespace, uid: rt.uid, apiVersion: 'v1' },
        type: 'Warning',
        reason: 'BackOff',
        message: `Back-off restarting failed container ${c.name} in pod ${rt.name}_${rt.namespace}(${rt.uid})`,
        source: { component: 'kubelet', host: this.o.node },
      });
    }
    c.restartTimer = this.o.clock.after(delay, () => {
      c.restartTimer = undefined;
      // Restarting is the pod worker's StartContainer call, which a stalled runtime never answers.
      if (this.stalled) {
        c.restartPending = true;
        return;
      }
      c.restartCount++;
      this.o.logs?.restart(rt.namespace, rt.name, c.name);
      this.run(rt, c);
      this.report(rt);
    });
  }

  /** Each container's readiness now, as one comparable string. */
  private readiness(rt: PodRuntime): string {
    let key = '';
    for (const c of rt.containers) {
      const unmet = c.runningSinceMs !== undefined ? this.o.deps?.check(this.o.node, c.needs) : undefined;
      key += c.runningSinceMs !== undefined && (!unmet || c.onFailure === 'degrade') ? '1' : '0';
    }
    return key;
  }

  private report(rt: PodRuntime, relisted = false): void {
    if (!this.o.canReport() || (this.stalled && !relisted)) return;
    rt.reportedReady = this.readiness(rt);
    const pod = this.o.store.find(podType, rt.namespace, rt.name);
    if (!pod || pod.metadata.uid !== rt.uid) return;
    const now = this.o.clock.now();
    const stamp = rfc3339(now);
    const statuses = rt.containers.map((c) => {
      const unmet = c.runningSinceMs !== undefined ? this.o.deps?.check(this.o.node, c.needs) : undefined;
      const ready = c.runningSinceMs !== undefined && (!unmet || c.onFailure === 'degrade');
      const state =
        c.runningSinceMs !== undefined
          ? { running: { startedAt: rfc3339(c.runningSinceMs) } }
          : {
              waiting: {
                reason: 'CrashLoopBackOff',
                message: `back-off ${Math.round(((c.waitingUntilMs ?? now) - (c.lastTerminated ? Date.parse(c.lastTerminated.finishedAt) : now)) / 1000)}s restarting failed container=${c.name} pod=${rt.name}_${rt.namespace}(${rt.uid})`,
              },
            };
      return {
        name: c.name,
        state,
        lastState: c.lastTerminated
          ? { terminated: { ...c.lastTerminated, containerID: `containerd://${c.containerId}` } }
          : {},
        ready,
        restartCount: c.restartCount,
        image: c.image,
        imageID: `${c.image.split(':')[0]}@sha256:${hexId(c.image, 64)}`,
        containerID: `containerd://${c.containerId}`,
        started: c.runningSinceMs !== undefined,
      };
    });
    const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
    const status = (pod.status ?? {}) as {
      conditions?: {
        type: string;
        status: string;
        reason?: string;
        message?: string;
        lastTransitionTime?: string;
      }[];
    };
    const conditions = (status.conditions ?? []).map((cond) => {
      if (cond.type !== 'Ready' && cond.type !== 'ContainersReady') return cond;
      const want = unready.length === 0 ? 'True' : 'False';
      const next =
        unready.length === 0
          ? { type: cond.type, status: want }
          : {
              type: cond.type,
              status: want,
              reason: 'ContainersNotReady',
              message: `containers with unready status: [${unready.join(' ')}]`,
            };
      return {
        ...next,
        lastProbeTime: null,
        lastTransitionTime: cond.status === want ? cond.lastTransitionTime : stamp,
      };
    });
    this.o.store.update(
      podType,
      { ...pod, status: { ...status, conditions, containerStatuses: statuses } },
      { subresource: 'status' },
    );
  }
}
