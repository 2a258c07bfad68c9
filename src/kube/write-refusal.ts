/**
 * Why the API server refused a write, read from the status and message it answered with.
 * The live write probe and the replay's share this one reading, so both name a refusal alike.
 *
 * The texts are kube-apiserver's own:
 * - A webhook that cannot be called (apiserver `admission/plugin/webhook/errors`
 *   ErrCallingWebhook, wrapped by `validating/dispatcher.go` and `mutating/dispatcher.go` as
 *   500 `Internal error occurred: failed calling webhook "NAME": failed to call webhook: Post
 *   "https://svc.ns.svc:443/path?timeout=10s": REASON`; before 1.9 `failed calling admission
 *   webhook "NAME"`). REASON is Go's: `context deadline exceeded`, `dial tcp …: i/o timeout`,
 *   `dial tcp …: connect: connection refused`, `no endpoints available for service "svc"`
 *   (the service resolver), `x509: certificate signed by unknown authority` or `tls: failed to
 *   verify certificate: x509: …`.
 * - A webhook that answered no (`errors/statuserror.go` ToStatusErr): `admission webhook
 *   "NAME" denied the request: MESSAGE` (or `… denied the request without explanation`),
 *   with the code the webhook chose (403 by default).
 * - A webhook whose side effects forbid a dry run (`errors.NewDryRunUnsupportedErr`): 400
 *   `admission webhook "NAME" does not support dry run`. Says nothing of the cluster.
 * - etcd's errors, passed through unconverted as 500: `etcdserver: mvcc: database space
 *   exceeded` under the NOSPACE alarm, `etcdserver: request timed out`, `leader changed`.
 * - The request deadline (`endpoints/filters/timeout.go`): 504 `Timeout: request did not
 *   complete within requested timeout - context deadline exceeded`.
 * - ResourceQuota admission: 403 `configmaps "x" is forbidden: exceeded quota: NAME, requested:
 *   …, used: …, limited: …`.
 * - RBAC: 403 `configmaps is forbidden: User "system:serviceaccount:ns:sa" cannot create
 *   resource "configmaps" in API group "" in the namespace "ns"`: kubetriage's role lacks the
 *   grant, which is not the cluster failing.
 */

export type WriteRefusalKind =
  /** A webhook call timed out, or the API server's own request deadline passed. */
  | 'timeout'
  /** The webhook's serving certificate is not trusted or does not fit its name. */
  | 'x509'
  /** Nothing listens at the webhook's endpoint. */
  | 'refused'
  /** The webhook's Service has no ready endpoint. */
  | 'no-endpoints'
  /** The webhook answered and said no. */
  | 'denied'
  /** etcd's NOSPACE alarm: the store takes no writes until it is defragmented and disarmed. */
  | 'etcd-space'
  /** Another etcd error (request timed out, leader changed). */
  | 'etcd'
  /** A ResourceQuota in the namespace is used up. */
  | 'quota'
  /** kubetriage's role lacks `create` there: a grant to add, not a cluster failure. */
  | 'forbidden'
  /** A webhook with side effects refuses dry runs: the probe cannot test this path. */
  | 'dry-run-unsupported'
  /** No HTTP answer came at all (refused, reset, our own deadline). */
  | 'no-answer'
  | 'other';

export interface WriteRefusal {
  kind: WriteRefusalKind;
  /** The webhook the message names, when it names one. */
  webhook?: string;
  /** The ResourceQuota the message names, for `quota`. */
  quota?: string;
}

/** Kinds that say nothing of the cluster's health, only of what kubetriage may or can test. */
export const notClusterFailures: ReadonlySet<WriteRefusalKind> = new Set([
  'forbidden',
  'dry-run-unsupported',
]);

const webhookCalled = /failed calling (?:admission )?webhook "([^"]+)"/;
const webhookDenied = /admission webhook "([^"]+)" denied the request/;
const dryRunUnsupported = /admission webhook "([^"]+)" does not support dry run/;

/** What a webhook call failed on, from Go's error text after the webhook's URL. */
function callFailure(message: string): WriteRefusalKind {
  if (/no endpoints available for service/.test(message)) return 'no-endpoints';
  if (/x509: |tls: failed to verify certificate|certificate has expired/.test(message)) return 'x509';
  if (/connection refused/.test(message)) return 'refused';
  if (/context deadline exceeded|i\/o timeout|Client\.Timeout|connection timed out/.test(message))
    return 'timeout';
  return 'other';
}

/** Reads one refused write: `status` is the HTTP status (0 or undefined when none came). */
export function parseWriteRefusal(status: number | undefined, message: string): WriteRefusal {
  const denied = webhookDenied.exec(message);
  if (denied) return { kind: 'denied', webhook: denied[1] };
  const dryRun = dryRunUnsupported.exec(message);
  if (dryRun) return { kind: 'dry-run-unsupported', webhook: dryRun[1] };
  const called = webhookCalled.exec(message);
  if (called) return { kind: callFailure(message.slice(called.index)), webhook: called[1] };
  const quota = /exceeded quota: ([^,:\s]+)/.exec(message);
  if (quota) return { kind: 'quota', quota: quota[1] };
  if (/database space exceeded/.test(message)) return { kind: 'etcd-space' };
  if (/etcdserver: /.test(message)) return { kind: 'etcd' };
  if (status === 403 && /cannot \w+ resource/.test(message)) return { kind: 'forbidden' };
  if (status === 504 || /Timeout: request did not complete/.test(message)) return { kind: 'timeout' };
  if (!status) return { kind: 'no-answer' };
  return { kind: 'other' };
}
