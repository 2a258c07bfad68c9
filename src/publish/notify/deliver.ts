/**
 * One HTTP POST of a notification, and what to do about its outcome. Network errors,
 * timeouts, 5xx and 429 are worth another try (429 after the Retry-After the receiver asked
 * for); any other 4xx means the message or the target is wrong, and repeating it would only
 * repeat the error.
 */
import type { Clock } from '../../time/clock.ts';
import { redactDeep } from '../redact.ts';

export type Outcome =
  | { ok: true; status: number }
  | { ok: false; retry: boolean; status?: number; afterMs?: number; why: string };

export interface PostOptions {
  fetch: typeof fetch;
  clock: Clock;
  timeoutMs: number;
  /** Aborts the request when the notifier closes. */
  signal: AbortSignal;
  headers?: Record<string, string>;
}

/** A receiver's Retry-After may be absurd; never park a target for longer than this. */
const maxRetryAfterMs = 15 * 60_000;

export async function postJson(url: string, body: unknown, o: PostOptions): Promise<Outcome> {
  const abort = new AbortController();
  let timedOut = false;
  // The clock's timer, not AbortSignal.timeout: tests and replays run on virtual time.
  const timer = o.clock.after(o.timeoutMs, () => {
    timedOut = true;
    abort.abort();
  });
  // A listener added and removed per request, so the notifier's long-lived signal collects none.
  const onClose = (): void => abort.abort();
  o.signal.addEventListener('abort', onClose, { once: true });
  try {
    const res = await o.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'kubetriage', ...o.headers },
      body: JSON.stringify(body),
      signal: abort.signal,
    });
    // Read the reply: it frees the connection, and a refusal's words go into the log.
    const reply = (await res.text().catch(() => '')).slice(0, 200);
    if (res.ok) return { ok: true, status: res.status };
    const retry = res.status >= 500 || res.status === 429 || res.status === 408;
    const afterMs =
      res.status === 429 ? retryAfterMs(res.headers.get('retry-after'), o.clock.now()) : undefined;
    return { ok: false, retry, status: res.status, afterMs, why: reply || res.statusText };
  } catch (err) {
    if (timedOut) return { ok: false, retry: true, why: `no answer in ${o.timeoutMs} ms` };
    // The URL is a secret and some errors quote it ("Failed to parse URL from …").
    return { ok: false, retry: !o.signal.aborted, why: errorText(err).split(url).join('<url>') };
  } finally {
    timer.cancel();
    o.signal.removeEventListener('abort', onClose);
  }
}

/**
 * Every notification leaves through here, so this is where secrets quoted from the cluster
 * (a log line's `password=`, a connection URL in an event) are taken out: whatever a
 * payload builder puts in, nothing leaves unredacted.
 */
export function postRedactedJson(url: string, body: unknown, o: PostOptions): Promise<Outcome> {
  return postJson(url, redactDeep(body), o);
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - nowMs;
  return Number.isFinite(ms) ? Math.min(maxRetryAfterMs, Math.max(0, ms)) : undefined;
}

export interface RetryOptions {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

/**
 * How long to wait before attempt `attempt + 1`: exponential from `baseMs`, capped at `maxMs`,
 * with the upper half jittered so that many kubetriage replicas do not retry in step. A
 * Retry-After is a floor.
 */
export function backoffMs(attempt: number, r: RetryOptions, random: () => number, afterMs = 0): number {
  const exp = Math.min(r.maxMs, r.baseMs * 2 ** (attempt - 1));
  return Math.max(afterMs, Math.round(exp / 2 + (random() * exp) / 2));
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // fetch wraps the socket error ("fetch failed"); the cause says what actually happened.
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
