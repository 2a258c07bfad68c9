/**
 * Small readers shared by the component detectors: the text and time of a tailed log
 * record, and what kind of transport failure an error string describes, whether Go's
 * net package wrote it (`dial tcp 10.96.0.1:443: i/o timeout`) or Node's (`ECONNREFUSED`).
 */
import type { LogObservation } from '../observe/cluster-view.ts';

/** The record as the component wrote it. */
export function logText(o: LogObservation): string {
  const e = o.entry;
  return e.format === 'raw' ? e.text : e.record.raw;
}

/**
 * When the line was written: klog's own header time, else (CoreDNS has no timestamp) when
 * the tail was read. A header more than a day ahead of the read is a wrong year guess.
 */
export function logTimeMs(o: LogObservation): number {
  if (o.entry.format === 'klog') {
    const at = o.entry.record.atMs;
    if (at <= o.atMs + 86_400_000) return at;
  }
  return o.atMs;
}

/** Log observations written within `windowMs` before `nowMs`, oldest first. */
export function recentLogs(
  logs: { toArray(): LogObservation[] },
  nowMs: number,
  windowMs: number,
): LogObservation[] {
  return logs.toArray().filter((o) => {
    const at = logTimeMs(o);
    return at >= nowMs - windowMs && at <= nowMs + 60_000;
  });
}

/**
 * How a connection failed; `http-timeout` is the one after TCP and TLS worked: the server was
 * reached and did not answer its request in time (the node agent's GET /livez stage).
 */
export type TransportErrorKind =
  | 'refused'
  | 'no-route'
  | 'dns'
  | 'tls'
  | 'timeout'
  | 'reset'
  | 'http-timeout';

// Ordered: the more specific cause wins (an x509 error is TLS, a TLS handshake timeout a timeout).
// No bare `timeout`: request URLs carry `?timeout=32s`.
const KINDS: [needles: string[], kind: TransportErrorKind][] = [
  [['connection refused', 'ECONNREFUSED'], 'refused'],
  [['no route to host', 'network is unreachable', 'EHOSTUNREACH', 'ENETUNREACH'], 'no-route'],
  [['no such host', 'ENOTFOUND', 'EAI_AGAIN', 'server misbehaving'], 'dns'],
  [['x509:', 'certificate', 'tls: ', 'CERT_', 'SSL'], 'tls'],
  [
    [
      'i/o timeout',
      'handshake timeout',
      'Timeout exceeded',
      'deadline exceeded',
      'ETIMEDOUT',
      'timed out',
      'request timeout',
      'Connect Timeout',
      'TimeoutError',
      'timeout awaiting',
    ],
    'timeout',
  ],
  [
    [
      'connection reset',
      'ECONNRESET',
      'socket hang up',
      'EOF',
      'connection lost',
      'broken pipe',
      'EPIPE',
      'UND_ERR_SOCKET',
    ],
    'reset',
  ],
];

/**
 * Errors the API server itself answered with: the connection worked, the server could not
 * serve the request (etcd timing out or gone). Not a transport failure, whatever words follow.
 */
const serverAnswers = ['etcdserver:', 'the server was unable to return a response'];

/** The kind of transport failure in `text`, or undefined when it names none (an HTTP refusal, RBAC). */
export function transportErrorKind(text: string): TransportErrorKind | undefined {
  if (serverAnswers.some((n) => text.includes(n))) return undefined;
  for (const [needles, kind] of KINDS) for (const n of needles) if (text.includes(n)) return kind;
  return undefined;
}

/** Milliseconds as a short UTC clock time for summaries: `12:04:10`. */
export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}
