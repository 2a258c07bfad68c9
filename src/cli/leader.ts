/**
 * Leader election for `serve --leader-elect`: two or more replicas watch the same cluster,
 * one acts. Held as a coordination.k8s.io Lease through LeaseLock, the way client-go's
 * leaderelection does: the leader renews every third of the lease duration; a follower
 * tries every sixth, and LeaseLock lets it take over only once the record has stood still
 * for a whole duration on its own clock. A leader whose renewals keep failing stops acting
 * after two thirds of the duration (client-go's RenewDeadline), before anyone else may take
 * over, so two replicas never act at once. The deadline is a timer armed at each successful
 * renewal, not a check made when an attempt returns: an attempt that hangs (an API server
 * that accepts the connection and never answers) must not keep a leader acting. After a
 * failed attempt the next comes sooner, at the follower's pace.
 */
import { hostname } from 'node:os';
import type { LeaseLock } from '../kube/lease-lock.ts';
import type { Clock, Timer } from '../time/clock.ts';

export interface LeaderElectionOptions {
  lock: Pick<LeaseLock, 'tryAcquire' | 'release'>;
  clock: Clock;
  leaseDurationMs: number;
  /** Called on becoming leader, before the first round (restore the record). */
  onStartedLeading: () => Promise<void>;
  onStoppedLeading: (why: string) => void;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export class LeaderElection {
  private readonly o: LeaderElectionOptions;
  private timer: Timer | undefined;
  /** Fires at the renew deadline unless a renewal re-arms it first. */
  private watchdog: Timer | undefined;
  private lastFailed = false;
  private stopped = false;
  private stepping: Promise<void> | undefined;
  /** True once onStartedLeading has finished: the only state in which this replica acts. */
  leading = false;

  constructor(o: LeaderElectionOptions) {
    this.o = o;
  }

  get renewEveryMs(): number {
    return this.o.leaseDurationMs / 3;
  }

  get retryEveryMs(): number {
    return this.o.leaseDurationMs / 6;
  }

  get renewDeadlineMs(): number {
    return (this.o.leaseDurationMs * 2) / 3;
  }

  start(): void {
    this.tick();
  }

  private tick(): void {
    if (this.stopped) return;
    this.stepping = this.step().finally(() => {
      this.stepping = undefined;
      if (this.stopped) return;
      const next = this.leading && !this.lastFailed ? this.renewEveryMs : this.retryEveryMs;
      this.timer = this.o.clock.after(next, () => this.tick());
    });
  }

  /** One attempt to take or keep the lease. */
  async step(): Promise<void> {
    // The claim dates from when the attempt started: that is the renewTime it writes.
    const startedMs = this.o.clock.now();
    let held: boolean;
    try {
      held = await this.o.lock.tryAcquire();
    } catch (err) {
      this.lastFailed = true;
      this.o.log?.('lease renewal failed', { error: (err as Error).message });
      return;
    }
    this.lastFailed = false;
    if (!held) {
      // Someone else holds it (or won a race): a leader that sees this has already lost.
      if (this.leading) this.lose('another replica holds the lease');
      return;
    }
    const deadlineMs = startedMs + this.renewDeadlineMs;
    if (this.o.clock.now() >= deadlineMs) {
      // Answered so late that a leader's deadline has passed (its watchdog has fired).
      this.o.log?.('lease renewal answered too late', { ms: this.o.clock.now() - startedMs });
      return;
    }
    this.watchdog?.cancel();
    this.watchdog = this.o.clock.after(deadlineMs - this.o.clock.now(), () => {
      if (this.leading)
        this.lose(`could not renew the lease for ${Math.round((this.o.clock.now() - startedMs) / 1000)}s`);
    });
    if (!this.leading) {
      try {
        await this.o.onStartedLeading();
      } catch (err) {
        // Holding the lease but unable to pick up the record (store down): acting now could
        // open incidents twice, so keep the lease and try again at the next renewal.
        this.o.log?.('cannot start leading yet', { error: (err as Error).message });
        return;
      }
      // A slow restore may outlast the claim it started under; the next renewal decides.
      if (this.o.clock.now() >= deadlineMs) return;
      this.leading = true;
    }
  }

  private lose(why: string): void {
    this.watchdog?.cancel();
    this.watchdog = undefined;
    this.leading = false;
    this.o.onStoppedLeading(why);
  }

  /** Stops trying; a leader lets go of the lease so a successor need not wait it out. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.watchdog?.cancel();
    await this.stepping;
    if (this.leading) {
      this.leading = false;
      await this.o.lock.release().catch(() => {});
    }
  }
}

/** Who this replica is in the Lease: the pod name in a cluster, else host, pid and a suffix. */
export function defaultIdentity(): string {
  return process.env.POD_NAME ?? `${hostname()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}
