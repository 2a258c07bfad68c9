/**
 * A lock held as a coordination.k8s.io/v1 Lease, the way client-go's leader election holds
 * one (k8s.io/client-go/tools/leaderelection/resourcelock/leaselock.go and
 * leaderelection.go): `holderIdentity` names the holder, `renewTime` +
 * `leaseDurationSeconds` say how long the claim lasts, `leaseTransitions` counts changes
 * of holder, and every write is an optimistic update on `resourceVersion`, so two
 * contenders can never both win (the loser gets 409 Conflict).
 *
 * Expiry is judged as client-go judges it: not from the holder's `renewTime` (the two
 * machines' clocks may disagree) but from when *we* last saw the record change. A lease
 * whose record has not moved for a whole `leaseDurationSeconds` of our own clock is
 * expired, whatever its timestamps say. A process that has just started therefore waits
 * one lease duration before taking over a lease that someone else held.
 *
 * Annotations ride on the Lease, so a holder can keep a little state next to its claim
 * (a remediation run's progress, for resuming after a crash).
 */
import { type Clock, rfc3339Micro } from '../time/clock.ts';
import { type ApiClient, ApiRequestError } from './api-client.ts';

export interface LeaseLockOptions {
  api: ApiClient;
  namespace: string;
  name: string;
  /** Who we are: unique per process (pod name, or user@host plus a run id). */
  holder: string;
  leaseDurationMs: number;
  clock: Clock;
}

export interface LeaseRecord {
  holder: string;
  /** renewTime, in the holder's clock. */
  renewMs: number;
  durationMs: number;
  transitions: number;
  annotations: Record<string, string>;
  /** Changes with every write, even one that repeats the same renewTime. */
  resourceVersion: string;
}

interface LeaseObject {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: {
    name: string;
    namespace: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
  };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export class LeaseLock {
  private readonly o: LeaseLockOptions;
  /** The record as we last saw it, and when (our clock) it last changed. */
  private observed: { key: string; atMs: number } | undefined;
  /**
   * The Lease as our last read or write of it left it (undefined before any): who holds
   * it and its annotations, with no second GET after `tryAcquire`.
   */
  lastSeen: LeaseRecord | undefined;

  constructor(o: LeaseLockOptions) {
    if (o.leaseDurationMs < 1000) throw new Error('a lease lasts at least one second');
    this.o = o;
  }

  get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.o.namespace)}/leases/${encodeURIComponent(this.o.name)}`;
  }

  private get collectionPath(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.o.namespace)}/leases`;
  }

  /** The Lease as it stands, or undefined when there is none. */
  async current(): Promise<LeaseRecord | undefined> {
    const lease = await this.read();
    return lease ? recordOf(lease) : undefined;
  }

  /**
   * Takes the lock or keeps it: creates the Lease when there is none, renews it when we
   * hold it, takes it over when it is free or expired. False when someone else holds it or
   * won a race for it. `annotations` are merged into the Lease's annotations on success.
   */
  async tryAcquire(annotations: Record<string, string> = {}): Promise<boolean> {
    const now = this.o.clock.now();
    const lease = await this.read();
    if (!lease) return this.create(now, annotations);
    const rec = recordOf(lease);
    this.observe(rec, now);
    const ours = rec.holder === this.o.holder;
    if (!ours && rec.holder !== '' && !this.expired(now, rec)) return false;
    const spec = lease.spec;
    const next: LeaseObject = {
      ...lease,
      metadata: {
        ...lease.metadata,
        annotations: { ...lease.metadata.annotations, ...annotations },
      },
      spec: {
        ...spec,
        holderIdentity: this.o.holder,
        leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
        renewTime: rfc3339Micro(now),
        acquireTime: ours ? spec.acquireTime : rfc3339Micro(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (ours ? 0 : 1),
      },
    };
    return this.write('PUT', this.path, next, now);
  }

  /**
   * Lets go, as client-go's ReleaseOnCancel does: clears the holder and shortens the lease
   * to one second so a successor need not wait out the full duration. A no-op when we do
   * not hold the lock. `annotations` (e.g. a finished run's summary) are written with it.
   */
  async release(annotations: Record<string, string> = {}): Promise<void> {
    const lease = await this.read();
    if (!lease || lease.spec.holderIdentity !== this.o.holder) return;
    const now = this.o.clock.now();
    await this.write(
      'PUT',
      this.path,
      {
        ...lease,
        metadata: { ...lease.metadata, annotations: { ...lease.metadata.annotations, ...annotations } },
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: rfc3339Micro(now) },
      },
      now,
    );
  }

  private expired(now: number, rec: LeaseRecord): boolean {
    const seenAt = this.observed?.atMs ?? now;
    return seenAt + rec.durationMs <= now;
  }

  private observe(rec: LeaseRecord, now: number): void {
    this.lastSeen = rec;
    const key = `${rec.holder}\u0000${rec.renewMs}\u0000${rec.durationMs}\u0000${rec.resourceVersion}`;
    if (this.observed?.key !== key) this.observed = { key, atMs: now };
  }

  private async read(): Promise<LeaseObject | undefined> {
    try {
      return (await this.o.api.getJson<LeaseObject>(this.path)).body;
    } catch (err) {
      if (err instanceof ApiRequestError && err.status === 404) {
        this.lastSeen = undefined;
        return undefined;
      }
      throw err;
    }
  }

  private create(now: number, annotations: Record<string, string>): Promise<boolean> {
    const lease: LeaseObject = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.o.name,
        namespace: this.o.namespace,
        ...(Object.keys(annotations).length ? { annotations } : {}),
      },
      spec: {
        holderIdentity: this.o.holder,
        leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
        acquireTime: rfc3339Micro(now),
        renewTime: rfc3339Micro(now),
        leaseTransitions: 0,
      },
    };
    return this.write('POST', this.collectionPath, lease, now);
  }

  /** One optimistic write; a 409 (someone else wrote first) is a lost race, not an error. */
  private async write(
    method: 'POST' | 'PUT',
    path: string,
    lease: LeaseObject,
    now: number,
  ): Promise<boolean> {
    try {
      const saved = (await this.o.api.send<LeaseObject>(method, path, lease)).body;
      this.observe(recordOf(saved), now);
      return true;
    } catch (err) {
      if (err instanceof ApiRequestError && err.status === 409) return false;
      throw err;
    }
  }
}

function recordOf(lease: LeaseObject): LeaseRecord {
  const s = lease.spec ?? {};
  const renew = s.renewTime ? Date.parse(s.renewTime) : Number.NaN;
  return {
    holder: s.holderIdentity ?? '',
    renewMs: Number.isFinite(renew) ? renew : 0,
    durationMs: (s.leaseDurationSeconds ?? 0) * 1000,
    transitions: s.leaseTransitions ?? 0,
    annotations: lease.metadata?.annotations ?? {},
    resourceVersion: lease.metadata?.resourceVersion ?? '',
  };
}
