/**
 * A remediation run's lock and memory: the Lease that keeps two runs from overlapping,
 * with the run's progress in one annotation on it, so a run that crashed is picked up
 * where it stopped by the next one (after the dead holder's lease has expired). Writes
 * are serialized: nodes restarted in parallel share one Lease, and two writes from one
 * process racing each other would read as a lost lock.
 *
 * The lock renews itself every third of the lease duration from acquire to release, as
 * client-go's leader election does, so a run that waits long (a node taking 15 minutes to
 * come back, a slow restart hook) keeps it. A renewal that finds another holder, or
 * renewals failing for two thirds of the duration (client-go's RenewDeadline, before anyone
 * else may take over), mark the lock lost: the next save() or check() throws, and the run
 * stops before it acts again.
 */
import { type ApiClient, ApiRequestError } from '../kube/api-client.ts';
import { LeaseLock } from '../kube/lease-lock.ts';
import type { Clock, Timer } from '../time/clock.ts';

const progressKey = 'kubetriage.io/progress';

export class LockHeldError extends Error {
  readonly holder: string;
  constructor(lease: string, holder: string) {
    super(
      `another run holds ${lease} (holder ${holder}); two runs must never overlap: wait for it, or if it died, rerun after its lease expires`,
    );
    this.name = 'LockHeldError';
    this.holder = holder;
  }
}

export class LockLostError extends Error {
  constructor(lease: string, how = `lost ${lease} to another holder`) {
    super(`${how} mid-run; stopped so two runs never act at once`);
    this.name = 'LockLostError';
  }
}

export class RunLock<P> {
  readonly lease: string;
  private readonly lock: LeaseLock;
  private readonly clock: Clock;
  private readonly durationMs: number;
  private chain: Promise<unknown> = Promise.resolve();
  private renewal: Timer | undefined;
  /** When the last successful write started (our clock): the claim dates from then. */
  private renewedAtMs = 0;
  /** Why the lock is lost, once it is. */
  private lost: string | undefined;

  constructor(o: {
    api: ApiClient;
    namespace: string;
    name: string;
    holder: string;
    clock: Clock;
    leaseDurationMs?: number;
  }) {
    this.durationMs = o.leaseDurationMs ?? 60_000;
    this.clock = o.clock;
    this.lease = `lease/${o.namespace}/${o.name}`;
    this.lock = new LeaseLock({
      api: o.api,
      namespace: o.namespace,
      name: o.name,
      holder: o.holder,
      leaseDurationMs: this.durationMs,
      clock: o.clock,
    });
  }

  /**
   * Takes the lock and returns the unfinished progress a crashed run left, if any. When
   * another holder's lease is live, waits up to one lease duration for it to expire (a
   * crashed run stops renewing; a live one keeps renewing and we give up).
   */
  async acquire(onWait?: (holder: string) => void): Promise<P | undefined> {
    const deadline = this.clock.now() + this.durationMs + 5_000;
    let failure: ApiRequestError | undefined;
    for (;;) {
      // A timeout, 429 or 5xx is a round lost, not the run's end: client-go's leader
      // election likewise retries a failed acquire until its deadline (leaderelection.go,
      // tryAcquireOrRenew errors are logged and retried).
      const got = await this.serial(() => this.lock.tryAcquire()).catch((err: unknown) => {
        if (!isTransient(err)) throw err;
        failure = err;
        return false;
      });
      if (got) break;
      const cur = this.lock.lastSeen;
      if (this.clock.now() >= deadline) {
        if (!cur && failure) throw failure;
        throw new LockHeldError(this.lease, cur?.holder ?? 'unknown');
      }
      onWait?.(cur?.holder ?? 'unknown');
      await this.clock.sleep(5_000);
    }
    this.renewedAtMs = this.clock.now();
    this.lost = undefined;
    this.scheduleRenewal(this.durationMs / 3);
    const raw = this.lock.lastSeen?.annotations[progressKey];
    if (!raw) return undefined;
    try {
      const p = JSON.parse(raw) as P & { finished?: boolean };
      return p.finished ? undefined : p;
    } catch {
      return undefined;
    }
  }

  /** Renews the lease and writes the progress; throws if someone else took the lock. */
  async save(progress: P): Promise<void> {
    this.check();
    const ok = await this.serial(() => this.write({ [progressKey]: JSON.stringify(progress) }));
    if (!ok) this.lose(`lost ${this.lease} to another holder`);
    this.check();
  }

  /** Throws LockLostError once the lock is lost; cheap, for the checks between steps. */
  check(): void {
    if (this.lost) throw new LockLostError(this.lease, this.lost);
  }

  /**
   * Lets go. A finished run is marked so no later run resumes it; a stopped one keeps its
   * progress, so the rerun after the operator has looked skips what is already done.
   */
  async release(progress: P, finished: boolean): Promise<void> {
    this.abandon();
    await this.serial(() => this.lock.release({ [progressKey]: JSON.stringify({ ...progress, finished }) }));
  }

  /**
   * Stops renewing without letting go, as a crash would: the Lease expires after one
   * duration and the next run resumes from the progress saved on it.
   */
  abandon(): void {
    this.renewal?.cancel();
    this.renewal = undefined;
  }

  private scheduleRenewal(ms: number): void {
    this.renewal = this.clock.after(ms, () => {
      // Queued behind any save in flight; a release queued before it makes it a no-op.
      this.serial(() => (this.renewal ? this.write() : Promise.resolve(true))).then(
        (ok) => {
          if (!ok) return this.lose(`lost ${this.lease} to another holder`);
          if (this.renewal) this.scheduleRenewal(this.durationMs / 3);
        },
        (err: unknown) => {
          const silentMs = this.clock.now() - this.renewedAtMs;
          if (silentMs >= (this.durationMs * 2) / 3)
            return this.lose(
              `could not renew ${this.lease} for ${Math.round(silentMs / 1000)}s (${(err as Error).message})`,
            );
          // Try again sooner than a full interval: the claim is running out.
          if (this.renewal) this.scheduleRenewal(this.durationMs / 6);
        },
      );
    });
  }

  /** One renewal (with progress, when given); records when a successful one started. */
  private async write(annotations?: Record<string, string>): Promise<boolean> {
    const startedMs = this.clock.now();
    const ok = await this.lock.tryAcquire(annotations);
    if (ok) this.renewedAtMs = startedMs;
    return ok;
  }

  private lose(why: string): void {
    this.lost ??= why;
    this.abandon();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => {});
    return next;
  }
}

/** No answer, throttled, or a server error: worth another try before giving up. */
function isTransient(err: unknown): err is ApiRequestError {
  return err instanceof ApiRequestError && (err.status === 0 || err.status === 429 || err.status >= 500);
}
