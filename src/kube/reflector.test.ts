/**
 * The reflector's recovery decisions, one at a time, against a fake API client whose list
 * answers and watch streams the test scripts. A ManualClock stands in for time, so every
 * backoff sleep is observed exactly (its length, and whether one happened at all) instead
 * of being waited for.
 */
import { describe, expect, it } from 'vitest';
import type { Clock, Timer } from '../time/clock.ts';
import { ManualClock } from '../time/manual-clock.ts';
import { type ApiClient, ApiRequestError, type ApiResponse } from './api-client.ts';
import type { Observation, WatchedResource } from './observations.ts';
import { Reflector, type ReflectorOptions } from './reflector.ts';

/** A ManualClock that remembers every sleep the reflector asked for and how many are pending. */
class SleepClock implements Clock {
  readonly manual = new ManualClock();
  readonly sleeps: number[] = [];
  pending = 0;

  now(): number {
    return this.manual.now();
  }

  after(ms: number, fn: () => void): Timer {
    this.sleeps.push(ms);
    this.pending++;
    let live = true;
    const settle = (): void => {
      if (live) this.pending--;
      live = false;
    };
    const timer = this.manual.after(ms, () => {
      settle();
      fn();
    });
    return {
      cancel: () => {
        settle();
        timer.cancel();
      },
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** Fires the one pending sleep (the reflector never has more than one). */
  wakeUp(): void {
    this.manual.advance(this.sleeps.at(-1) ?? 0);
  }
}

type WatchCallback = (type: string, obj: unknown) => void;

/** One watch request as the reflector made it; the test plays the server's side. */
interface WatchCall {
  path: string;
  params: Record<string, unknown>;
  requestTimeoutMs: number | undefined;
  controller: AbortController;
  emit(type: string, object: unknown): void;
  /** Ends the stream: cleanly without an error, as a failure with one. */
  end(err?: unknown): void;
}

class FakeWatch {
  requestTimeoutMs: number | undefined;
  private readonly api: FakeApi;

  constructor(api: FakeApi) {
    this.api = api;
  }

  watch(
    path: string,
    params: Record<string, unknown>,
    cb: WatchCallback,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const controller = new AbortController();
    let ended = false;
    const call: WatchCall = {
      path,
      params,
      requestTimeoutMs: this.requestTimeoutMs,
      controller,
      emit: (type, object) => {
        if (!ended) cb(type, object);
      },
      end: (err) => {
        if (ended) return;
        ended = true;
        done(err ?? null);
      },
    };
    this.api.watchCalls.push(call);
    this.api.onWatch(call);
    return Promise.resolve(controller);
  }
}

interface ListBody {
  metadata: { resourceVersion: string; continue?: string };
  items: unknown[];
}

type ListAnswer = ListBody | ApiRequestError | Error | 'hang';

class FakeApi {
  readonly listCalls: Record<string, string | number | undefined>[] = [];
  readonly watchCalls: WatchCall[] = [];
  /** Answers list requests in order; the last answer repeats. */
  listAnswers: ListAnswer[] = [{ metadata: { resourceVersion: '100' }, items: [] }];
  /** What the server does when a watch opens; nothing by default (a quiet, open stream). */
  onWatch: (call: WatchCall) => void = () => {};

  getJson<T>(
    _path: string,
    query: Record<string, string | number | undefined> = {},
    _timeoutMs?: number,
    signal?: AbortSignal,
  ): Promise<ApiResponse<T>> {
    this.listCalls.push(query);
    const answer = this.listAnswers.length > 1 ? this.listAnswers.shift()! : this.listAnswers[0];
    // A hung request ends only when the caller aborts it, as the real client's does.
    if (answer === 'hang') {
      return new Promise((_resolve, reject) =>
        signal?.addEventListener('abort', () => reject(signal.reason)),
      );
    }
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve({ status: 200, body: structuredClone(answer) as T, latencyMs: 1 });
  }

  newWatch(): FakeWatch {
    return new FakeWatch(this);
  }

  get lastWatch(): WatchCall {
    return this.watchCalls.at(-1)!;
  }
}

interface Rig {
  api: FakeApi;
  clock: SleepClock;
  reflector: Reflector;
  seen: Observation[];
  failures(): Extract<Observation, { type: 'source' }>[];
}

function rig(o: Partial<Omit<ReflectorOptions, 'client' | 'clock' | 'sink'>> = {}, api = new FakeApi()): Rig {
  const clock = new SleepClock();
  const seen: Observation[] = [];
  const reflector = new Reflector({
    resource: 'pods' as WatchedResource,
    random: () => 0,
    ...o,
    // The fake provides exactly the two methods the reflector calls.
    client: api as unknown as ApiClient,
    clock,
    sink: (ob) => seen.push(ob),
  });
  const failures = () =>
    seen.filter((s): s is Extract<Observation, { type: 'source' }> => s.type === 'source' && !s.ok);
  return { api, clock, reflector, seen, failures };
}

/** Lets the reflector's promise chains run until `cond` holds; real time only bounds a hang. */
async function until(what: string, cond: () => boolean, limitMs = 5_000): Promise<void> {
  const started = performance.now();
  while (!cond()) {
    if (performance.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** A few macrotask turns: long enough for anything the reflector would do next to happen. */
async function quiet(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

/** Resolves with whether `p` settled before `ms` of real time passed. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  const done = await Promise.race([p.then(() => true as const), timeout]);
  clearTimeout(timer);
  return done;
}

const unavailable = (): ApiRequestError =>
  new ApiRequestError('/api/v1/pods: the server is currently unable to handle the request', {
    status: 503,
    reason: 'ServiceUnavailable',
  });

const expiredStatus = {
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  message: 'too old resource version: 100 (200)',
  reason: 'Expired',
  code: 410,
};

const pod = (name: string, rv: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name, namespace: 'shop', resourceVersion: rv, uid: `uid-${name}` },
  spec: { containers: [{ name: 'app', image: 'shop:1' }] },
  ...extra,
});

describe('reflector backoff', () => {
  it('doubles from 800 ms to a 30 s cap when failures go on, jitter off', async () => {
    const r = rig();
    r.api.listAnswers = [unavailable()];
    r.reflector.start();
    for (let i = 0; i < 9; i++) {
      await until(`sleep ${i + 1}`, () => r.clock.pending === 1);
      expect(r.reflector.state).toBe('waiting');
      r.clock.wakeUp();
    }
    await until('the tenth sleep', () => r.clock.sleeps.length === 10);
    expect(r.clock.sleeps).toEqual([800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000, 30000]);
    // One attempt per sleep: no tight loop, and every failure is reported to the view.
    expect(r.api.listCalls).toHaveLength(10);
    expect(r.failures()).toHaveLength(10);
    expect(r.failures()[0].error).toContain('unable to handle the request');
    expect(r.failures()[0].source).toBe('reflector/pods');
    await r.reflector.stop();
  });

  it('adds jitter on top of the capped delay, so the longest sleep stays under twice the cap', async () => {
    const r = rig({ random: () => 0.5 });
    r.api.listAnswers = [unavailable()];
    r.reflector.start();
    for (let i = 0; i < 11; i++) {
      await until(`sleep ${i + 1}`, () => r.clock.pending === 1);
      r.clock.wakeUp();
    }
    await until('the twelfth sleep', () => r.clock.sleeps.length === 12);
    expect(r.clock.sleeps).toEqual([
      1200, 2400, 4800, 9600, 19200, 38400, 45000, 45000, 45000, 45000, 45000, 45000,
    ]);
    await r.reflector.stop();

    const top = rig({ random: () => 0.999_999 });
    top.api.listAnswers = [unavailable()];
    top.reflector.start();
    for (let i = 0; i < 20; i++) {
      await until(`sleep ${i + 1}`, () => top.clock.pending === 1);
      top.clock.wakeUp();
    }
    expect(Math.max(...top.clock.sleeps)).toBeLessThan(60_000);
    expect(top.clock.sleeps.at(-1)).toBeGreaterThan(59_000);
    await top.reflector.stop();
  });

  it('honours a custom backoff', async () => {
    const r = rig({ backoff: { initialMs: 10, maxMs: 50, factor: 3, jitter: 0 } });
    r.api.listAnswers = [unavailable()];
    r.reflector.start();
    for (let i = 0; i < 4; i++) {
      await until(`sleep ${i + 1}`, () => r.clock.pending === 1);
      r.clock.wakeUp();
    }
    await until('the fifth sleep', () => r.clock.sleeps.length === 5);
    expect(r.clock.sleeps).toEqual([10, 30, 50, 50, 50]);
    await r.reflector.stop();
  });

  it('starts again from 800 ms after a successful list', async () => {
    const r = rig();
    r.api.listAnswers = [
      unavailable(),
      unavailable(),
      unavailable(),
      { metadata: { resourceVersion: '100' }, items: [] },
    ];
    r.reflector.start();
    for (let i = 0; i < 3; i++) {
      await until(`sleep ${i + 1}`, () => r.clock.pending === 1);
      r.clock.wakeUp();
    }
    await until('the watch', () => r.api.watchCalls.length === 1);
    expect(r.reflector.lists).toBe(1);
    r.api.lastWatch.end(Object.assign(new Error('socket hang up'), { name: 'Error' }));
    await until('a sleep after the broken watch', () => r.clock.pending === 1);
    expect(r.clock.sleeps).toEqual([800, 1600, 3200, 800]);
    await r.reflector.stop();
  });

  it('does not carry backoff over from one healthy watch to the next when streams break now and then', async () => {
    // A load balancer that cuts long-lived connections every ten minutes: each watch was
    // healthy (events, bookmarks) until it broke, so each reconnect deserves the initial
    // delay, not one that keeps doubling until the view goes dark for 30-60 s per cut.
    const r = rig();
    r.reflector.start();
    let rv = 100;
    for (let cut = 0; cut < 6; cut++) {
      await until(`watch ${cut + 1}`, () => r.api.watchCalls.length === cut + 1);
      for (let minute = 0; minute < 10; minute++) {
        r.clock.manual.advance(60_000);
        r.api.lastWatch.emit('MODIFIED', pod('x', String(++rv)));
        r.api.lastWatch.emit('BOOKMARK', { metadata: { resourceVersion: String(++rv) } });
      }
      r.api.lastWatch.end(Object.assign(new TypeError('terminated'), { cause: { code: 'UND_ERR_SOCKET' } }));
      await until(`sleep ${cut + 1}`, () => r.clock.pending === 1);
      r.clock.wakeUp();
    }
    expect(r.clock.sleeps).toEqual([800, 800, 800, 800, 800, 800]);
    await r.reflector.stop();
  });

  it('counts a non-ApiRequestError failure (a bug in a layer below) as a failure and keeps going', async () => {
    const r = rig();
    r.api.listAnswers = [new TypeError('fetch failed'), { metadata: { resourceVersion: '7' }, items: [] }];
    r.reflector.start();
    await until('a sleep', () => r.clock.pending === 1);
    expect(r.failures()[0].error).toBe('fetch failed');
    r.clock.wakeUp();
    await until('the watch', () => r.api.watchCalls.length === 1);
    expect(r.reflector.state).toBe('watching');
    await r.reflector.stop();
  });

  it('backs off on a list answer without items instead of taking it for an empty cluster', async () => {
    const r = rig();
    r.api.listAnswers = [
      { metadata: { resourceVersion: '7' } } as unknown as ListBody,
      { metadata: { resourceVersion: '8' }, items: [] },
    ];
    r.reflector.start();
    await until('a sleep', () => r.clock.pending === 1);
    expect(r.seen.some((o) => o.type === 'listed')).toBe(false);
    expect(r.failures()[0].error).toContain('without items');
    r.clock.wakeUp();
    await until('the watch', () => r.api.watchCalls.length === 1);
    expect(r.api.lastWatch.params.resourceVersion).toBe('8');
    await r.reflector.stop();
  });
});

describe('reflector and 429 Too Many Requests', () => {
  const tooMany = (retryAfterSeconds?: number): ApiRequestError =>
    new ApiRequestError('/api/v1/pods: Too many requests, please try again later.', {
      status: 429,
      reason: 'TooManyRequests',
      retryAfterSeconds,
    });

  it('waits exactly Retry-After on a 429 from the list, however often it comes', async () => {
    const r = rig({ random: () => 0.5 });
    r.api.listAnswers = [
      tooMany(7),
      tooMany(7),
      tooMany(7),
      { metadata: { resourceVersion: '100' }, items: [] },
    ];
    r.reflector.start();
    for (let i = 0; i < 3; i++) {
      await until(`sleep ${i + 1}`, () => r.clock.pending === 1);
      r.clock.wakeUp();
    }
    await until('the watch', () => r.api.watchCalls.length === 1);
    expect(r.clock.sleeps).toEqual([7000, 7000, 7000]);
    expect(r.reflector.lists).toBe(1);
    await r.reflector.stop();
  });

  it('falls back to backoff on a 429 without Retry-After, and Retry-After waits do not grow the backoff', async () => {
    const r = rig();
    r.api.listAnswers = [tooMany(), tooMany(2), tooMany(), tooMany()];
    r.reflector.start();
    for (let i = 0; i < 3; i++) {
      await until(`sleep ${i + 1}`, () => r.clock.pending === 1);
      r.clock.wakeUp();
    }
    await until('the fourth sleep', () => r.clock.sleeps.length === 4);
    expect(r.clock.sleeps).toEqual([800, 2000, 1600, 3200]);
    await r.reflector.stop();
  });
});

describe('reflector and 410 Expired', () => {
  it('relists at once, without sleeping, when the watch reports 410 in an ERROR event', async () => {
    const r = rig();
    r.api.listAnswers = [
      { metadata: { resourceVersion: '100' }, items: [pod('a', '90')] },
      { metadata: { resourceVersion: '200' }, items: [pod('a', '150'), pod('b', '190')] },
    ];
    r.reflector.start();
    await until('the first watch', () => r.api.watchCalls.length === 1);
    expect(r.api.lastWatch.params.resourceVersion).toBe('100');
    r.api.lastWatch.emit('ERROR', expiredStatus);
    r.api.lastWatch.end();
    await until('the second watch', () => r.api.watchCalls.length === 2);
    expect(r.clock.sleeps).toEqual([]);
    expect(r.reflector.lists).toBe(2);
    expect(r.api.lastWatch.params.resourceVersion).toBe('200');
    // The relist is a fresh list, not a continuation of the old one.
    expect(r.api.listCalls.at(-1)?.continue).toBeUndefined();
    const listed = r.seen.filter((o) => o.type === 'listed');
    expect(listed.map((l) => l.items.map((i) => i.metadata.name))).toEqual([['a'], ['a', 'b']]);
    expect(r.failures().map((f) => f.error)).toEqual([expect.stringContaining('too old resource version')]);
    await r.reflector.stop();
  });

  it('relists at once when the watch request itself is answered 410', async () => {
    const r = rig();
    r.api.listAnswers = [
      { metadata: { resourceVersion: '100' }, items: [] },
      { metadata: { resourceVersion: '300' }, items: [] },
    ];
    r.reflector.start();
    await until('the first watch', () => r.api.watchCalls.length === 1);
    // client-node's shape for a non-200 watch answer.
    r.api.lastWatch.end(Object.assign(new Error('Gone'), { statusCode: 410 }));
    await until('the second watch', () => r.api.watchCalls.length === 2);
    expect(r.clock.sleeps).toEqual([]);
    expect(r.api.lastWatch.params.resourceVersion).toBe('300');
    await r.reflector.stop();
  });

  it('restarts the list from the first page when a continue token expires mid-list', async () => {
    const r = rig({ pageSize: 2 });
    const expiredToken = new ApiRequestError('/api/v1/pods: The provided continue parameter is too old', {
      status: 410,
      reason: 'Expired',
    });
    r.api.listAnswers = [
      { metadata: { resourceVersion: '100', continue: 'tok1' }, items: [pod('a', '1'), pod('b', '2')] },
      expiredToken,
      { metadata: { resourceVersion: '120', continue: 'tok2' }, items: [pod('a', '1'), pod('b', '2')] },
      { metadata: { resourceVersion: '120' }, items: [pod('c', '3')] },
    ];
    r.reflector.start();
    await until('the watch', () => r.api.watchCalls.length === 1);
    expect(r.api.listCalls.map((q) => q.continue)).toEqual([undefined, 'tok1', undefined, 'tok2']);
    expect(r.api.listCalls.every((q) => q.limit === 2)).toBe(true);
    expect(r.clock.sleeps).toEqual([]);
    const listed = r.seen.filter((o) => o.type === 'listed');
    // One complete list, no object twice and none from the abandoned attempt left over.
    expect(listed).toHaveLength(1);
    expect(listed[0].items.map((i) => i.metadata.name)).toEqual(['a', 'b', 'c']);
    expect(listed[0].resourceVersion).toBe('120');
    expect(r.api.lastWatch.params.resourceVersion).toBe('120');
    await r.reflector.stop();
  });

  it('backs off from the second 410 in a row on', async () => {
    const r = rig();
    let rv = 100;
    r.api.listAnswers = [];
    r.api.getJson = <T>(_path: string, query: Record<string, string | number | undefined> = {}) => {
      r.api.listCalls.push(query);
      rv += 100;
      return Promise.resolve({
        status: 200,
        body: { metadata: { resourceVersion: String(rv) }, items: [] } as T,
        latencyMs: 1,
      });
    };
    // Every watch is told at once that its resourceVersion is gone.
    r.api.onWatch = (call) => {
      queueMicrotask(() => {
        call.emit('ERROR', expiredStatus);
        call.end();
      });
    };
    r.reflector.start();
    await until('the second watch', () => r.api.watchCalls.length === 2);
    // The first 410 relisted at once; the second one waits.
    await until('a sleep', () => r.clock.pending === 1);
    await quiet();
    expect(r.api.listCalls).toHaveLength(2);
    expect(r.api.watchCalls).toHaveLength(2);
    expect(r.reflector.state).toBe('waiting');
    r.clock.wakeUp();
    await until('the third list', () => r.api.listCalls.length === 3);
    await until('another sleep', () => r.clock.pending === 1);
    expect(r.clock.sleeps).toHaveLength(2);
    expect(r.reflector.lists).toBe(3);
    await r.reflector.stop();
  });

  it('relists at once on a lone 410 that follows a healthy watch which ended in a network error', async () => {
    // Routine life: a 410 (relist at once), then hours of healthy watching, then the
    // stream breaks (a load balancer, an apiserver restart) and history has moved on
    // meanwhile. That 410 is not "in a row" with the first one.
    const r = rig();
    r.api.listAnswers = [
      { metadata: { resourceVersion: '100' }, items: [] },
      { metadata: { resourceVersion: '200' }, items: [] },
      { metadata: { resourceVersion: '900' }, items: [] },
    ];
    r.reflector.start();
    await until('the first watch', () => r.api.watchCalls.length === 1);
    r.api.lastWatch.emit('ERROR', expiredStatus);
    r.api.lastWatch.end();
    await until('the second watch', () => r.api.watchCalls.length === 2);
    for (let i = 0; i < 20; i++) r.api.lastWatch.emit('MODIFIED', pod('x', String(201 + i)));
    r.api.lastWatch.emit('BOOKMARK', { metadata: { resourceVersion: '300' } });
    r.api.lastWatch.end(Object.assign(new TypeError('terminated'), { cause: { code: 'UND_ERR_SOCKET' } }));
    await until('a sleep after the broken stream', () => r.clock.pending === 1);
    r.clock.wakeUp();
    await until('the third watch', () => r.api.watchCalls.length === 3);
    expect(r.api.lastWatch.params.resourceVersion).toBe('300');
    const sleepsBefore = r.clock.sleeps.length;
    r.api.lastWatch.emit('ERROR', expiredStatus);
    r.api.lastWatch.end();
    await quiet();
    expect(r.clock.sleeps.length).toBe(sleepsBefore);
    expect(r.reflector.lists).toBe(3);
    await r.reflector.stop();
  });

  it('keeps growing the delay through a persistent storm of 410s, even though each relist succeeds', async () => {
    // A storm of 410s means every relist is followed by another 410: the relists must get
    // rarer (client-go's backoff manager resets only after two quiet minutes), not settle
    // at one full list of the resource every ~second.
    const r = rig();
    let rv = 100;
    r.api.getJson = <T>(_path: string, query: Record<string, string | number | undefined> = {}) => {
      r.api.listCalls.push(query);
      rv += 100;
      return Promise.resolve({
        status: 200,
        body: { metadata: { resourceVersion: String(rv) }, items: [] } as T,
        latencyMs: 1,
      });
    };
    r.api.onWatch = (call) => {
      queueMicrotask(() => {
        call.emit('ERROR', expiredStatus);
        call.end();
      });
    };
    r.reflector.start();
    for (let i = 0; i < 5; i++) {
      await until(`sleep ${i + 1}`, () => r.clock.pending === 1);
      r.clock.wakeUp();
    }
    await until('the sixth sleep', () => r.clock.sleeps.length === 6);
    expect(r.clock.sleeps).toEqual([800, 1600, 3200, 6400, 12800, 25600]);
    await r.reflector.stop();
  });
});

describe('reflector watch', () => {
  it('opens the watch with bookmarks, a timeout drawn from [min, 2·min) and the watchdog', async () => {
    const r = rig({ random: () => 0.5, minWatchTimeoutSeconds: 300, watchdogMs: 7_000 });
    r.reflector.start();
    await until('the watch', () => r.api.watchCalls.length === 1);
    const w = r.api.lastWatch;
    expect(w.path).toBe('/api/v1/pods');
    expect(w.params).toEqual({ resourceVersion: '100', allowWatchBookmarks: true, timeoutSeconds: 450 });
    expect(w.requestTimeoutMs).toBe(7_000);
    expect(r.reflector.state).toBe('watching');
    expect(r.reflector.watches).toBe(1);
    await r.reflector.stop();
  });

  it('watches on from the resourceVersion of the last bookmark, without a relist or a sleep', async () => {
    const r = rig();
    r.reflector.start();
    await until('the first watch', () => r.api.watchCalls.length === 1);
    r.api.lastWatch.emit('BOOKMARK', { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '150' } });
    // A watch that ends cleanly (its timeoutSeconds ran out) is simply reopened.
    r.api.lastWatch.end();
    await until('the second watch', () => r.api.watchCalls.length === 2);
    expect(r.api.lastWatch.params.resourceVersion).toBe('150');
    r.api.lastWatch.emit('ADDED', pod('x', '160'));
    r.api.lastWatch.emit('BOOKMARK', { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '170' } });
    r.api.lastWatch.end();
    await until('the third watch', () => r.api.watchCalls.length === 3);
    expect(r.api.lastWatch.params.resourceVersion).toBe('170');
    expect(r.reflector.lists).toBe(1);
    expect(r.clock.sleeps).toEqual([]);
    // Bookmarks move the resourceVersion but are not objects.
    const objects = r.seen.filter((o) => o.type === 'upsert' || o.type === 'delete');
    expect(objects).toHaveLength(1);
    await r.reflector.stop();
  });

  it('resumes from the last event after a broken stream, with backoff and without a relist', async () => {
    const r = rig();
    r.reflector.start();
    await until('the first watch', () => r.api.watchCalls.length === 1);
    r.api.lastWatch.emit('ADDED', pod('x', '101'));
    r.api.lastWatch.emit('MODIFIED', pod('x', '102'));
    r.api.lastWatch.end(Object.assign(new TypeError('terminated'), { cause: { code: 'UND_ERR_SOCKET' } }));
    await until('a sleep', () => r.clock.pending === 1);
    expect(r.failures().at(-1)?.error).toContain('terminated');
    r.clock.wakeUp();
    await until('the second watch', () => r.api.watchCalls.length === 2);
    expect(r.api.lastWatch.params.resourceVersion).toBe('102');
    expect(r.reflector.lists).toBe(1);
    await r.reflector.stop();
  });

  it('treats a watch silent past the watchdog as failed and reopens it from the same resourceVersion', async () => {
    const r = rig({ watchdogMs: 5_000 });
    r.reflector.start();
    await until('the first watch', () => r.api.watchCalls.length === 1);
    // What client-node hands `done` when its inactivity timer fires.
    r.api.lastWatch.end(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    await until('a sleep', () => r.clock.pending === 1);
    expect(r.failures().at(-1)?.error).toContain('no event or bookmark within the watchdog period');
    r.clock.wakeUp();
    await until('the second watch', () => r.api.watchCalls.length === 2);
    expect(r.api.lastWatch.params.resourceVersion).toBe('100');
    expect(r.api.lastWatch.requestTimeoutMs).toBe(5_000);
    await r.reflector.stop();
  });

  it('reports a non-410 ERROR event as a failure, backs off and watches on without relisting', async () => {
    const r = rig();
    r.reflector.start();
    await until('the first watch', () => r.api.watchCalls.length === 1);
    r.api.lastWatch.emit('ADDED', pod('x', '120'));
    r.api.lastWatch.emit('ERROR', {
      kind: 'Status',
      status: 'Failure',
      message: 'etcdserver: request timed out',
      reason: 'InternalError',
      code: 500,
    });
    r.api.lastWatch.end();
    await until('a sleep', () => r.clock.pending === 1);
    expect(r.clock.sleeps).toEqual([800]);
    expect(r.failures().map((f) => f.error)).toEqual([
      expect.stringContaining('etcdserver: request timed out'),
    ]);
    r.clock.wakeUp();
    await until('the second watch', () => r.api.watchCalls.length === 2);
    expect(r.api.lastWatch.params.resourceVersion).toBe('120');
    expect(r.reflector.lists).toBe(1);

    // An ERROR without a code is a failure, not an expiry.
    r.api.lastWatch.emit('ERROR', { message: 'something odd' });
    r.api.lastWatch.end();
    await until('a second sleep', () => r.clock.sleeps.length === 2);
    expect(r.failures().at(-1)?.error).toContain('something odd');
    expect(r.reflector.lists).toBe(1);
    await r.reflector.stop();
  });

  it('says it works after a healthy watch opens, and not once per event', async () => {
    const r = rig();
    r.reflector.start();
    await until('the watch', () => r.api.watchCalls.length === 1);
    await quiet();
    const oks = () => r.seen.filter((o) => o.type === 'source' && o.ok).length;
    const before = oks();
    expect(before).toBeGreaterThanOrEqual(2); // the list, then the watch
    for (let i = 0; i < 50; i++) r.api.lastWatch.emit('MODIFIED', pod('x', String(200 + i)));
    expect(oks()).toBe(before);
    r.clock.manual.advance(10_000);
    r.api.lastWatch.emit('MODIFIED', pod('x', '300'));
    expect(oks()).toBe(before + 1);
    await r.reflector.stop();
  });
});

describe('reflector trimming', () => {
  it('emits trimmed objects: no managedFields or last-applied annotation, from lists and watches', async () => {
    const heavy = (name: string, rv: string) =>
      pod(name, rv, {
        metadata: {
          name,
          namespace: 'shop',
          resourceVersion: rv,
          uid: `uid-${name}`,
          managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': {} } }],
          annotations: {
            'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(10_000),
            'kubernetes.io/config.mirror': 'abc',
          },
        },
        spec: {
          nodeName: 'worker-1',
          containers: [{ name: 'app', image: 'shop:1', env: [{ name: 'A', value: 'secret' }] }],
          volumes: [{ name: 'v' }],
        },
        status: { phase: 'Running', podIP: '10.0.0.5' },
      });
    const r = rig();
    r.api.listAnswers = [{ metadata: { resourceVersion: '100' }, items: [heavy('a', '90')] }];
    r.reflector.start();
    await until('the watch', () => r.api.watchCalls.length === 1);
    r.api.lastWatch.emit('ADDED', heavy('b', '101'));
    r.api.lastWatch.emit('MODIFIED', heavy('b', '102'));
    r.api.lastWatch.emit('DELETED', heavy('a', '103'));
    const objects = r.seen.flatMap((o) => {
      if (o.type === 'listed') return o.items;
      if (o.type === 'upsert' || o.type === 'delete') return [o.object];
      return [];
    });
    expect(objects).toHaveLength(4);
    for (const o of objects) {
      const text = JSON.stringify(o);
      expect(text).not.toContain('managedFields');
      expect(text).not.toContain('last-applied-configuration');
      expect(text).not.toContain('secret');
      expect(text).not.toContain('volumes');
      expect(o.metadata.annotations).toEqual({ 'kubernetes.io/config.mirror': 'abc' });
      expect(o.spec).toEqual({ nodeName: 'worker-1', containers: [{ name: 'app', image: 'shop:1' }] });
    }
    expect(
      r.seen
        .filter((o) => o.type === 'delete')
        .map((o) => (o.type === 'delete' ? o.object.metadata.name : '')),
    ).toEqual(['a']);
    await r.reflector.stop();
  });
});

describe('reflector stop', () => {
  it('ends the loop promptly while sleeping, and never tries again', async () => {
    const r = rig();
    r.api.listAnswers = [unavailable()];
    r.reflector.start();
    await until('a sleep', () => r.clock.pending === 1);
    expect(await settlesWithin(r.reflector.stop(), 2_000)).toBe(true);
    expect(r.reflector.state).toBe('stopped');
    expect(r.clock.pending).toBe(0);
    r.clock.manual.advance(3_600_000);
    await quiet();
    expect(r.api.listCalls).toHaveLength(1);
  });

  it('ends the loop promptly while watching, and aborts the watch', async () => {
    const r = rig();
    r.reflector.start();
    await until('the watch', () => r.api.watchCalls.length === 1);
    await quiet();
    expect(await settlesWithin(r.reflector.stop(), 2_000)).toBe(true);
    expect(r.reflector.state).toBe('stopped');
    expect(r.api.lastWatch.controller.signal.aborted).toBe(true);
    await quiet();
    expect(r.api.watchCalls).toHaveLength(1);
    expect(r.api.listCalls).toHaveLength(1);
  });

  it('ends the loop promptly while a list request hangs', async () => {
    // The API server accepted the connection and never answers: stop() (Ctrl-C, the end
    // of a command) must not wait for the request timeout.
    const r = rig();
    r.api.listAnswers = ['hang'];
    r.reflector.start();
    await until('the list request', () => r.api.listCalls.length === 1);
    expect(await settlesWithin(r.reflector.stop(), 2_000)).toBe(true);
    expect(r.reflector.state).toBe('stopped');
  });

  it('is idempotent and safe before start', async () => {
    const r = rig();
    await r.reflector.stop();
    expect(r.reflector.state).toBe('stopped');
    r.reflector.start();
    await quiet();
    expect(r.api.listCalls).toHaveLength(0);
    await r.reflector.stop();
  });
});

describe('reflector stats listener', () => {
  it('hears the first sync, every restart with its reason, and the relist a 410 forces', async () => {
    const heard: string[] = [];
    const r = rig({
      stats: {
        reflectorRestarted: (resource, reason) => heard.push(`restart ${resource} ${reason}`),
        reflectorRelisted: (resource, reason) => heard.push(`relist ${resource} ${reason}`),
      },
    });
    r.api.listAnswers = [
      unavailable(),
      { metadata: { resourceVersion: '100' }, items: [] },
      { metadata: { resourceVersion: '200' }, items: [] },
    ];
    r.reflector.start();
    await until('a sleep after the failed list', () => r.clock.pending === 1);
    r.clock.wakeUp();
    await until('the first watch', () => r.api.watchCalls.length === 1);
    r.api.lastWatch.end(Object.assign(new TypeError('terminated'), { cause: { code: 'UND_ERR_SOCKET' } }));
    await until('a sleep after the broken watch', () => r.clock.pending === 1);
    r.clock.wakeUp();
    await until('the second watch', () => r.api.watchCalls.length === 2);
    r.api.lastWatch.emit('ERROR', expiredStatus);
    r.api.lastWatch.end();
    await until('the third watch', () => r.api.watchCalls.length === 3);
    // A watch the server ends on its timeout is routine: no restart.
    r.api.lastWatch.end();
    await until('the fourth watch', () => r.api.watchCalls.length === 4);
    expect(heard).toEqual([
      'restart pods ServiceUnavailable',
      'relist pods initial',
      'restart pods UND_ERR_SOCKET',
      'restart pods Expired',
      'relist pods expired',
    ]);
    expect(r.reflector.restarts).toBe(3);
    await r.reflector.stop();
  });

  it('goes on listing and watching when the listener throws', async () => {
    const r = rig({
      stats: {
        reflectorRelisted: () => {
          throw new Error('broken counter');
        },
      },
    });
    r.reflector.start();
    await until('the watch', () => r.api.watchCalls.length === 1);
    expect(r.reflector.lists).toBe(1);
    expect(r.failures()).toEqual([]);
    await r.reflector.stop();
  });
});
