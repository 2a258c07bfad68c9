/**
 * A remediation run's lock and memory: the Lease that keeps two runs from overlapping,
 * with the run's progress in one annotation on it, so a run that crashed is picked up
 * where it stopped by the next one (after the dead holder's lease has expired). Writes
 * are serialized: nodes restarted in parallel share one Lease, and two writes from one
 * process racing each other would read as a lost lock.
 */
import type { ApiClient } from '../kube/api-client.ts';
import { LeaseLock } from '../kube/lease-lock.ts';
import type { Clock } from '../time/clock.ts';

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
  constructor(lease: string) {
    super(`lost ${lease} to another holder mid-run; stopped so two runs never act at once`);
    this.name = 'LockLostError';
  }
}

export class RunLock<P> {
  readonly lease: string;
  private readonly lock: LeaseLock;
  private readonly clock: Clock;
  private readonly durationMs: number;
  private chain: Promise<unknown> = Promise.resolve();

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
    for (;;) {
      if (await this.serial(() => this.lock.tryAcquire())) break;
      const cur = this.lock.lastSeen;
      if (this.clock.now() >= deadline) throw new LockHeldError(this.lease, cur?.holder ?? 'unknown');
      onWait?.(cur?.holder ?? 'unknown');
      await this.clock.sleep(5_000);
    }
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
    const ok = await this.serial(() => this.lock.tryAcquire({ [progressKey]: JSON.stringify(progress) }));
    if (!ok) throw new LockLostError(this.lease);
  }

  /**
   * Lets go. A finished run is marked so no later run resumes it; a stopped one keeps its
   * progress, so the rerun after the operator has looked skips what is already done.
   */
  async release(progress: P, finished: boolean): Promise<void> {
    await this.serial(() => this.lock.release({ [progressKey]: JSON.stringify({ ...progress, finished }) }));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => {});
    return next;
  }
}
