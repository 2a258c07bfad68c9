/**
 * Our own reflector: list, then watch from the list's resourceVersion, forever, whatever
 * the API server does. client-node's informer stops for good on a dropped stream or a 5xx
 * (seen against the simulator), which is exactly when kubetriage must keep looking, so
 * this loop owns every recovery decision:
 *
 * - lists in pages of 500 (kubectl's chunk size) and restarts the list if a continue
 *   token expires;
 * - watches with allowWatchBookmarks and a randomized timeoutSeconds in [min, 2·min)
 *   (client-go's reflector does the same, so that watchers do not all reconnect at once);
 * - a no-event watchdog: bookmarks arrive about once a minute, so a watch that has been
 *   silent for longer than the watchdog is dead even if its socket is open (an API server
 *   that accepts and hangs);
 * - 410 Expired → relist at once (a storm of 410s backs off after the first);
 * - 429 → waits Retry-After when the server sent one;
 * - anything else → exponential backoff with jitter, 800 ms doubling to 30 s (client-go's
 *   reflector backoff), reset after a successful list or a watch that ended cleanly.
 *
 * Every success and failure is reported as a `source` observation, so the view knows how
 * fresh each resource is and since when it has been dark; restarts and relists also go to
 * the optional `stats` listener (the Prometheus metrics).
 */
import type { Clock, Timer } from '../time/clock.ts';
import { type ApiClient, ApiRequestError } from './api-client.ts';
import { type FeedStats, type RelistReason, tell } from './feed-stats.ts';
import type { KubeObject, ObservationSink, WatchedResource } from './observations.ts';
import { listPath } from './resource-paths.ts';
import { trimObject } from './trim.ts';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Adds up to this fraction of the delay at random. */
  jitter: number;
}

export interface ReflectorOptions {
  resource: WatchedResource;
  client: ApiClient;
  clock: Clock;
  sink: ObservationSink;
  pageSize?: number;
  /** Watch timeoutSeconds is drawn from [min, 2·min); client-go uses 5 minutes. */
  minWatchTimeoutSeconds?: number;
  /** A watch silent for this long is abandoned and reopened. */
  watchdogMs?: number;
  backoff?: Partial<BackoffOptions>;
  random?: () => number;
  /** Told of every restart and relist; see FeedStats. */
  stats?: FeedStats;
}

const defaultBackoff: BackoffOptions = { initialMs: 800, maxMs: 30_000, factor: 2, jitter: 1 };

interface WatchEventObject {
  metadata?: { resourceVersion?: string };
  code?: number;
  reason?: string;
  message?: string;
}

export type ReflectorState = 'idle' | 'listing' | 'watching' | 'waiting' | 'stopped';

export class Reflector {
  readonly source: string;
  private readonly o: Required<Omit<ReflectorOptions, 'backoff'>> & { backoff: BackoffOptions };
  private resourceVersion: string | undefined;
  private stopped = false;
  private attempt = 0;
  private expiredInARow = 0;
  private readonly abortRequests = new AbortController();
  /** Errors thrown by the sink; counted, never allowed to stop the loop. */
  sinkErrors = 0;
  private lastOkReportMs = Number.NEGATIVE_INFINITY;
  private abortWatch: (() => void) | undefined;
  private wake: (() => void) | undefined;
  private sleepTimer: Timer | undefined;
  private loop: Promise<void> | undefined;
  state: ReflectorState = 'idle';
  /** Relists done so far (the first sync counts); exposed for tests and metrics. */
  lists = 0;
  /** Watches opened so far. */
  watches = 0;
  /** Times the loop failed and started over. */
  restarts = 0;
  /** Why the next list happens: set when the resourceVersion is dropped. */
  private relistReason: RelistReason = 'initial';

  constructor(opts: ReflectorOptions) {
    this.o = {
      pageSize: 500,
      minWatchTimeoutSeconds: 300,
      watchdogMs: 150_000,
      random: Math.random,
      ...opts,
      backoff: { ...defaultBackoff, ...opts.backoff },
      stats: opts.stats ?? {},
    };
    this.source = `reflector/${opts.resource}`;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    this.abortRequests.abort();
    this.abortWatch?.();
    this.sleepTimer?.cancel();
    this.wake?.();
    await this.loop;
  }

  private report(ok: boolean, error?: string, forbidden?: boolean): void {
    const atMs = this.o.clock.now();
    if (ok) this.lastOkReportMs = atMs;
    this.emit({ type: 'source', source: this.source, ok, error, atMs, ...(forbidden ? { forbidden } : {}) });
  }

  /** The sink is someone else's code: its failure must neither kill nor stall the loop. */
  private emit(o: Parameters<ObservationSink>[0]): void {
    try {
      this.o.sink(o);
    } catch {
      this.sinkErrors++;
    }
  }

  /** A working watch says so now and then (bookmarks, events), never once per event. */
  private touch(): void {
    if (this.o.clock.now() - this.lastOkReportMs >= 10_000) this.report(true);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.resourceVersion === undefined) {
          this.state = 'listing';
          await this.list();
          this.attempt = 0;
        }
        if (this.stopped) break;
        this.state = 'watching';
        await this.watch();
      } catch (err) {
        if (this.stopped) break;
        const e = err instanceof ApiRequestError ? err : undefined;
        const message = describe(err);
        // 403: a grant the role lacks (e.g. webhook configurations), not a failing cluster.
        this.report(false, message, e?.status === 403);
        this.restarted(e, err);
        this.state = 'waiting';
        if (e?.expired) {
          this.resourceVersion = undefined;
          this.relistReason = 'expired';
          // One 410 is routine (history moved on): relist at once. Repeated ones back off
          // on their own count, which only a live watch event resets: in a 410 storm every
          // list succeeds and every watch expires at once.
          if (this.expiredInARow++ === 0) continue;
          await this.sleep(this.backoff(this.expiredInARow - 2));
          continue;
        }
        await this.sleep(this.delayFor(e));
      }
    }
    this.state = 'stopped';
  }

  private restarted(e: ApiRequestError | undefined, err: unknown): void {
    this.restarts++;
    const reason = e?.reason || (err instanceof Error ? err.name : 'Error');
    const { stats, resource } = this.o;
    tell(() => stats.reflectorRestarted?.(resource, reason));
  }

  private delayFor(e: ApiRequestError | undefined): number {
    if (e?.status === 429 && e.retryAfterSeconds !== undefined) return e.retryAfterSeconds * 1000;
    return this.backoff(this.attempt++);
  }

  /** The n-th step (from 0) of exponential backoff with jitter. */
  private backoff(n: number): number {
    const b = this.o.backoff;
    const base = Math.min(b.maxMs, b.initialMs * b.factor ** n);
    return base * (1 + this.o.random() * b.jitter);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = this.o.clock.after(ms, resolve);
    });
  }

  private async list(): Promise<void> {
    const path = listPath(this.o.resource);
    const items: KubeObject[] = [];
    let token: string | undefined;
    let listRv = '';
    do {
      const res = await this.o.client.getJson<{
        metadata?: { resourceVersion?: string; continue?: string };
        items?: unknown[];
      }>(path, { limit: this.o.pageSize, continue: token }, undefined, this.abortRequests.signal);
      const body = res.body;
      if (!body || !Array.isArray(body.items)) {
        throw new ApiRequestError(`${path}: the API server answered a list without items`, {
          status: res.status,
          reason: 'BadResponse',
        });
      }
      for (const raw of body.items) items.push(trimObject(this.o.resource, raw));
      token = body.metadata?.continue || undefined;
      listRv = body.metadata?.resourceVersion ?? listRv;
      if (this.stopped) return;
    } while (token);
    this.lists++;
    this.resourceVersion = listRv;
    const { stats, resource } = this.o;
    const reason = this.relistReason;
    tell(() => stats.reflectorRelisted?.(resource, reason));
    this.emit({
      type: 'listed',
      resource: this.o.resource,
      items,
      resourceVersion: listRv,
      atMs: this.o.clock.now(),
    });
    this.report(true);
  }

  /** One watch, until the server ends it (resolve) or it fails (reject). */
  private watch(): Promise<void> {
    const { clock, resource, client } = this.o;
    const min = this.o.minWatchTimeoutSeconds;
    const timeoutSeconds = Math.floor(min + this.o.random() * min);
    const watcher = client.newWatch();
    // client-node's inactivity timer is our watchdog: any byte (an event or a bookmark)
    // resets it. The field is private in its typings but is the documented knob in its code.
    (watcher as unknown as { requestTimeoutMs: number }).requestTimeoutMs = this.o.watchdogMs;
    this.watches++;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let expiredError: ApiRequestError | undefined;
      let controller: AbortController | undefined;
      const finish = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        this.abortWatch = undefined;
        controller?.abort();
        if (expiredError) reject(expiredError);
        else if (err) reject(err);
        else resolve();
      };
      this.abortWatch = () => finish();
      const onEvent = (type: string, obj: unknown): void => {
        if (settled) return;
        const o = obj as WatchEventObject;
        if (type === 'ERROR') {
          const code = typeof o.code === 'number' ? o.code : 500;
          expiredError = new ApiRequestError(`${listPath(resource)} watch: ${o.message ?? 'error event'}`, {
            status: code,
            reason: o.reason ?? String(code),
          });
          return;
        }
        const rv = o.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
        // An event or bookmark proves the watch and its resourceVersion are live: whatever
        // went wrong before is over, however this watch ends.
        this.attempt = 0;
        this.expiredInARow = 0;
        this.touch();
        if (type === 'BOOKMARK') return;
        const object = trimObject(resource, obj);
        const atMs = clock.now();
        if (type === 'DELETED') this.emit({ type: 'delete', resource, object, atMs });
        else this.emit({ type: 'upsert', resource, object, atMs });
      };
      const onDone = (err: unknown): void => {
        if (err) finish(watchError(listPath(resource), err));
        else finish();
      };
      watcher
        .watch(
          listPath(resource),
          { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
          onEvent,
          onDone,
        )
        .then((c) => {
          controller = c;
          if (settled) c.abort();
          else this.report(true);
        }, finish);
    });
  }
}

/** Turns client-node's watch failures (Error with statusCode, DOMException, undici errors) into ours. */
function watchError(path: string, err: unknown): ApiRequestError {
  if (err instanceof ApiRequestError) return err;
  const e = err as { statusCode?: number; name?: string; message?: string; cause?: { code?: string } };
  if (typeof e.statusCode === 'number') {
    return new ApiRequestError(`${path} watch: ${e.message ?? e.statusCode}`, {
      status: e.statusCode,
      reason: String(e.statusCode),
      cause: err,
    });
  }
  const reason = e.name === 'TimeoutError' ? 'WatchSilent' : (e.cause?.code ?? e.name ?? 'NetworkError');
  const detail =
    e.name === 'TimeoutError'
      ? 'no event or bookmark within the watchdog period'
      : (e.message ?? String(err));
  return new ApiRequestError(`${path} watch: ${detail}`, { status: 0, reason, cause: err });
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
