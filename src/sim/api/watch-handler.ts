/**
 * Watch: a chunked stream of newline-terminated `{"type","object"}` events
 * (apiserver pkg/endpoints/handlers/watch.go). Starts from the current state for RV ""/"0",
 * replays retained history from RV=X, answers a too-old X with one ERROR 410 event and
 * closes, sends BOOKMARKs only when asked, and ends after timeoutSeconds or, without it,
 * after a random time between minRequestTimeout and twice that (as kube-apiserver does).
 */
import type { ServerResponse } from 'node:http';
import type { Clock, Timer } from '../../time/clock.ts';
import type { ObjectStore, StoredEntry } from '../store/object-store.ts';
import type { WatchEvent } from '../store/watch-history.ts';
import { presentObject } from './codec.ts';
import type { ListQuery } from './list-options.ts';
import { groupVersion, type ResourceType } from './resources.ts';
import { ApiError, badRequest } from './status.ts';

export interface WatchSettings {
  /** How often BOOKMARKs are sent to watchers that asked for them (apiserver: 1 min). */
  bookmarkIntervalMs: number;
  /** --min-request-timeout, seconds (apiserver default 1800). */
  minRequestTimeoutSeconds: number;
  /** A watcher whose unsent backlog exceeds this is closed, like the apiserver's slow-watcher cut-off. */
  maxBacklogBytes: number;
}

/** An open watch, as seen by the fault injector (drop it, or hold its events). */
export interface ActiveWatch {
  drop(): void;
  hold(on: boolean): void;
}

type Matcher = (e: StoredEntry) => boolean;

export function startWatch(opts: {
  store: ObjectStore;
  clock: Clock;
  r: ResourceType;
  namespace: string;
  query: ListQuery;
  res: ServerResponse;
  settings: WatchSettings;
  registry: Set<ActiveWatch>;
  held: boolean;
}): void {
  const { store, clock, r, query, res, settings, registry } = opts;
  const matches: Matcher = (e) =>
    (!opts.namespace || e.namespace === opts.namespace) &&
    query.labels.matches(e.labels) &&
    query.fields.matches(e.fields);
  const gv = groupVersion(r);
  const wireKey = `${gv}/${r.plural}`;

  // Validate the starting point before committing to a 200 stream.
  const rvParam = query.resourceVersion;
  const fromCurrentState =
    rvParam === undefined || rvParam === '' || rvParam === '0' || query.sendInitialEvents === true;
  let fromRv = 0;
  if (!fromCurrentState) {
    fromRv = Number(rvParam);
    if (!Number.isInteger(fromRv) || fromRv < 0) throw badRequest(`invalid resource version "${rvParam}"`);
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();

  let closed = false;
  let holding = opts.held;
  const heldLines: string[] = [];
  const timers: Timer[] = [];

  const write = (line: string): void => {
    if (closed) return;
    if (holding) {
      heldLines.push(line);
      return;
    }
    res.write(line);
    if (res.writableLength > settings.maxBacklogBytes) close();
  };

  const handle: ActiveWatch = {
    drop: () => {
      // An abrupt drop: the client sees the connection die, not a clean end of stream.
      closed = true;
      cleanup();
      res.socket?.destroy();
    },
    hold: (on) => {
      holding = on;
      if (!on) for (const line of heldLines.splice(0)) write(line);
    },
  };

  const close = (): void => {
    if (closed) return;
    closed = true;
    cleanup();
    res.end();
  };

  let unsubscribe = (): void => {};
  function cleanup(): void {
    unsubscribe();
    for (const t of timers) t.cancel();
    registry.delete(handle);
  }
  res.on('close', () => {
    closed = true;
    cleanup();
  });
  registry.add(handle);

  const line = (type: string, event: WatchEvent | undefined, entry: StoredEntry): string => {
    // Unfiltered events of the same shape are serialized once for every watcher.
    const cacheKey = `${wireKey}:${type}`;
    const cached = event?.wire?.get(cacheKey);
    if (cached) return cached;
    const text = `{"type":"${type}","object":${presentObject(r, entry.json)}}\n`;
    if (event) {
      event.wire ??= new Map();
      event.wire.set(cacheKey, text);
    }
    return text;
  };

  const deliver = (event: WatchEvent): void => {
    const now = matches(event.entry);
    const before = event.prev ? matches(event.prev) : false;
    if (event.type === 'ADDED') {
      if (now) write(line('ADDED', event, event.entry));
    } else if (event.type === 'DELETED') {
      if (before || now) write(line('DELETED', event, event.entry));
    } else if (now && before) {
      write(line('MODIFIED', event, event.entry));
    } else if (now) {
      write(line('ADDED', event, event.entry));
    } else if (before) {
      write(line('DELETED', event, event.entry));
    }
  };

  if (fromCurrentState) {
    for (const e of store.list(r, { namespace: opts.namespace || undefined, filter: matches }).entries) {
      write(line('ADDED', undefined, e));
    }
    if (query.sendInitialEvents) {
      write(bookmark(r, gv, store.resourceVersion, true));
    }
  } else {
    let backlog: WatchEvent[];
    try {
      backlog = store.eventsSince(r.storage, fromRv);
    } catch (err) {
      if (err instanceof ApiError && err.code === 410) {
        // Since the watch cache, too-old watches get 200 and one ERROR event, then close.
        write(`{"type":"ERROR","object":${JSON.stringify(err.toStatus())}}\n`);
        close();
        return;
      }
      throw err;
    }
    for (const ev of backlog) deliver(ev);
  }
  unsubscribe = store.subscribe(r.storage, deliver);

  if (query.allowWatchBookmarks) {
    const tick = (): void => {
      write(bookmark(r, gv, store.resourceVersion, false));
      timers.push(clock.after(settings.bookmarkIntervalMs, tick));
    };
    timers.push(clock.after(settings.bookmarkIntervalMs, tick));
  }
  const min = settings.minRequestTimeoutSeconds;
  const timeoutSeconds =
    query.timeoutSeconds && query.timeoutSeconds > 0 ? query.timeoutSeconds : min + Math.random() * min;
  timers.push(clock.after(timeoutSeconds * 1000, close));
}

function bookmark(r: ResourceType, gv: string, rv: number, initialEventsEnd: boolean): string {
  const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
  if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
  return `{"type":"BOOKMARK","object":${JSON.stringify({ kind: r.kind, apiVersion: gv, metadata })}}\n`;
}
