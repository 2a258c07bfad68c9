/**
 * The control plane in the request path: every request reaches one kube-apiserver replica,
 * and what that replica can do decides the answer, as a client would meet it.
 *
 * - A replica that is down drops the connection (the balancer's backend is gone).
 * - Requests that must read or write etcd wait on it: writes, and reads without a
 *   `resourceVersion` (quorum reads; `resourceVersion=0` and watches are served from the
 *   watch cache and keep working). Cut off from its own member (stacked etcd, the dial to
 *   127.0.0.1:2379 refused), a replica answers when the request's deadline passes, with
 *   the timeout filter's 504 (apiserver `endpoints/filters/timeout.go`:
 *   `Timeout: request did not complete within requested timeout - context deadline
 *   exceeded`). Without a raft leader etcd itself gives up after its request timeout and
 *   the apiserver passes its error on unconverted: 500 `etcdserver: request timed out`
 *   (`apiserver received an error that is not an metav1.Status: rpctypes.EtcdError{…}`).
 * - A slow etcd disk adds its latency to each such round trip; past etcd's own timeout it
 *   is the same `etcdserver: request timed out`.
 * - Under the NOSPACE alarm etcd refuses writes (reads and deletes still work):
 *   500 `etcdserver: mvcc: database space exceeded`.
 * - A dry-run create (`?dryRun=All`) writes nothing: the storage layer only reads the key to
 *   refuse a name already taken, and carries on whatever that read returns
 *   (apiserver `registry/generic/registry/dryrun.go` DryRunnableStorage.Create). So etcd's
 *   errors never reach it, only etcd's delay and the request deadline do.
 */
import type { Clock } from '../../time/clock.ts';
import { type ControlPlane, etcdRequestTimeoutMs, type ReplicaView } from '../cluster/control-plane.ts';
import { ApiError } from './status.ts';

/** The replica's process is gone: the connection is dropped without an answer. */
export class ReplicaUnavailable extends Error {}

/** kube-apiserver's `--request-timeout` default. */
const defaultRequestTimeoutMs = 60_000;

/** Picks the replica that serves this request, or throws when it is down. */
export function routeToReplica(cp: ControlPlane): ReplicaView {
  const r = cp.route();
  if (!r.serving) throw new ReplicaUnavailable(`kube-apiserver on ${r.member.name} is down`);
  return r;
}

/** Whether the request must reach etcd (and fails when etcd cannot be reached). */
export function needsEtcd(method: string, q: URLSearchParams, watch: boolean): boolean {
  if (method !== 'GET') return true;
  if (watch) return false;
  const rv = q.get('resourceVersion');
  return rv === null || rv === '';
}

/** `?timeout=32s` (what client-go sends) as milliseconds, capped at the server's default. */
function requestDeadlineMs(q: URLSearchParams): number {
  const t = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(q.get('timeout') ?? '');
  if (!t) return defaultRequestTimeoutMs;
  const ms = Number(t[1]) * (t[2] === 'ms' ? 1 : t[2] === 's' ? 1000 : 60_000);
  return Math.min(ms, defaultRequestTimeoutMs);
}

/** The etcd round trip of one request on `replica`: waits as etcd would, then throws its error. */
export async function etcdRoundTrip(
  cp: ControlPlane,
  replica: ReplicaView,
  clock: Clock,
  req: { method: string; q: URLSearchParams },
): Promise<void> {
  if (replica.etcd === 'member-down') {
    await clock.sleep(requestDeadlineMs(req.q));
    throw new ApiError(
      504,
      'Timeout',
      'Timeout: request did not complete within requested timeout - context deadline exceeded',
      {},
    );
  }
  const latency = cp.etcdLatencyMs();
  if (replica.etcd === 'no-quorum' || replica.etcd === 'slow' || latency >= etcdRequestTimeoutMs) {
    await clock.sleep(etcdRequestTimeoutMs);
    throw etcdError('etcdserver: request timed out');
  }
  if (latency > 0) await clock.sleep(latency);
  if (cp.noSpace() && req.method !== 'GET' && req.method !== 'DELETE')
    throw etcdError('etcdserver: mvcc: database space exceeded');
}

/** The etcd step of a dry-run create: a quorum read whose own errors are ignored (see above). */
export async function dryRunCreateRoundTrip(
  cp: ControlPlane,
  replica: ReplicaView,
  clock: Clock,
  q: URLSearchParams,
): Promise<void> {
  try {
    await etcdRoundTrip(cp, replica, clock, { method: 'GET', q });
  } catch (err) {
    // The request deadline still ends the request (the timeout filter answers 504).
    if (err instanceof ApiError && err.code === 504) throw err;
  }
}

/** Whether a request is a dry-run create, which never writes to etcd. */
export function isDryRunCreate(method: string, q: URLSearchParams, named: boolean): boolean {
  return method === 'POST' && !named && q.get('dryRun') === 'All';
}

/** An error from etcd the apiserver does not convert: code 500, no reason (StatusReasonUnknown). */
function etcdError(message: string): ApiError {
  return new ApiError(500, '', message);
}
