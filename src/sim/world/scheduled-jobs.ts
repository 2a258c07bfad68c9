/**
 * Node-local scheduled jobs (systemd timers) that can break their machine: each day at the
 * timer's calendar time plus a random delay (RandomizedDelaySec, drawn per machine and
 * day), the job runs for a while; a run longer than its timeout is killed, leaving
 * packages half-installed, and such a run (or every run, as the file says) may break the
 * machine the way the fault describes until a reboot or a replacement clears it. A run
 * that completes leaves a newer kernel waiting for the next boot; a machine that has
 * upgraded cleanly has nothing left to do the next day. New machines that match the
 * fault's nodes come from the same image and carry the timer too.
 */
import type { Clock, Timer } from '../../time/clock.ts';
import type { Fault } from '../scenario/schema.ts';
import { nextDailyFiring, parseDailyCalendar, parseDuration } from '../scenario/time-spec.ts';
import type { NodeEffect, NodeMachines } from './node-machines.ts';

type JobFault = Extract<Fault, { type: 'node-scheduled-job' }>;

/** What a run that breaks the machine does to it. */
export function breakage(effect: JobFault['breaks']['effect'], f: JobFault): NodeEffect {
  const common = { clearedBy: f.clearedBy, rebootFixProbability: f.rebootFixProbability };
  switch (effect) {
    case 'network-total-loss':
      return { ...common, podNetworkDown: true, hostNetworkDown: true };
    case 'network-partial-loss':
      return { ...common, updateFailureRate: 0.5, podDnsBroken: true };
    case 'dns-broken':
      return { ...common, podDnsBroken: true, hostDnsBroken: true };
    case 'host-dns-broken':
      // The node's own resolver only (/etc/resolv.conf lists no server): pods still resolve
      // through cluster DNS, whose running servers keep the upstreams they started with.
      return { ...common, hostDnsBroken: true };
    case 'kubelet-stopped':
      return { ...common, kubeletStopped: true };
    case 'node-hang':
      return { ...common, kubeletStopped: true, podNetworkDown: true, hostNetworkDown: true };
  }
}

export class ScheduledJob {
  private readonly f: JobFault;
  private readonly source: string;
  private readonly clock: Clock;
  private readonly machines: NodeMachines;
  private readonly random: () => number;
  private readonly timers = new Map<string, Timer>();
  private readonly disabled = new Set<string>();
  private disabledEverywhere = false;

  constructor(o: {
    fault: JobFault;
    source: string;
    clock: Clock;
    machines: NodeMachines;
    random: () => number;
  }) {
    this.f = o.fault;
    this.source = o.source;
    this.clock = o.clock;
    this.machines = o.machines;
    this.random = o.random;
  }

  get name(): string {
    return this.f.job.name;
  }

  /** The timer is on this machine (its image carries it): schedule the next run. */
  install(node: string): void {
    if (this.disabledEverywhere || this.timers.has(node)) return;
    const timers = this.machines.timers.get(node) ?? [];
    if (!timers.some((t) => t.name === this.f.job.name))
      this.machines.timers.set(node, [
        ...timers,
        {
          name: this.f.job.name,
          onCalendar: this.f.job.onCalendar,
          randomizedDelay: this.f.job.randomizedDelay,
          upgrades: true,
        },
      ]);
    this.machines.apply(node);
    this.scheduleNext(node, this.clock.now());
  }

  /** `systemctl disable --now`: no more runs here (or anywhere, and on future machines). */
  disable(node?: string): void {
    const nodes = node ? [node] : [...this.timers.keys()];
    if (!node) this.disabledEverywhere = true;
    for (const n of nodes) {
      this.timers.get(n)?.cancel();
      this.timers.delete(n);
      this.disabled.add(n);
      this.machines.disableTimer(n, this.f.job.name);
    }
  }

  forget(node: string): void {
    this.timers.get(node)?.cancel();
    this.timers.delete(node);
  }

  stop(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  private scheduleNext(node: string, fromMs: number): void {
    const daily = parseDailyCalendar(this.f.job.onCalendar);
    if (!daily) return;
    const base = nextDailyFiring(daily, fromMs);
    const delay = this.random() * (parseDuration(this.f.job.randomizedDelay ?? '') ?? 0);
    const at = base + delay;
    this.timers.set(
      node,
      this.clock.after(at - this.clock.now(), () => this.run(node, base + 1_000)),
    );
  }

  private run(node: string, nextFromMs: number): void {
    this.timers.delete(node);
    if (this.disabled.has(node) || this.machines.isDown(node)) {
      if (!this.disabled.has(node)) this.scheduleNext(node, nextFromMs);
      return;
    }
    const pkg = this.machines.packageState(node);
    const { min, max } = this.f.job.runtime;
    const lo = parseDuration(min) ?? 0;
    const hi = parseDuration(max) ?? lo;
    // Nothing left to upgrade after a clean run: the job finishes in a moment.
    const clean = pkg.lastRun?.job === this.f.job.name && pkg.lastRun.result === 'success';
    const runtime = clean ? 30_000 : lo + this.random() * (hi - lo);
    const timeout = parseDuration(this.f.job.timeout ?? '');
    const killed = !clean && timeout !== undefined && runtime > timeout;
    const startedMs = this.clock.now();
    pkg.running = {
      job: this.f.job.name,
      sinceMs: startedMs,
      scheduledMs: nextFromMs - 1_000,
      packages: clean ? [] : (this.f.job.changes?.packages ?? []),
    };
    this.machines.apply(node);
    this.timers.set(
      node,
      this.clock.after(killed ? (timeout ?? runtime) : runtime, () => {
        this.timers.delete(node);
        pkg.running = undefined;
        const now = this.clock.now();
        const changes = this.f.job.changes;
        if (!clean && changes) {
          // The kernel package goes in early; the rest is what a killed run leaves half done.
          if (changes.kernel) pkg.pendingKernel = changes.kernel;
          if (killed) pkg.halfInstalled = [...changes.packages];
          else {
            pkg.halfInstalled = [];
            pkg.upgradedPackages = [...changes.packages];
          }
        }
        pkg.lastRun = {
          job: this.f.job.name,
          result: killed ? 'timeout' : 'success',
          startedMs,
          endedMs: now,
          packages: clean ? [] : [...(changes?.packages ?? [])],
        };
        const breaks = this.f.breaks.when === 'always' || killed;
        if (!clean && breaks && this.random() < this.f.breaks.probability) {
          this.machines.set(node, `${this.source}@${startedMs}`, breakage(this.f.breaks.effect, this.f));
        } else this.machines.apply(node);
        this.scheduleNext(node, nextFromMs);
      }),
    );
  }
}
