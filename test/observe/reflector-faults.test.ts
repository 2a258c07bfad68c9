/**
 * The reflectors against the simulator's protocol faults over HTTPS: an API server that
 * refuses connections for an hour, watch streams dropped again and again, storms of 410s,
 * 429s with Retry-After, 5xx, slow answers, and an endpoint that accepts and never
 * answers. Through each one the reflectors must keep running without a tight loop, the
 * view must say its sources are stale while the API is dark, and once the API is back
 * the view must match the store (and kubectl) after at most one relist per resource.
 *
 * Requests run in real time; the hour-long outage runs on a ManualClock that drives only
 * the reflectors' backoff sleeps, stepped to each sleep's deadline.
 */

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type WatchedResource, watchedResources } from '../../src/kube/observations.ts';
import { Reflector, type ReflectorOptions } from '../../src/kube/reflector.ts';
import {
  ClusterView,
  type ClusterViewOptions,
  objectKey,
  type SourceStatus,
} from '../../src/observe/cluster-view.ts';
import { resourceForKind } from '../../src/sim/api/resources.ts';
import { type Clock, realClock, type Timer } from '../../src/time/clock.ts';
import { ManualClock } from '../../src/time/manual-clock.ts';
import { apiClientFor } from '../support/live-feed.ts';
import { type SimCluster, startSimCluster } from '../support/sim-cluster.ts';
import { differences } from '../support/view-vs-store.ts';
import { waitFor } from '../support/wait-for.ts';

/** Wraps a clock to see the reflector's sleeps: how long each was, and which are pending. */
class TrackedClock implements Clock {
  readonly sleeps: number[] = [];
  /** Deadlines (in the base clock's time) of the sleeps not yet over. */
  readonly pending = new Set<{ at: number }>();
  private readonly base: Clock;

  constructor(base: Clock) {
    this.base = base;
  }

  now(): number {
    return this.base.now();
  }

  after(ms: number, fn: () => void): Timer {
    this.sleeps.push(ms);
    const entry = { at: this.base.now() + ms };
    this.pending.add(entry);
    const timer = this.base.after(ms, () => {
      this.pending.delete(entry);
      fn();
    });
    return {
      cancel: () => {
        this.pending.delete(entry);
        timer.cancel();
      },
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }
}

interface Feed {
  view: ClusterView;
  limits: Required<ClusterViewOptions>;
  reflectors: Reflector[];
  clocks: TrackedClock[];
  /** Virtual (or real) times of each source's failure reports, in order. */
  failures: Map<string, number[]>;
  /** Reflectors seen in state 'stopped' before stop() was called. */
  stoppedEarly: Set<string>;
  lists(): number[];
  stop(): Promise<void>;
}

interface FeedOptions {
  base: Clock;
  requestTimeoutMs?: number;
  reflector?: Partial<Omit<ReflectorOptions, 'resource' | 'client' | 'clock' | 'sink'>>;
  view?: ClusterViewOptions;
}

const viewLimits: Required<ClusterViewOptions> = {
  transitionLimit: 50,
  probeLimit: 50,
  logLimit: 50,
  metricsLimit: 50,
  eventLimit: 50,
};

function startFeed(c: SimCluster, o: FeedOptions): Feed {
  const client = apiClientFor(c, { now: () => o.base.now(), requestTimeoutMs: o.requestTimeoutMs });
  const limits = { ...viewLimits, ...o.view };
  const view = new ClusterView(limits);
  const failures = new Map<string, number[]>();
  const sink = (ob: Parameters<ClusterView['apply']>[0]): void => {
    view.apply(ob);
    if (ob.type === 'source' && !ob.ok) {
      const list = failures.get(ob.source) ?? [];
      list.push(ob.atMs);
      failures.set(ob.source, list);
    }
  };
  const clocks: TrackedClock[] = [];
  const reflectors = watchedResources.map((resource) => {
    const clock = new TrackedClock(o.base);
    clocks.push(clock);
    return new Reflector({ random: () => 0.5, ...o.reflector, resource, client, clock, sink });
  });
  const stoppedEarly = new Set<string>();
  let stopping = false;
  // Samples states often enough to catch a loop that died between two checks of a test.
  const monitor = setInterval(() => {
    if (stopping) return;
    for (const r of reflectors) if (r.state === 'stopped') stoppedEarly.add(r.source);
  }, 5);
  for (const r of reflectors) r.start();
  return {
    view,
    limits,
    reflectors,
    clocks,
    failures,
    stoppedEarly,
    lists: () => reflectors.map((r) => r.lists),
    async stop() {
      stopping = true;
      clearInterval(monitor);
      await Promise.all(reflectors.map((r) => r.stop()));
    },
  };
}

/** Polls fast (1 ms): the hour-long outage waits on this once per backoff step. */
async function until(what: string, cond: () => boolean, limitMs = 30_000): Promise<void> {
  const started = performance.now();
  while (!cond()) {
    if (performance.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function reflectorSources(view: ClusterView, nowMs: number): SourceStatus[] {
  return view.freshness(nowMs, 60_000).filter((s) => s.source.startsWith('reflector/'));
}

/** Every reflector source stale (or never fresh), with a staleSince no later than `sinceMs`. */
function allStale(view: ClusterView, nowMs: number, sinceMs: number): boolean {
  const states = reflectorSources(view, nowMs);
  return (
    states.length === watchedResources.length &&
    states.every((s) => s.state !== 'fresh' && s.staleSinceMs !== undefined && s.staleSinceMs <= sinceMs)
  );
}

function allFresh(view: ClusterView, nowMs: number): boolean {
  const states = reflectorSources(view, nowMs);
  return states.length === watchedResources.length && states.every((s) => s.state === 'fresh');
}

let churnSeq = 0;

/** Changes to several watched resources, made in-process while the API may be dark. */
function churn(c: SimCluster): void {
  const store = c.sim.store;
  const n = churnSeq++;
  const pods = resourceForKind('Pod')!;
  const services = resourceForKind('Service')!;
  const events = resourceForKind('Event')!;
  const nodes = resourceForKind('Node')!;
  const leases = resourceForKind('Lease', 'coordination.k8s.io')!;
  // Unscheduled pods are deleted at once (no kubelet to wait for).
  store.create(pods, {
    metadata: { name: `churn-${n}`, namespace: 'shop', labels: { churn: 'yes' } },
    spec: { containers: [{ name: 'app', image: 'shop:1' }] },
  });
  if (store.find(pods, 'shop', `churn-${n - 2}`)) store.delete(pods, 'shop', `churn-${n - 2}`);
  store.create(services, {
    metadata: { name: `churn-svc-${n}`, namespace: 'shop' },
    spec: { type: 'ClusterIP', ports: [{ port: 80 }], selector: { churn: 'yes' } },
  });
  if (store.find(services, 'shop', `churn-svc-${n - 1}`))
    store.delete(services, 'shop', `churn-svc-${n - 1}`);
  store.create(events, {
    metadata: { name: `churn-${n}.1`, namespace: 'shop' },
    involvedObject: { kind: 'Pod', namespace: 'shop', name: `churn-${n}` },
    reason: 'Churn',
    message: `round ${n}`,
    type: 'Normal',
  });
  if (store.find(events, 'shop', `churn-${n - 3}.1`)) store.delete(events, 'shop', `churn-${n - 3}.1`);
  const node = store.get(nodes, '', 'worker-1');
  store.update(nodes, { ...node, spec: { ...(node.spec as object), unschedulable: n % 2 === 0 } });
  const lease = store.listObjects(leases, 'kube-node-lease')[0];
  store.update(leases, {
    ...lease,
    spec: { ...(lease.spec as object), renewTime: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString() },
  });
}

/** The view holds exactly what the store holds, every reflector watching again. */
async function converged(c: SimCluster, feed: Feed, what: string, limitMs = 30_000): Promise<void> {
  await waitFor(
    what,
    () => feed.reflectors.every((r) => r.state === 'watching') && differences(c.sim, feed.view).length === 0,
    limitMs,
  );
}

const kubectlKinds: Record<string, WatchedResource> = {
  Node: 'nodes',
  Pod: 'pods',
  Event: 'events',
  Lease: 'leases',
  Service: 'services',
  EndpointSlice: 'endpointslices',
  Deployment: 'deployments',
  ReplicaSet: 'replicasets',
  DaemonSet: 'daemonsets',
  PodDisruptionBudget: 'poddisruptionbudgets',
};

interface KubectlList {
  items: { kind: string; metadata: { name: string; namespace?: string } }[];
}

/** What the real kubectl sees, as resource → sorted `namespace/name` keys. */
async function kubectlNames(c: SimCluster): Promise<Record<string, string[]>> {
  const all = await c.kubectl([
    'get',
    'nodes,pods,events,services,endpointslices,deployments,replicasets,daemonsets,poddisruptionbudgets',
    '-A',
    '-o',
    'json',
  ]);
  const leases = await c.kubectl(['get', 'leases', '-n', 'kube-node-lease', '-o', 'json']);
  expect(all.stderr).toBe('');
  expect(all.code).toBe(0);
  expect(leases.code).toBe(0);
  const out: Record<string, string[]> = Object.fromEntries(watchedResources.map((r) => [r, []]));
  for (const item of [
    ...(JSON.parse(all.stdout) as KubectlList).items,
    ...(JSON.parse(leases.stdout) as KubectlList).items,
  ]) {
    const resource = kubectlKinds[item.kind];
    const m = item.metadata;
    out[resource].push(m.namespace ? `${m.namespace}/${m.name}` : m.name);
  }
  for (const r of watchedResources) out[r].sort();
  return out;
}

function viewNames(view: ClusterView): Record<string, string[]> {
  return Object.fromEntries(watchedResources.map((r) => [r, view.list(r).map(objectKey).sort()]));
}

/** kubectl and the view list the same objects (retried in case a write lands in between). */
async function kubectlAgrees(c: SimCluster, feed: Feed): Promise<void> {
  let kube: Record<string, string[]> = {};
  for (let attempt = 0; attempt < 5; attempt++) {
    await converged(c, feed, 'the view to catch up before asking kubectl');
    kube = await kubectlNames(c);
    if (JSON.stringify(kube) === JSON.stringify(viewNames(feed.view))) break;
  }
  expect(viewNames(feed.view)).toEqual(kube);
  expect(kube.pods.length).toBeGreaterThan(0);
  expect(kube.nodes.length).toBe(4);
}

/** No unbounded growth: view rings within limits, no watch stream left behind. */
function bounded(c: SimCluster, feed: Feed): void {
  const v = feed.view;
  expect(v.transitions.size).toBeLessThanOrEqual(feed.limits.transitionLimit);
  expect(v.probes.size).toBeLessThanOrEqual(feed.limits.probeLimit);
  expect(v.logs.size).toBeLessThanOrEqual(feed.limits.logLimit);
  expect(v.metrics.size).toBeLessThanOrEqual(feed.limits.metricsLimit);
  expect(c.sim.server.openWatches).toBeLessThanOrEqual(feed.reflectors.length);
}

/** Per reflector, relists since `before`. */
function relistsSince(feed: Feed, before: number[]): number[] {
  return feed.lists().map((n, i) => n - before[i]);
}

describe('reflectors under API faults', () => {
  let c: SimCluster;
  let feed: Feed | undefined;
  const rejections: unknown[] = [];
  const onRejection = (err: unknown): void => {
    rejections.push(err);
  };

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    // Bookmarks four times a second, so that a short watchdog only trips on a silent stream.
    c = await startSimCluster({ watch: { bookmarkIntervalMs: 250 } });
  });

  afterEach(async () => {
    c.sim.faults.clear();
    await feed?.stop();
    if (feed) {
      // Nothing left behind on the server once the reflectors have stopped.
      await waitFor('the stopped reflectors to close their watches', () => c.sim.server.openWatches === 0);
      expect([...feed.stoppedEarly]).toEqual([]);
      expect(feed.reflectors.every((r) => r.state === 'stopped')).toBe(true);
    }
    feed = undefined;
    expect(rejections).toEqual([]);
  });

  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    await c?.stop();
  });

  it('keeps retrying at a capped pace through an hour of refused connections, then recovers without a relist storm', {
    timeout: 180_000,
  }, async () => {
    const clock = new ManualClock();
    // A small transition ring, so that the outage's changes overflow it.
    const f = startFeed(c, { base: clock, view: { transitionLimit: 5 } });
    feed = f;
    await converged(c, f, 'the initial sync');
    expect(allFresh(f.view, clock.now())).toBe(true);
    const watchesBefore = f.reflectors.map((r) => r.watches);

    const t0 = clock.now();
    const end = t0 + 3_600_000;
    c.sim.faults.set({ unreachable: 'refuse' });
    let steps = 0;
    while (clock.now() < end) {
      // Each reflector has failed its attempt and is asleep until its next one.
      await until('every reflector to be asleep between retries', () =>
        f.clocks.every((k) => k.pending.size === 1),
      );
      expect(allStale(f.view, clock.now(), t0)).toBe(true);
      expect(f.reflectors.every((r) => r.state === 'waiting')).toBe(true);
      if (steps++ % 10 === 0) churn(c);
      const next = Math.min(...f.clocks.flatMap((k) => [...k.pending].map((p) => p.at)));
      clock.advance(Math.min(next, end) - clock.now());
    }

    for (const [i, r] of f.reflectors.entries()) {
      const times = f.failures.get(r.source) ?? [];
      // Dark from the first instant of the outage.
      expect(times[0]).toBe(t0);
      const gaps = times.slice(1).map((t, j) => t - times[j]);
      // 800 ms doubling to the 30 s cap, times 1.5 (jitter with random() = 0.5).
      expect(gaps.slice(0, 7)).toEqual([1200, 2400, 4800, 9600, 19200, 38400, 45000]);
      expect(gaps.slice(7).every((g) => g === 45000)).toBe(true);
      // Retries all hour long, and no tight loop: one attempt per sleep.
      expect(times.at(-1)).toBeGreaterThan(end - 45000);
      expect(times.length).toBeGreaterThan(3_600_000 / 60_000);
      expect(times.length).toBeLessThan(3_600_000 / 30_000 + 10);
      // The first failure is the open watch breaking; every later one is a new attempt.
      expect(r.watches - watchesBefore[i]).toBeGreaterThanOrEqual(times.length - 1);
      expect(r.watches - watchesBefore[i]).toBeLessThanOrEqual(times.length);
    }
    const staleHere = reflectorSources(f.view, clock.now());
    expect(staleHere.every((s) => s.state === 'stale' && s.staleSinceMs === t0)).toBe(true);

    c.sim.faults.clear();
    const listsAtRecovery = f.lists();
    // Step virtual time to the next retry until every reflector is back and in sync.
    const recovered = (): boolean =>
      f.reflectors.every((r) => r.state === 'watching') && differences(c.sim, f.view).length === 0;
    const started = performance.now();
    while (!recovered()) {
      if (performance.now() - started > 60_000)
        throw new Error(`no recovery: ${differences(c.sim, f.view).join('; ')}`);
      const asleep = f.clocks.flatMap((k) => [...k.pending].map((p) => p.at));
      if (asleep.length > 0 && f.reflectors.every((r) => r.state !== 'listing')) {
        clock.advance(Math.max(0, Math.min(...asleep) - clock.now()));
      }
      await pause(2);
    }
    // History was not compacted, so each reflector resumes its watch: at most one relist.
    expect(relistsSince(f, listsAtRecovery).every((n) => n <= 1)).toBe(true);
    await waitFor('every source fresh again', () => allFresh(f.view, clock.now()));
    expect(f.view.transitions.dropped).toBeGreaterThan(0);
    bounded(c, f);
    await kubectlAgrees(c, f);
  });

  it('follows every change while watch streams are dropped again and again', async () => {
    const f = startFeed(c, { base: realClock, reflector: { backoff: { initialMs: 50, maxMs: 1_000 } } });
    feed = f;
    await converged(c, f, 'the initial sync');
    const listsBefore = f.lists();
    const watchesBefore = f.reflectors.map((r) => r.watches);
    let dropped = 0;
    for (let round = 0; round < 8; round++) {
      await waitFor('every watch to be open again', () => c.sim.server.openWatches === f.reflectors.length);
      churn(c);
      await pause(150);
      churn(c);
      dropped += c.sim.server.dropWatches();
      churn(c);
    }
    expect(dropped).toBe(8 * f.reflectors.length);
    await converged(c, f, 'the view to catch up after the drops');
    // Resumed from the last resourceVersion each time: no relist at all.
    expect(relistsSince(f, listsBefore)).toEqual(f.reflectors.map(() => 0));
    expect(f.reflectors.every((r, i) => r.watches - watchesBefore[i] >= 8)).toBe(true);
    await waitFor('every watch open', () => c.sim.server.openWatches === f.reflectors.length);
    bounded(c, f);
    await kubectlAgrees(c, f);
  });

  it('relists through a storm of 410s and ends with one relist after the last compaction', async () => {
    const f = startFeed(c, { base: realClock, reflector: { backoff: { initialMs: 50, maxMs: 1_000 } } });
    feed = f;
    await converged(c, f, 'the initial sync');
    const listsBefore = f.lists();
    let atLastCompaction = f.lists();
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      await waitFor('every watch to be open again', () => c.sim.server.openWatches === f.reflectors.length);
      churn(c);
      c.sim.server.dropWatches();
      // Written while nobody watches, then compacted away: every resumed watch gets 410.
      churn(c);
      c.sim.store.compact();
      atLastCompaction = f.lists();
      await waitFor('every reflector to relist', () =>
        relistsSince(f, atLastCompaction).every((n) => n >= 1),
      );
      await converged(c, f, `the view to be right after storm round ${round + 1}`);
    }
    expect(relistsSince(f, listsBefore).every((n) => n >= rounds)).toBe(true);
    await converged(c, f, 'the view to be right after the storm');
    expect(relistsSince(f, atLastCompaction)).toEqual(f.reflectors.map(() => 1));
    bounded(c, f);
    await kubectlAgrees(c, f);
  });

  it('honours Retry-After on 429s, stays correct while half the requests are refused, and recovers', {
    timeout: 180_000,
  }, async () => {
    c.sim.faults.set({ errors: { rate: 0.5, code: 429, retryAfterSeconds: 1 } });
    const f = startFeed(c, { base: realClock, reflector: { backoff: { initialMs: 50, maxMs: 1_000 } } });
    feed = f;
    await converged(c, f, 'the initial sync through 429s', 60_000);
    for (let round = 0; round < 3; round++) {
      churn(c);
      c.sim.server.dropWatches();
      churn(c);
      c.sim.store.compact();
      await converged(c, f, `the view to be right through 429s, round ${round + 1}`, 60_000);
    }
    // Lists answered 429 waited exactly the server's Retry-After; nothing else sleeps 1 s.
    expect(f.clocks.flatMap((k) => k.sleeps).filter((ms) => ms === 1000).length).toBeGreaterThan(0);
    expect([...f.failures.values()].flat().length).toBeGreaterThan(0);
    c.sim.faults.clear();
    const listsAtRecovery = f.lists();
    churn(c);
    await converged(c, f, 'the view to catch up after the 429s');
    expect(relistsSince(f, listsAtRecovery).every((n) => n <= 1)).toBe(true);
    bounded(c, f);
    await kubectlAgrees(c, f);
  });

  it('rides out 503s, marks every source stale while all requests fail, and recovers', {
    timeout: 180_000,
  }, async () => {
    const f = startFeed(c, { base: realClock, reflector: { backoff: { initialMs: 50, maxMs: 1_000 } } });
    feed = f;
    await converged(c, f, 'the initial sync');

    c.sim.faults.set({ errors: { rate: 0.5, code: 503 } });
    for (let round = 0; round < 3; round++) {
      churn(c);
      c.sim.server.dropWatches();
      churn(c);
      await converged(c, f, `the view to be right through 503s, round ${round + 1}`);
    }

    // Start the full outage from healthy sources: a reflector still retrying a 503 from the
    // 50 % phase is rightly stale since then, which would blur what this checks.
    c.sim.faults.clear();
    await waitFor('every reflector source to be fresh again', () => allFresh(f.view, realClock.now()));
    const downSince = realClock.now();
    c.sim.faults.set({ errors: { rate: 1, code: 503 } });
    c.sim.server.dropWatches();
    churn(c);
    await waitFor('every reflector source to be stale', () =>
      allStale(f.view, realClock.now(), realClock.now()),
    );
    const failuresThen = f.reflectors.map((r) => f.failures.get(r.source)?.length ?? 0);
    await waitFor('more retries while down', () =>
      f.reflectors.every((r, i) => (f.failures.get(r.source)?.length ?? 0) >= failuresThen[i] + 2),
    );
    for (const s of reflectorSources(f.view, realClock.now())) {
      expect(s.state).toBe('stale');
      expect(s.staleSinceMs).toBeGreaterThanOrEqual(downSince);
      // The dropped stream first, then the 503s of every reconnect (client-node gives the status text).
      expect(s.lastError).toMatch(/Service Unavailable|unable to handle the request/);
    }
    expect(f.reflectors.every((r) => r.state !== 'stopped')).toBe(true);

    c.sim.faults.clear();
    const listsAtRecovery = f.lists();
    await converged(c, f, 'the view to catch up after the 503s');
    expect(relistsSince(f, listsAtRecovery).every((n) => n <= 1)).toBe(true);
    await waitFor('every source fresh again', () => allFresh(f.view, realClock.now()));
    bounded(c, f);
    await kubectlAgrees(c, f);
  });

  it('stays correct with slow answers', async () => {
    c.sim.faults.set({ latencyMs: 300 });
    const f = startFeed(c, { base: realClock, reflector: { backoff: { initialMs: 50, maxMs: 1_000 } } });
    feed = f;
    await converged(c, f, 'the initial sync through slow answers');
    const listsBefore = f.lists();
    for (let round = 0; round < 3; round++) {
      churn(c);
      c.sim.server.dropWatches();
      churn(c);
      await converged(c, f, `the view to be right with slow answers, round ${round + 1}`);
    }
    expect(relistsSince(f, listsBefore)).toEqual(f.reflectors.map(() => 0));
    await kubectlAgrees(c, f);
    c.sim.faults.clear();
    bounded(c, f);
  });

  it('notices a hanging API server through the watchdog, keeps trying, and recovers', async () => {
    const f = startFeed(c, {
      base: realClock,
      requestTimeoutMs: 3_000,
      reflector: { watchdogMs: 2_000, backoff: { initialMs: 50, maxMs: 500 } },
    });
    feed = f;
    await converged(c, f, 'the initial sync');
    // Bookmarks (every 250 ms) keep healthy watches inside the short watchdog.
    await pause(3_000);
    expect(allFresh(f.view, realClock.now())).toBe(true);
    expect(f.failures.size).toBe(0);

    const hangSince = realClock.now();
    c.sim.faults.set({ unreachable: 'hang' });
    churn(c);
    await waitFor('every reflector source to be stale', () =>
      allStale(f.view, realClock.now(), realClock.now()),
    );
    for (const s of reflectorSources(f.view, realClock.now())) {
      expect(s.staleSinceMs).toBeGreaterThanOrEqual(hangSince);
      expect(s.lastError).toContain('no event or bookmark within the watchdog period');
    }
    // Still trying: hung reconnects are abandoned by the watchdog too.
    const watchesThen = f.reflectors.map((r) => r.watches);
    await waitFor('reconnect attempts while hung', () =>
      f.reflectors.every((r, i) => r.watches >= watchesThen[i] + 2),
    );
    churn(c);

    c.sim.faults.clear();
    const listsAtRecovery = f.lists();
    await converged(c, f, 'the view to catch up after the hang');
    expect(relistsSince(f, listsAtRecovery).every((n) => n <= 1)).toBe(true);
    await waitFor('every source fresh again', () => allFresh(f.view, realClock.now()));
    bounded(c, f);
    await kubectlAgrees(c, f);
  });
});
