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

  // Chunked, as kube-apiserver streams watches. Events are framed as chunks here, once per
  // event for all watchers, and written straight to the socket; res.end() then writes the
  // closing zero-length chunk as usual.
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  const socket = res.socket!;

  let closed = false;
  let holding = opts.held;
  const heldLines: Buffer[] = [];
  const timers: Timer[] = [];

  const write = (line: string | Buffer): void => {
    if (closed) return;
    if (typeof line === 'string') line = chunk(line);
    if (holding) {
      heldLines.push(line);
      return;
    }
    // Events written in one tick leave in one writev instead of a syscall per write: a
    // burst of changes fans out to many watchers without paying per event per socket.
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    socket.write(line);
    // A watcher that cannot keep up is cut off, as the apiserver does with slow watchers.
    if (socket.writableLength > settings.maxBacklogBytes) close();
  };
  let corked = false;
  function uncork(): void {
    corked = false;
    socket.uncork();
  }

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

  const line = (type: string, event: WatchEvent | undefined, entry: StoredEntry): Buffer => {
    if (!event) return chunk(`{"type":"${type}","object":${presentObject(r, entry.json)}}\n`);
    return wireLine(
      event,
      `${wireKey}:${type}`,
      () => `{"type":"${type}","object":${presentObject(r, entry.json)}}\n`,
    );
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

/**
 * The last serialized line, shared by every watcher of the same shape: the store hands an
 * event to all watchers one after another, so one slot serializes it once for all of them
 * without keeping lines alive in the watch history.
 */
let lastWire: { event: WatchEvent; key: string; bytes: Buffer } | undefined;
function wireLine(event: WatchEvent, key: string, build: () => string): Buffer {
  // Encoded and framed once: every watcher then writes the same bytes.
  if (lastWire && lastWire.event === event && lastWire.key === key) return lastWire.bytes;
  const bytes = chunk(build());
  lastWire = { event, key, bytes };
  return bytes;
}

/** One HTTP/1.1 chunk: hex length, CRLF, data, CRLF. */
function chunk(text: string): Buffer {
  const data = Buffer.from(text);
  return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, crlf]);
}
const crlf = Buffer.from('\r\n');

function bookmark(r: ResourceType, gv: string, rv: number, initialEventsEnd: boolean): string {
  const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
  if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
  return `{"type":"BOOKMARK","object":${JSON.stringify({ kind: r.kind, apiVersion: gv, metadata })}}\n`;
}
