/**
 * One `serve` in process (its ServeRuntime and loop of rounds, as commands/serve.ts runs
 * them) against one simulated cluster over HTTPS, with every cadence shortened so that a
 * fault of two seconds is a long one: probes every 500 ms, rounds every 200 ms, request
 * timeouts of 1 s, a watchdog of 1.5 s (bookmarks come every 250 ms), reflector backoff
 * capped at 250 ms, and tracker quiet periods of a second instead of minutes. The
 * kubelets are the test's own, so one can be stopped to make a real incident.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServeRuntime } from '../../src/cli/serve-runtime.ts';
import { openSqliteStore } from '../../src/incident/store/sqlite-store.ts';
import type { IncidentStore } from '../../src/incident/store/store.ts';
import { LiveFeed } from '../../src/kube/live-feed.ts';
import { watchedResources } from '../../src/kube/observations.ts';
import { ClusterView } from '../../src/observe/cluster-view.ts';
import { resourceForKind } from '../../src/sim/api/resources.ts';
import { KubeletModel } from '../../src/sim/behaviour/kubelet.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { type Clock, realClock } from '../../src/time/clock.ts';
import { seededRandom } from '../../src/time/virtual-clock.ts';
import { apiClientFor } from '../support/live-feed.ts';
import { type SimCluster, serveSimCluster } from '../support/sim-cluster.ts';
import { waitFor } from '../support/wait-for.ts';

/** serve's --interval, 10 s by default. */
const roundIntervalMs = 200;
/**
 * The tracker's quiet periods (3 minutes to Monitoring, 5 to 15 to Resolved by default),
 * scaled to the cadences above: a fault of 1.8 s outlasts the wait for Monitoring, so a
 * clear read from missing data would show within one round.
 */
export const trackerWindows = { monitorAfterMs: 1_200, resolveAtLeastMs: 2_400, resolveAfterMs: 4_800 };
export const apiToken = 'faults-api-token-0123456789abcdef';
export const clusterToken = 'faults-cluster-token-0123456789';

export interface FaultRig {
  clock: Clock;
  sim: Simulator;
  cluster: SimCluster;
  view: ClusterView;
  feed: LiveFeed;
  runtime: ServeRuntime;
  store: IncidentStore;
  /** The static cluster's kubelets, by node: halt one to take its node down. */
  kubelets: Map<string, KubeletModel>;
  /** serve's rounds so far. */
  rounds(): number;
  /** Resolves after `n` more of serve's rounds. */
  nextRounds(n: number): Promise<void>;
  /** Every reflector watching again and the view holding what the cluster holds. */
  synced(): boolean;
  /** The API (the runtime's Hono app), with the token. */
  api(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/** A simulated cluster served over HTTPS, with its kubelets, before anything watches it. */
export interface FaultCluster {
  name: string;
  sim: Simulator;
  cluster: SimCluster;
  kubelets: Map<string, KubeletModel>;
}

/**
 * Starting a cluster is heavy (a certificate is generated): a suite starts all of its
 * clusters before any `serve` watches one, or the stall would read as a slow API server.
 */
export async function startFaultCluster(name: string): Promise<FaultCluster> {
  const clock = realClock;
  // Bookmarks four times a second keep quiet watches inside the short watchdog below, as a
  // real apiserver's one a minute does inside the default 150 s.
  const sim = new Simulator({ clock, token: clusterToken, watch: { bookmarkIntervalMs: 250 } });
  const nodes = sim.store.listObjects(resourceForKind('Node')!, '').map((n) => n.metadata.name ?? '');
  const random = seededRandom(nodes.length);
  const kubelets = new Map(
    nodes.map((node) => [node, new KubeletModel({ node, store: sim.store, clock, random })]),
  );
  for (const k of kubelets.values()) k.start();
  const cluster = await serveSimCluster(sim, clusterToken);
  return { name, sim, cluster, kubelets };
}

/** `serve` (its runtime and its loop of rounds) watching a started cluster, once in sync. */
export async function startFaultRig(c: FaultCluster): Promise<FaultRig> {
  const { name, sim, cluster, kubelets } = c;
  const clock = realClock;
  const dir = await mkdtemp(join(tmpdir(), 'kubetriage-faults-'));
  const store = openSqliteStore({ dataDir: dir, cluster: name });
  const view = new ClusterView();
  const feed = new LiveFeed({
    client: apiClientFor(cluster, { now: () => clock.now(), requestTimeoutMs: 1_000 }),
    clock,
    apiProbeIntervalMs: 500,
    sink: (o) => view.apply(o),
    reflector: { watchdogMs: 1_500, backoff: { initialMs: 50, maxMs: 250 } },
  });
  feed.start();
  await waitFor(`${name}: the first sync`, () => watchedResources.every((r) => view.synced(r)));
  const runtime = new ServeRuntime({
    clock,
    store,
    cluster: name,
    token: apiToken,
    autoPublish: true,
    tracker: trackerWindows,
  });
  await runtime.desk.restore(clock.now());
  let rounds = 0;
  let running = true;
  const waiters: { at: number; resolve: () => void }[] = [];
  // serve's loop (commands/serve.ts).
  const loop = (async () => {
    while (running) {
      runtime.round(view, clock.now());
      rounds++;
      for (const w of waiters.filter((x) => x.at <= rounds)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      await clock.sleep(roundIntervalMs);
    }
  })();
  return {
    clock,
    sim,
    cluster,
    view,
    feed,
    runtime,
    store,
    kubelets,
    rounds: () => rounds,
    nextRounds: (n) => new Promise((resolve) => waiters.push({ at: rounds + n, resolve })),
    synced: () =>
      feed.reflectors.every((r) => r.state === 'watching') && watchedResources.every((r) => view.synced(r)),
    api: (path, init = {}) =>
      Promise.resolve(
        runtime.app.request(path, {
          ...init,
          headers: {
            authorization: `Bearer ${apiToken}`,
            'content-type': 'application/json',
            ...init.headers,
          },
        }),
      ),
    async stop() {
      running = false;
      await loop;
      await feed.stop();
      for (const k of kubelets.values()) k.stop();
      await runtime.close();
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
