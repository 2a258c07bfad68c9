/**
 * Reads CoreDNS log lines (`[LEVEL] plugin/<name>: msg`) and the client-go reflector
 * failures that CoreDNS, kube-proxy, the ingress controller and cert-manager all print when
 * they cannot reach the API server. Pure: no I/O, no clock.
 */

import type { KlogRecord } from './klog.ts';

export type CorednsLevel = 'debug' | 'info' | 'warning' | 'error' | 'fatal';

export interface CorednsRecord {
  level: CorednsLevel;
  /** The plugin name without `plugin/`; undefined for lines not tied to a plugin. */
  plugin: string | undefined;
  message: string;
  raw: string;
}

const LEVELS: Record<string, CorednsLevel> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARNING: 'warning',
  ERROR: 'error',
  FATAL: 'fatal',
};

/**
 * Parses one CoreDNS log line. Lines with a level but no `plugin/` prefix (query logs,
 * `[INFO] Reloading`) come back with `plugin` undefined; lines with no level (the startup
 * banner) are undefined.
 */
export function parseCorednsLine(line: string): CorednsRecord | undefined {
  const raw = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (raw.charCodeAt(0) !== 91) return undefined;
  const close = raw.indexOf(']');
  // The longest level is WARNING; do not scan a long line for a bracket.
  if (close < 0 || close > 8) return undefined;
  const level = LEVELS[raw.slice(1, close)];
  if (!level) return undefined;
  let rest = raw.slice(close + 1);
  if (rest.startsWith(' ')) rest = rest.slice(1);
  if (rest.startsWith('plugin/')) {
    const colon = rest.indexOf(':');
    const name = colon < 0 ? '' : rest.slice(7, colon);
    if (/^[A-Za-z0-9_-]+$/.test(name)) {
      let message = rest.slice(colon + 1);
      if (message.startsWith(' ')) message = message.slice(1);
      return { level, plugin: name, message, raw };
    }
  }
  return { level, plugin: undefined, message: rest, raw };
}

/** How a connection to the API server failed, from the tail of the Go error. */
export type ClientGoErrorKind =
  | 'connection-refused'
  | 'io-timeout'
  | 'no-route'
  | 'deadline-exceeded'
  | 'tls-handshake-timeout'
  | 'connection-lost'
  | 'connection-reset'
  | 'dns'
  | 'eof'
  | 'other';

export interface ClientGoListFailure {
  /** The Go type the informer lists, e.g. `*v1.Namespace`. */
  resource: string;
  /** Where the informer was created, e.g. `k8s.io/client-go/informers/factory.go:160`. */
  informer?: string;
  /** True when the text is the reflector's `Failed to watch` wrapper rather than the list itself. */
  watch: boolean;
  /** The request URL, when the error is an HTTP transport error. */
  url?: string;
  /** `host:port` of the failed dial, when the error is a dial error. */
  dialTarget?: string;
  /** The error after the URL and dial target, e.g. `i/o timeout`, `connect: connection refused`. */
  error: string;
  kind: ClientGoErrorKind;
}

// Ordered: a TLS handshake timeout is also a timeout, but the more specific name wins.
const KINDS: [needle: string, kind: ClientGoErrorKind][] = [
  ['connection refused', 'connection-refused'],
  ['no route to host', 'no-route'],
  ['TLS handshake timeout', 'tls-handshake-timeout'],
  ['i/o timeout', 'io-timeout'],
  ['context deadline exceeded', 'deadline-exceeded'],
  ['Client.Timeout exceeded', 'deadline-exceeded'],
  ['http2: client connection lost', 'connection-lost'],
  ['connection reset by peer', 'connection-reset'],
  ['no such host', 'dns'],
];

const MARKERS = ['failed to list ', 'Failed to list ', 'Failed to watch ', 'failed to watch '];

/**
 * Extracts a client-go reflector list/watch failure from any text: a CoreDNS message, a
 * klog message or `err` value, or a raw klog line whose quotes are still escaped.
 * Returns undefined when the text holds no `failed to list`/`Failed to watch`.
 */
export function parseClientGoListFailure(text: string): ClientGoListFailure | undefined {
  let at = -1;
  let marker = '';
  for (const m of MARKERS) {
    const i = text.indexOf(m);
    if (i >= 0 && (at < 0 || i < at)) {
      at = i;
      marker = m;
    }
  }
  if (at < 0) return undefined;
  const watch = marker.endsWith('watch ');
  // `Failed to watch *T: failed to list *T: …` names the same type twice; read the inner one
  // so the rest of the text starts at the transport error.
  let start = at + marker.length;
  const inner = watch ? text.indexOf('failed to list ', start) : -1;
  const resourceStart = inner >= 0 ? inner + 'failed to list '.length : start;
  const colon = text.indexOf(': ', resourceStart);
  const resource = colon < 0 ? '' : text.slice(resourceStart, colon);
  if (!/^[\w.*/-]+$/.test(resource)) return undefined;
  start = colon + 2;

  const failure: ClientGoListFailure = { resource, watch, error: '', kind: 'other' };
  const informer = informerBefore(text, at);
  if (informer) failure.informer = informer;

  // In a raw klog line the failure sits inside `err="…"`: quotes are escaped and the first
  // bare quote ends the value.
  const lineStart = text.lastIndexOf('\n', at) + 1;
  const escaped = text.slice(lineStart, at).includes('="');
  let tail = errorTail(text, start, escaped);
  const req = /^(?:Get|Post|Put|Patch|Delete) "/.exec(tail);
  if (req) {
    const urlEnd = tail.indexOf('"', req[0].length);
    if (urlEnd >= 0) {
      failure.url = tail.slice(req[0].length, urlEnd);
      tail = tail.slice(urlEnd + 1);
      if (tail.startsWith(': ')) tail = tail.slice(2);
    }
  }
  const dial = /^dial (?:tcp|udp)[46]?(?: (\S+?))?: /.exec(tail);
  if (dial) {
    if (dial[1]) failure.dialTarget = dial[1];
    tail = tail.slice(dial[0].length);
  }
  failure.error = tail;
  failure.kind = classify(tail);
  return failure;
}

/** The same extraction for a klog record: the `err` field of `"Unhandled Error"`, else the message. */
export function klogClientGoFailure(record: KlogRecord): ClientGoListFailure | undefined {
  const err = record.fields['err'];
  return (
    (err === undefined ? undefined : parseClientGoListFailure(err)) ??
    parseClientGoListFailure(record.message)
  );
}

/**
 * For a CoreDNS record: the client-go failure, if it shows the API server cannot be
 * reached. Refusals by a reachable server (RBAC, expired tokens) are not unreachability.
 */
export function apiUnreachable(record: CorednsRecord): ClientGoListFailure | undefined {
  const failure = parseClientGoListFailure(record.message);
  return failure && failure.kind !== 'other' ? failure : undefined;
}

/**
 * The plugins CoreDNS's ready plugin is still waiting for: `Still waiting on: "kubernetes"`
 * (v1.11) or `Plugins not ready: "kubernetes"` (v1.12.2+). Undefined for other lines.
 */
export function pluginsNotReady(record: CorednsRecord): string[] | undefined {
  if (record.plugin !== 'ready') return undefined;
  const m = /^(?:Still waiting on|Plugins not ready): (.*)$/.exec(record.message);
  if (!m) return undefined;
  return m[1]!
    .split(',')
    .map((s) => s.trim().replace(/^"|"$/g, ''))
    .filter((s) => s !== '');
}

function classify(tail: string): ClientGoErrorKind {
  for (const [needle, kind] of KINDS) if (tail.includes(needle)) return kind;
  if (tail === 'EOF' || tail.endsWith(': EOF') || tail.includes('unexpected EOF')) return 'eof';
  return 'other';
}

/**
 * The error text from `start` to the end of the line; in escaped text, to the bare quote
 * that closes the `err="…"` value, with the escapes undone.
 */
function errorTail(text: string, start: number, escaped: boolean): string {
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  if (!escaped) return text.slice(start, end).trim();
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 92) i += 2;
    else if (c === 34) break;
    else i++;
  }
  return text
    .slice(start, Math.min(i, end))
    .replace(/\\(["\\])/g, '$1')
    .trim();
}

/** The `file.go:123` token just before the marker, e.g. `k8s.io/client-go/informers/factory.go:160`. */
function informerBefore(text: string, at: number): string | undefined {
  if (!text.startsWith(': ', at - 2)) return undefined;
  let i = at - 2;
  while (i > 0) {
    const c = text.charCodeAt(i - 1);
    if (c === 32 || c === 34 || c === 9) break;
    i--;
  }
  const token = text.slice(i, at - 2);
  return token === '' ? undefined : token;
}
