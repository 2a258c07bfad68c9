/**
 * kube-apiserver's health endpoints (`/livez`, `/readyz`, `/healthz`, and `/<endpoint>/<check>`)
 * with the named checks a v1.32 server registers, answered by the replica that got the
 * request. The format is apiserver `pkg/server/healthz/healthz.go` handleRootHealth:
 *
 *   [+]ping ok
 *   [-]etcd failed: reason withheld
 *   …
 *   readyz check failed
 *
 * with status 500 (and always verbose) when a check fails, `ok` or `… check passed` when
 * none does, `[+]x excluded: ok` for `?exclude=x`. A single check answers `ok` or
 * `internal server error: <err>`. The etcd check lives on all three endpoints and
 * `etcd-readiness` on readyz only (apiserver `pkg/server/options/etcd.go`);
 * `informer-sync` and `shutdown` are readyz-only too (`pkg/server/healthz.go`).
 */
import type { ServerResponse } from 'node:http';
import type { ReplicaView } from '../cluster/control-plane.ts';
import { sendText } from './http-io.ts';
import { pathNotFound } from './status.ts';

export type HealthEndpoint = 'livez' | 'readyz' | 'healthz';

/** The post-start hooks a v1.32 kube-apiserver reports, in its order. */
const postStartHooks = [
  'start-apiserver-admission-initializer',
  'generic-apiserver-start-informers',
  'priority-and-fairness-config-consumer',
  'priority-and-fairness-filter',
  'storage-object-count-tracker-hook',
  'start-apiextensions-informers',
  'start-apiextensions-controllers',
  'crd-informer-synced',
  'start-system-namespaces-controller',
  'start-cluster-authentication-info-controller',
  'start-kube-apiserver-identity-lease-controller',
  'start-kube-apiserver-identity-lease-garbage-collector',
  'start-legacy-token-tracking-controller',
  'start-service-ip-repair-controllers',
  'rbac/bootstrap-roles',
  'scheduling/bootstrap-system-priority-classes',
  'priority-and-fairness-config-producer',
  'bootstrap-controller',
  'aggregator-reload-proxy-client-cert',
  'start-kube-aggregator-informers',
  'apiservice-status-local-available-controller',
  'apiservice-status-remote-available-controller',
  'apiservice-registration-controller',
  'apiservice-discovery-controller',
  'kube-apiserver-autoregistration',
].map((h) => `poststarthook/${h}`);

/** Each check's name and, when it fails, the error it logs. */
export function healthChecks(
  endpoint: HealthEndpoint,
  replica?: ReplicaView,
): { name: string; error?: string }[] {
  // The etcd prober's error when the Get of /registry/health does not come back
  // (apiserver storagebackend/factory/etcd3.go): the reason itself is withheld from clients.
  const etcdError = replica?.etcd ? 'error getting data from etcd: context deadline exceeded' : undefined;
  const etcd = { name: 'etcd', error: etcdError };
  const names: { name: string; error?: string }[] = [{ name: 'ping' }, { name: 'log' }, etcd];
  if (endpoint === 'readyz')
    names.push({ name: 'etcd-readiness', error: etcdError }, { name: 'informer-sync' });
  names.push(...postStartHooks.map((name) => ({ name })), { name: 'autoregister-completion' });
  names.push(
    { name: 'poststarthook/apiservice-openapi-controller' },
    { name: 'poststarthook/apiservice-openapiv3-controller' },
  );
  if (endpoint === 'readyz') names.push({ name: 'shutdown' });
  return names;
}

/**
 * How long the answer waits on its etcd check: the prober's Get of the health key through
 * the replica's etcd client, bounded by `--etcd-healthcheck-timeout` (2 s). A slow disk
 * under etcd makes /livez and /readyz that much slower; /version never waits.
 */
export const etcdHealthcheckTimeoutMs = 2_000;

export function healthWaitMs(
  sub: string,
  q: URLSearchParams,
  replica: ReplicaView | undefined,
  etcdLatencyMs: number,
): number {
  const checksEtcd = sub ? sub === 'etcd' || sub === 'etcd-readiness' : !q.getAll('exclude').includes('etcd');
  if (!checksEtcd) return 0;
  return replica?.etcd ? etcdHealthcheckTimeoutMs : Math.min(etcdLatencyMs, etcdHealthcheckTimeoutMs);
}

/** The status and text a health endpoint answers with. */
export function healthAnswer(
  endpoint: HealthEndpoint,
  sub: string,
  q: URLSearchParams,
  replica?: ReplicaView,
): { status: number; body: string } {
  const checks = healthChecks(endpoint, replica);
  if (sub) {
    const check = checks.find((c) => c.name === sub);
    if (!check) throw pathNotFound();
    return check.error
      ? { status: 500, body: `internal server error: ${check.error}\n` }
      : { status: 200, body: 'ok' };
  }
  const excluded = new Set(q.getAll('exclude'));
  let out = '';
  let failed = false;
  for (const c of checks) {
    if (excluded.delete(c.name)) out += `[+]${c.name} excluded: ok\n`;
    else if (c.error) {
      out += `[-]${c.name} failed: reason withheld\n`;
      failed = true;
    } else out += `[+]${c.name} ok\n`;
  }
  if (excluded.size > 0)
    out += `warn: some health checks cannot be excluded: no matches for ${[...excluded].map((e) => `"${e}"`).join(',')}\n`;
  // Failures are always verbose, and http.Error ends the text with a newline.
  if (failed) return { status: 500, body: `${out}${endpoint} check failed\n` };
  if (q.has('verbose')) return { status: 200, body: `${out}${endpoint} check passed\n` };
  return { status: 200, body: 'ok' };
}

export function serveHealth(
  endpoint: HealthEndpoint,
  sub: string,
  q: URLSearchParams,
  res: ServerResponse,
  replica?: ReplicaView,
): void {
  const { status, body } = healthAnswer(endpoint, sub, q, replica);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  sendText(res, status, body, 'text/plain; charset=utf-8');
}
