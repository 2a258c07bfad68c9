/**
 * One simulated machine as the node agent's `NodeHost` (src/agent/host.ts): the files under
 * /etc, /proc, /boot, /var/log and the systemd unit directories, and the process table, each
 * rendered on read from the machine model (NodeMachines, the kubelet's PID model, the Node's
 * nodeInfo), so the model stays the one truth and the real checks parse real formats.
 * Nothing is stored: a file that is read often and changes rarely (the kernel log) is
 * rendered again only when its lines changed.
 */
import type { HostProcess, NodeHost } from '../../agent/host.ts';
import type { Clock } from '../../time/clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { nodeMemory } from '../behaviour/memory.ts';
import { defaultPidMax, defaultThreadsMax, nodeSystemPids } from '../behaviour/node-storage.ts';
import { hexId } from '../cluster/objects.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { ObjectStore } from '../store/object-store.ts';
import {
  aptHistory,
  conntrackStat,
  dpkgStatus,
  osRelease,
  pressureFile,
  procStat,
  serviceUnit,
  syslogLine,
  timerUnit,
  unattendedUpgradeCommand,
  unitEndingLines,
} from './machine-files.ts';
import type { NodeMachines, NodeTimer } from './node-machines.ts';
import { PressureAverage } from './pressure-average.ts';
import type { ScenarioWorld } from './scenario-world.ts';

const nodeType = resourceForKind('Node')!;

export interface MachineHostParts {
  node: string;
  scenario: Scenario;
  world: ScenarioWorld;
  store: ObjectStore;
  clock: Clock;
  machines: NodeMachines;
}

interface NodeFacts {
  kernel?: string;
  osImage?: string;
  bootId?: string;
  createdMs?: number;
  memory?: string;
}

const unitDir = '/lib/systemd/system';
const wantsDir = '/etc/systemd/system/timers.target.wants';
/** The entries of /proc/sys/net/netfilter/nf_conntrack_count on a node with no load on its table. */
const idleConntrackEntries = 2_000;
const cpus = 2;

/** What a timer's service runs: Debian's stock apt units, else unattended-upgrades itself. */
function execStartOf(t: NodeTimer): string {
  if (t.name === 'apt-daily-upgrade.timer') return '/usr/lib/apt/apt.systemd.daily install';
  if (t.name === 'apt-daily.timer') return '/usr/lib/apt/apt.systemd.daily update';
  return t.upgrades ? unattendedUpgradeCommand : '/bin/true';
}

/** `uuid`-shaped, as /proc/sys/kernel/random/boot_id is: one per boot. */
function bootIdOf(node: string, bootedMs: number): string {
  const h = hexId(`${node}/${bootedMs}`, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Whether a kernel release (`4.4.52+`, `6.1.0-13-amd64`) is at least major.minor. */
function kernelAtLeast(release: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return true;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}

export class MachineHost implements NodeHost {
  private readonly p: MachineHostParts;
  private readonly psi: PressureAverage;
  private logCache: { key: string; kern: string; syslog: string } | undefined;
  /** The Node's facts, read once per instant (a check reads several files at one time). */
  private factsAt: { atMs: number; facts: NodeFacts } | undefined;
  private bootId: { bootedMs: number; id: string } | undefined;
  private pidsAt: { atMs: number; pids: { inUse: number; pidMax: number; threadsMax: number } } | undefined;

  constructor(p: MachineHostParts) {
    this.p = p;
    this.psi = new PressureAverage(p.clock.now());
    this.machineChanged();
  }

  private get node(): string {
    return this.p.node;
  }

  /** The machine changed: pressure averages head for the disk's new state from now on. */
  machineChanged(): void {
    this.psi.set(this.p.machines.ioSaturated(this.node), this.p.clock.now());
  }

  async readText(path: string): Promise<string | undefined> {
    return this.file(path);
  }

  async readTail(path: string, maxBytes: number): Promise<string | undefined> {
    const text = this.file(path);
    if (text === undefined || text.length <= maxBytes) return text;
    const cut = text.slice(text.length - maxBytes);
    return cut.slice(cut.indexOf('\n') + 1);
  }

  async list(dir: string): Promise<string[]> {
    return this.directory(dir).sort();
  }

  async mtimeMs(path: string): Promise<number | undefined> {
    // systemd touches a persistent timer's stamp file each time the timer elapses (systemd.timer(5)).
    const stamp = /^\/var\/lib\/systemd\/timers\/stamp-(.+)$/.exec(path);
    if (stamp) {
      const pkg = this.p.machines.packageState(this.node);
      const job = pkg.running?.job === stamp[1] ? pkg.running.sinceMs : undefined;
      return job ?? (pkg.lastRun?.job === stamp[1] ? pkg.lastRun.startedMs : undefined);
    }
    return this.file(path) === undefined ? undefined : this.p.clock.now();
  }

  async processes(): Promise<HostProcess[]> {
    const booted = this.bootedMs();
    const out: HostProcess[] = [
      { pid: 1, command: '/sbin/init', startedMs: booted },
      { pid: 612, command: '/usr/bin/containerd', startedMs: booted },
    ];
    if (this.p.world.kubelets.get(this.node)?.health.running)
      out.push({
        pid: 845,
        command: '/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml',
        startedMs: booted,
      });
    const running = this.p.machines.packageState(this.node).running;
    if (running)
      out.push({
        pid: 4_000 + (Math.floor((running.sinceMs - booted) / 1000) % 30_000),
        command: `/usr/bin/python3 ${unattendedUpgradeCommand}`,
        startedMs: running.sinceMs,
      });
    return out;
  }

  private facts(): NodeFacts {
    const now = this.p.clock.now();
    if (this.factsAt?.atMs !== now) this.factsAt = { atMs: now, facts: this.readFacts() };
    return this.factsAt.facts;
  }

  private readFacts(): NodeFacts {
    const n = this.p.store.find(nodeType, '', this.node) as
      | (KubeObject & {
          status?: {
            nodeInfo?: { kernelVersion?: string; osImage?: string };
            capacity?: { memory?: string };
          };
        })
      | undefined;
    const created = n?.metadata.creationTimestamp ? Date.parse(n.metadata.creationTimestamp) : Number.NaN;
    // The machine's own kernel and boot, as its kubelet finds them at boot (reported or not yet).
    const machine = this.p.world.kubelets.get(this.node)?.machineInfo();
    return {
      kernel: machine?.kernelVersion ?? n?.status?.nodeInfo?.kernelVersion,
      osImage: machine?.osImage ?? n?.status?.nodeInfo?.osImage,
      bootId: machine?.bootID,
      createdMs: Number.isFinite(created) ? created : undefined,
      memory: n?.status?.capacity?.memory,
    };
  }

  private bootedMs(): number {
    return this.p.machines.packageState(this.node).bootedMs ?? this.facts().createdMs ?? this.p.clock.now();
  }

  /** Enabled timers, then installed but disabled ones. */
  private timers(): { enabled: NodeTimer[]; disabled: NodeTimer[] } {
    return {
      enabled: this.p.machines.timers.get(this.node) ?? [],
      disabled: [...(this.p.machines.disabledTimers.get(this.node)?.values() ?? [])],
    };
  }

  private allTimers(): NodeTimer[] {
    const { enabled, disabled } = this.timers();
    return [...enabled, ...disabled];
  }

  private file(path: string): string | undefined {
    const { machines, scenario } = this.p;
    const node = this.node;
    switch (path) {
      case '/etc/os-release': {
        const image = this.facts().osImage;
        return image ? osRelease(image) : undefined;
      }
      case '/etc/resolv.conf':
        // systemd-resolved's stub (resolved.conf(5)): the node's resolver is 127.0.0.53.
        return 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n';
      case '/var/lib/kubelet/config.yaml':
        return [
          'apiVersion: kubelet.config.k8s.io/v1beta1',
          'kind: KubeletConfiguration',
          'clusterDNS:',
          `- ${scenario.cluster.dns.serviceIp}`,
          'clusterDomain: cluster.local',
          'healthzBindAddress: 127.0.0.1',
          'healthzPort: 10248',
          '',
        ].join('\n');
      case '/proc/sys/kernel/osrelease': {
        const kernel = this.facts().kernel;
        return kernel ? `${kernel}\n` : undefined;
      }
      case '/proc/sys/kernel/random/boot_id': {
        const known = this.facts().bootId;
        if (known) return `${known}\n`;
        const bootedMs = this.bootedMs();
        if (this.bootId?.bootedMs !== bootedMs) this.bootId = { bootedMs, id: bootIdOf(node, bootedMs) };
        return `${this.bootId.id}\n`;
      }
      case '/proc/stat':
        return procStat(this.bootedMs());
      case '/proc/loadavg': {
        const { inUse } = this.pids();
        // `running/total` scheduling entities, then the last PID handed out (proc(5)).
        return `0.42 0.38 0.35 2/${inUse} ${inUse + 1000}\n`;
      }
      case '/proc/sys/kernel/pid_max':
        return `${this.pids().pidMax}\n`;
      case '/proc/sys/kernel/threads-max':
        return `${this.pids().threadsMax}\n`;
      case '/proc/sys/net/netfilter/nf_conntrack_count':
        return `${machines.conntrack.get(node)?.count ?? idleConntrackEntries}\n`;
      case '/proc/sys/net/netfilter/nf_conntrack_max':
        return `${this.conntrackMax()}\n`;
      case '/proc/net/stat/nf_conntrack': {
        const reading = machines.conntrack.get(node);
        return conntrackStat({
          entries: reading?.count ?? idleConntrackEntries,
          drops: reading?.dropsTotal ?? 0,
          cpus,
        });
      }
      case '/proc/pressure/io': {
        // PSI exists from Linux 4.20 (kernel/sched/psi.c).
        const kernel = this.facts().kernel;
        if (kernel && !kernelAtLeast(kernel, 4, 20)) return undefined;
        return pressureFile(this.psi.at(this.p.clock.now()));
      }
      case '/var/log/kern.log':
        return this.logs().kern;
      case '/var/log/syslog':
        return this.logs().syslog;
      case '/var/log/apt/history.log':
        return aptHistory(machines.packageState(node));
      case '/var/lib/dpkg/status':
        return dpkgStatus(machines.packageState(node));
      case '/etc/apt/apt.conf.d/20auto-upgrades':
        // What `dpkg-reconfigure unattended-upgrades` writes; a node image with an upgrade timer has it.
        return this.allTimers().some((t) => t.upgrades)
          ? 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n'
          : undefined;
    }
    if (path.startsWith(`${unitDir}/`)) return this.unitFile(path.slice(unitDir.length + 1));
    if (path.startsWith('/var/log/pods/') && path.endsWith('/kube-proxy/0.log'))
      return this.kubeProxyOnNode() ? '' : undefined;
    return undefined;
  }

  private directory(dir: string): string[] {
    switch (dir) {
      case '/boot': {
        const kernel = this.facts().kernel;
        const pending = this.p.machines.packageState(this.node).pendingKernel;
        return [...new Set([kernel, pending].filter((k): k is string => !!k))].map((k) => `vmlinuz-${k}`);
      }
      case '/etc/systemd/system':
        return ['timers.target.wants'];
      case wantsDir:
        return this.timers().enabled.map((t) => t.name);
      case unitDir:
        return this.allTimers().flatMap((t) => [t.name, t.name.replace(/\.timer$/, '.service')]);
      case '/etc/apt/apt.conf.d':
        return this.file('/etc/apt/apt.conf.d/20auto-upgrades') === undefined ? [] : ['20auto-upgrades'];
      case '/var/log/pods':
        return this.kubeProxyOnNode() ? [this.kubeProxyPodDir()] : [];
    }
    if (dir === `/var/log/pods/${this.kubeProxyPodDir()}/kube-proxy`)
      return this.kubeProxyOnNode() ? ['0.log'] : [];
    return [];
  }

  private unitFile(name: string): string | undefined {
    const timer = this.allTimers().find(
      (t) => t.name === name || t.name.replace(/\.timer$/, '.service') === name,
    );
    if (!timer) return undefined;
    const description = timer.upgrades ? 'Daily apt upgrade and clean activities' : timer.name;
    return name.endsWith('.timer')
      ? timerUnit({ description, onCalendar: timer.onCalendar, randomizedDelay: timer.randomizedDelay })
      : serviceUnit({ description, execStart: execStartOf(timer) });
  }

  private kubeProxyOnNode(): boolean {
    return (
      this.p.scenario.cluster.serviceProxy.kind === 'kube-proxy' && this.p.world.kubeProxies.has(this.node)
    );
  }

  /** `<namespace>_<pod>_<uid>`, as the kubelet names a pod's log directory. */
  private kubeProxyPodDir(): string {
    return `kube-system_kube-proxy-${hexId(this.node, 5)}_${hexId(`kube-proxy/${this.node}`, 32)}`;
  }

  private conntrackMax(): number {
    return (
      this.p.machines.conntrack.get(this.node)?.max ?? this.p.scenario.cluster.cni?.conntrackMax ?? 262144
    );
  }

  /** Tasks in use and the two limits, from the kubelet's PID model and the node's memory. */
  private pids(): { inUse: number; pidMax: number; threadsMax: number } {
    const now = this.p.clock.now();
    if (this.pidsAt?.atMs !== now) this.pidsAt = { atMs: now, pids: this.readPids() };
    return this.pidsAt.pids;
  }

  private readPids(): { inUse: number; pidMax: number; threadsMax: number } {
    const storage = this.p.world.kubelets.get(this.node)?.storage;
    const pidMax = storage?.pidMax ?? defaultPidMax;
    const threadsMax =
      storage?.threadsMax ?? defaultThreadsMax(nodeMemory(this.facts().memory).capacityBytes);
    // The kernel hands out no task past the smaller limit.
    const inUse = Math.min(storage?.pidsInUse() ?? nodeSystemPids, pidMax, threadsMax);
    return { inUse, pidMax, threadsMax };
  }

  /**
   * kern.log and syslog as rsyslog writes them: the kernel's lines (tagged `kernel:`) in both,
   * and systemd's line about how the last upgrade run ended in syslog. Rendered again only
   * when a line was added.
   */
  private logs(): { kern: string; syslog: string } {
    const { machines } = this.p;
    const lines = machines.kernelLog.lines(this.node);
    const pkg = machines.packageState(this.node);
    const last = pkg.lastRun;
    const key = `${lines.length}|${lines.at(-1)?.atMs ?? ''}|${last?.endedMs ?? ''}|${last?.result ?? ''}`;
    if (this.logCache?.key === key) return this.logCache;
    const kernel = lines.map((l) => ({
      atMs: l.atMs,
      text: syslogLine(l.atMs, this.node, 'kernel', l.text),
    }));
    const unit = last ? `${last.job.replace(/\.timer$/, '.service')}` : '';
    const units = unitEndingLines(pkg, this.node, unit).map((text) => ({ atMs: last?.endedMs ?? 0, text }));
    const joined = (ls: { text: string }[]) => (ls.length ? `${ls.map((l) => l.text).join('\n')}\n` : '');
    this.logCache = {
      key,
      kern: joined(kernel),
      syslog: joined([...kernel, ...units].sort((a, b) => a.atMs - b.atMs)),
    };
    return this.logCache;
  }
}
