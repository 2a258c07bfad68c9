/**
 * The real `@kubernetes/client-node` 2.x against the simulator: typed API calls, `Watch`, and
 * its `ListWatch` informer through dropped streams and 410 relists. Besides checking the
 * simulator, these tests pin down how client-node itself behaves on watch errors (it stops
 * on most of them), which is why kubetriage writes its own reflector; the findings are noted
 * next to the tests that show them.
 */
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  makeInformer,
  type V1Pod,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SimulatorOptions } from '../../src/sim/simulator.ts';
import { type SimCluster, startSimCluster } from '../support/sim-cluster.ts';

interface StatusBody {
  kind?: string;
  status?: string;
  reason?: string;
  code?: number;
  message?: string;
}

interface WatchObject {
  kind?: string;
  apiVersion?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
  };
  code?: number;
  reason?: string;
  status?: string;
  message?: string;
}

interface SeenEvent {
  type: string;
  name?: string;
  object: WatchObject;
}

/**
 * The harness kubeconfig, loaded as client-node loads it. client-node 2.x refuses plain
 * `http://` servers unless the cluster sets `insecure-skip-tls-verify` (config.js
 * createDispatcherOptions), so the copy used for the protocol tests sets it; the first test
 * checks whether the harness file works as it is.
 */
function loadKubeConfig(path: string, patchHttp = true): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  if (!patchHttp) return kc;
  const patched = new KubeConfig();
  patched.loadFromOptions({
    clusters: kc.clusters.map((cl) => ({ ...cl, skipTLSVerify: true })),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.getCurrentContext(),
  });
  return patched;
}

/** The body of an ApiException, parsed (client-node 2.x keeps it as the raw JSON text). */
function statusOf(err: unknown): StatusBody {
  expect(err).toBeInstanceOf(ApiException);
  const body = (err as ApiException<unknown>).body;
  return (typeof body === 'string' ? JSON.parse(body) : body) as StatusBody;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
}

function podKey(p: { metadata?: { namespace?: string; name?: string } }): string {
  return `${p.metadata?.namespace}/${p.metadata?.name}`;
}

/** namespace/name → resourceVersion, the way a cache is compared with the store. */
function versions(
  items: ReadonlyArray<{ metadata?: { namespace?: string; name?: string; resourceVersion?: string } }>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of items) out[podKey(p)] = p.metadata?.resourceVersion ?? '';
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function newPod(name: string, labels: Record<string, string> = {}): V1Pod {
  return { metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
}

describe('kubeconfig', () => {
  it('the harness kubeconfig works with client-node 2.x as written', async () => {
    const c = await startSimCluster();
    try {
      // simKubeconfig writes `server: http://…` without insecure-skip-tls-verify, and
      // client-node 2.x throws "HTTP protocol is not allowed when skipTLSVerify is not set
      // or false" before sending anything. kubectl is happy either way.
      const core = loadKubeConfig(c.kubeconfig, false).makeApiClient(CoreV1Api);
      const nodes = await core.listNode();
      expect(nodes.items.length).toBe(4);
    } finally {
      await c.stop();
    }
  });
});

describe('typed API calls', () => {
  let c: SimCluster;
  let core: CoreV1Api;
  let apps: AppsV1Api;

  beforeAll(async () => {
    c = await startSimCluster();
    const kc = loadKubeConfig(c.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('listNode returns the control plane and the workers', async () => {
    const nodes = await core.listNode();
    expect(nodes.items.map((n) => n.metadata?.name).sort()).toEqual([
      'cp-1',
      'worker-1',
      'worker-2',
      'worker-3',
    ]);
    expect(nodes.metadata?.resourceVersion).toMatch(/^\d+$/);
    const ready = nodes.items[0].status?.conditions?.find((cond) => cond.type === 'Ready');
    expect(ready?.status).toBe('True');
  });

  it('listPodForAllNamespaces and listNamespacedPod with label and field selectors', async () => {
    const all = await core.listPodForAllNamespaces();
    expect(all.items.length).toBe(15);
    expect(new Set(all.items.map((p) => p.metadata?.namespace))).toEqual(new Set(['kube-system', 'shop']));

    const web = await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=web' });
    expect(web.items).toHaveLength(3);
    expect(web.items.every((p) => p.metadata?.labels?.app === 'web')).toBe(true);

    const onWorker1 = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=worker-1' });
    expect(onWorker1.items.length).toBeGreaterThan(0);
    expect(onWorker1.items.every((p) => p.spec?.nodeName === 'worker-1')).toBe(true);

    const both = await core.listNamespacedPod({
      namespace: 'kube-system',
      labelSelector: 'k8s-app=kube-proxy',
      fieldSelector: 'spec.nodeName=worker-2,status.phase=Running',
    });
    expect(both.items).toHaveLength(1);

    const bad = await rejection(core.listNamespacedPod({ namespace: 'shop', fieldSelector: 'spec.nope=1' }));
    expect((bad as ApiException<unknown>).code).toBe(400);
    expect(statusOf(bad)).toMatchObject({
      reason: 'BadRequest',
      message: 'field label not supported: spec.nope',
    });
  });

  it('readNamespacedPod returns a typed pod, a missing one is an ApiException 404', async () => {
    const [first] = (await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=checkout' }))
      .items;
    const pod = await core.readNamespacedPod({ name: first.metadata!.name!, namespace: 'shop' });
    expect(pod.kind).toBe('Pod');
    expect(pod.apiVersion).toBe('v1');
    expect(pod.status?.phase).toBe('Running');
    expect(pod.metadata?.uid).toBe(first.metadata?.uid);

    const err = await rejection(core.readNamespacedPod({ name: 'nope', namespace: 'shop' }));
    expect((err as ApiException<unknown>).code).toBe(404);
    expect(statusOf(err)).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'pods "nope" not found',
      code: 404,
    });
  });

  it('create, replace with a stale resourceVersion (409 Conflict), delete a ConfigMap', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'cn-cm', labels: { owner: 'test' } }, data: { k: 'v1' } },
    });
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);

    const updated = await core.replaceNamespacedConfigMap({
      name: 'cn-cm',
      namespace: 'default',
      body: { ...created, data: { k: 'v2' } },
    });
    expect(updated.data).toEqual({ k: 'v2' });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );

    const stale = await rejection(
      core.replaceNamespacedConfigMap({
        name: 'cn-cm',
        namespace: 'default',
        body: { ...created, data: { k: 'v3' } },
      }),
    );
    expect(stale).toBeInstanceOf(ApiException);
    expect((stale as ApiException<unknown>).code).toBe(409);
    expect(statusOf(stale)).toMatchObject({
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on configmaps "cn-cm": the object has been modified; please apply your changes to the latest version and try again',
    });

    const dup = await rejection(
      core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cn-cm' } } }),
    );
    expect((dup as ApiException<unknown>).code).toBe(409);
    expect(statusOf(dup).reason).toBe('AlreadyExists');

    const deleted = await core.deleteNamespacedConfigMap({ name: 'cn-cm', namespace: 'default' });
    const gone = await rejection(core.readNamespacedConfigMap({ name: 'cn-cm', namespace: 'default' }));
    expect((gone as ApiException<unknown>).code).toBe(404);
    // deleteNamespacedConfigMap is typed Promise<V1Status>: ConfigMaps have no
    // ReturnDeletedObject, so kube-apiserver answers Status{status: Success, details}.
    expect.soft(deleted.status, 'delete answers a Success Status').toBe('Success');
    expect.soft(deleted.details?.name).toBe('cn-cm');
    expect.soft(deleted.details?.kind).toBe('configmaps');
    expect.soft(deleted.details?.uid).toBe(created.metadata?.uid);
  });

  it('AppsV1Api listDeploymentForAllNamespaces', async () => {
    const deps = await apps.listDeploymentForAllNamespaces();
    expect(deps.items.map((d) => `${d.metadata?.namespace}/${d.metadata?.name}`).sort()).toEqual([
      'kube-system/coredns',
      'shop/checkout',
      'shop/web',
    ]);
    const web = deps.items.find((d) => d.metadata?.name === 'web');
    expect(web?.spec?.replicas).toBe(3);
    expect(web?.status?.readyReplicas).toBe(3);
  });

  it('limit + _continue walks every pod exactly once', async () => {
    const all = await core.listPodForAllNamespaces();
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    let rv: string | undefined;
    do {
      const page = await core.listPodForAllNamespaces({ limit: 4, _continue: token });
      expect(page.items.length).toBeLessThanOrEqual(4);
      rv ??= page.metadata?.resourceVersion;
      expect(page.metadata?.resourceVersion).toBe(rv);
      seen.push(...page.items.map(podKey));
      token = page.metadata?._continue;
      pages++;
    } while (token && pages < 50);
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(all.items.map(podKey).sort());
  });
});

describe('Watch', () => {
  let c: SimCluster;
  let kc: KubeConfig;
  let core: CoreV1Api;

  beforeAll(async () => {
    c = await startSimCluster({ watch: { bookmarkIntervalMs: 100 } });
    kc = loadKubeConfig(c.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
  });
  afterAll(async () => {
    await c?.stop();
  });

  function record(): {
    events: SeenEvent[];
    done: unknown[];
    cb: (type: string, obj: WatchObject) => void;
    onDone: (err: unknown) => void;
  } {
    const events: SeenEvent[] = [];
    const done: unknown[] = [];
    return {
      events,
      done,
      cb: (type, object) => events.push({ type, name: object?.metadata?.name, object }),
      onDone: (err) => done.push(err),
    };
  }

  it('delivers ADDED/MODIFIED/DELETED for API changes, and BOOKMARKs when asked', async () => {
    const list = await core.listPodForAllNamespaces();
    const r = record();
    const ctl = await new Watch(kc).watch(
      '/api/v1/pods',
      { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
      r.cb,
      r.onDone,
    );
    try {
      await core.createNamespacedPod({ namespace: 'default', body: newPod('cn-watch', { v: '1' }) });
      const pod = await core.readNamespacedPod({ name: 'cn-watch', namespace: 'default' });
      await core.replaceNamespacedPod({
        name: 'cn-watch',
        namespace: 'default',
        body: { ...pod, metadata: { ...pod.metadata, labels: { v: '2' } } },
      });
      // Unbound, so it goes at once (no graceful termination).
      await core.deleteNamespacedPod({ name: 'cn-watch', namespace: 'default' });
      await vi.waitFor(
        () => {
          expect(r.events.filter((e) => e.name === 'cn-watch').map((e) => e.type)).toEqual([
            'ADDED',
            'MODIFIED',
            'DELETED',
          ]);
          expect(r.events.some((e) => e.type === 'BOOKMARK')).toBe(true);
        },
        { timeout: 5000, interval: 20 },
      );
      const modified = r.events.find((e) => e.name === 'cn-watch' && e.type === 'MODIFIED')!;
      expect(modified.object.kind).toBe('Pod');
      expect(modified.object.apiVersion).toBe('v1');
      const bm = r.events.find((e) => e.type === 'BOOKMARK')!;
      expect(bm.object.kind).toBe('Pod');
      expect(bm.object.metadata?.resourceVersion).toMatch(/^\d+$/);
      expect(r.done).toEqual([]);
    } finally {
      ctl.abort();
    }
  });

  it('timeoutSeconds: 1 ends the watch cleanly (done without an error)', async () => {
    const r = record();
    await new Watch(kc).watch(
      '/api/v1/nodes',
      { resourceVersion: String(c.sim.store.resourceVersion), timeoutSeconds: 1 },
      r.cb,
      r.onDone,
    );
    await vi.waitFor(() => expect(r.done).toHaveLength(1), { timeout: 5000, interval: 20 });
    expect(r.done[0] ?? null).toBeNull();
  });

  it('a watch from a compacted resourceVersion gets one ERROR (Status 410 Expired) and ends', async () => {
    const oldRv = String(c.sim.store.resourceVersion);
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'cn-compact-1' } },
    });
    c.sim.store.compact();
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'cn-compact-2' } },
    });
    const r = record();
    await new Watch(kc).watch(
      '/api/v1/pods',
      { resourceVersion: oldRv, allowWatchBookmarks: true },
      r.cb,
      r.onDone,
    );
    await vi.waitFor(() => expect(r.done).toHaveLength(1), { timeout: 5000, interval: 20 });
    expect(r.done[0] ?? null).toBeNull();
    expect(r.events).toHaveLength(1);
    expect(r.events[0].type).toBe('ERROR');
    expect(r.events[0].object).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Expired',
      code: 410,
    });
    expect(r.events[0].object.message).toMatch(new RegExp(`^too old resource version: ${oldRv} \\(\\d+\\)$`));
  });

  it('a dropped stream ends the watch with an error, not a clean close', async () => {
    const r = record();
    await new Watch(kc).watch(
      '/api/v1/nodes',
      { resourceVersion: String(c.sim.store.resourceVersion) },
      r.cb,
      r.onDone,
    );
    await vi.waitFor(() => expect(c.sim.server.openWatches).toBeGreaterThan(0), {
      timeout: 2000,
      interval: 10,
    });
    c.sim.server.dropWatches();
    await vi.waitFor(() => expect(r.done).toHaveLength(1), { timeout: 5000, interval: 20 });
    // undici reports the cut chunked body as `TypeError: terminated` (cause: SocketError
    // "other side closed", code UND_ERR_SOCKET).
    const err = r.done[0] as Error & { cause?: { code?: string } };
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe('terminated');
    expect(err.cause?.code).toBe('UND_ERR_SOCKET');
  });
});

describe('ListWatch informer', () => {
  let c: SimCluster | undefined;
  const stops: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const s of stops.splice(0)) await s();
    await c?.stop();
    c = undefined;
  });

  /** A pods informer whose list calls, connects and errors are counted. */
  async function podInformer(opts: SimulatorOptions = {}) {
    c = await startSimCluster(opts);
    const cluster = c;
    const kc = loadKubeConfig(cluster.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const stats = { lists: 0, connects: 0, errors: [] as unknown[] };
    const informer = makeInformer<V1Pod>(kc, '/api/v1/pods', () => {
      stats.lists++;
      return core.listPodForAllNamespaces();
    });
    informer.on('connect', () => stats.connects++);
    informer.on('error', (err: unknown) => stats.errors.push(err));
    await informer.start();
    stops.push(() => informer.stop());
    await vi.waitFor(() => expect(cluster.sim.server.openWatches).toBe(1), { timeout: 3000, interval: 10 });
    const consistent = async () => {
      await vi.waitFor(
        async () => {
          const truth = await core.listPodForAllNamespaces();
          expect(versions(informer.list())).toEqual(versions(truth.items));
        },
        { timeout: 8000, interval: 100 },
      );
    };
    return { cluster, core, informer, stats, consistent };
  }

  /** Creates, relabels and deletes pods through the API (one graceful, one immediate deletion). */
  async function churn(core: CoreV1Api, tag: string): Promise<void> {
    await core.createNamespacedPod({ namespace: 'default', body: newPod(`${tag}-new`) });
    await core.createNamespacedPod({ namespace: 'default', body: newPod(`${tag}-gone`) });
    await core.deleteNamespacedPod({ name: `${tag}-gone`, namespace: 'default' });
    const [web] = (await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=web' })).items;
    await core.replaceNamespacedPod({
      name: web.metadata!.name!,
      namespace: 'shop',
      body: { ...web, metadata: { ...web.metadata, labels: { ...web.metadata?.labels, touched: tag } } },
    });
    const [checkout] = (await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=checkout' }))
      .items;
    // Bound: gets a deletionTimestamp now, and the kubelet stand-in removes it ~0.5 s later.
    await core.deleteNamespacedPod({ name: checkout.metadata!.name!, namespace: 'shop' });
  }

  it('lists, then follows changes made through the API', async () => {
    const { core, stats, consistent } = await podInformer();
    await consistent();
    await churn(core, 'follow');
    await consistent();
    expect(stats.lists).toBe(1);
    expect(stats.errors).toEqual([]);
  });

  it('after dropWatches() it reports an error and STOPS; start() resumes from its resourceVersion and catches up', async () => {
    const { cluster, core, informer, stats, consistent } = await podInformer();
    await consistent();
    cluster.sim.server.dropWatches();
    await vi.waitFor(() => expect(stats.errors).toHaveLength(1), { timeout: 5000, interval: 20 });
    // client-node 2.x cache.js doneHandler: only 410s and client-side TimeoutErrors reconnect;
    // any other error (here undici's `TypeError: terminated`) goes to the error callbacks and
    // the informer does not restart.
    const err = stats.errors[0] as Error;
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe('terminated');
    await sleep(1500);
    expect(cluster.sim.server.openWatches).toBe(0);
    const connectsWhileStopped = stats.connects;

    // Changes made while the informer is stopped are missed until it is started again.
    await churn(core, 'dropped');
    expect(informer.list().some((p) => p.metadata?.name === 'dropped-new')).toBe(false);

    await informer.start();
    expect(stats.connects).toBe(connectsWhileStopped + 1);
    await consistent();
    // The resourceVersion survived, so the restart watched from it and replayed history
    // instead of relisting.
    expect(stats.lists).toBe(1);
    expect(stats.errors).toHaveLength(1);
  });

  it('relists after a 410: stopped by a drop, history compacted, start() gets ERROR 410 and lists again', async () => {
    const { cluster, core, informer, stats, consistent } = await podInformer();
    await consistent();
    cluster.sim.server.dropWatches();
    await vi.waitFor(() => expect(stats.errors).toHaveLength(1), { timeout: 5000, interval: 20 });
    await churn(core, 'expired');
    cluster.sim.store.compact();
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'after-compaction' } },
    });
    await informer.start();
    await vi.waitFor(() => expect(stats.lists).toBe(2), { timeout: 5000, interval: 20 });
    await consistent();
    expect(informer.list().some((p) => p.metadata?.name === 'expired-new')).toBe(true);
    expect(informer.list().some((p) => p.metadata?.name === 'expired-gone')).toBe(false);
    // The 410 arrives as an ERROR event on a 200 stream, which client-node handles without
    // calling the error callbacks.
    expect(stats.errors).toHaveLength(1);
  });

  it('relists by itself when the server closes the watch and its resourceVersion was compacted meanwhile', async () => {
    // The server ends every watch after 1–2 s. Writes to other kinds move the store's
    // revision on while the pods watch stays at its last pod event (client-node asks for no
    // bookmarks), so after a compaction its reconnect is too old: ERROR 410, then a relist.
    const { cluster, core, stats, consistent } = await podInformer({
      watch: { minRequestTimeoutSeconds: 1 },
    });
    await consistent();
    for (let i = 0; i < 3; i++) {
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: `unrelated-${i}` } },
      });
    }
    cluster.sim.store.compact();
    await vi.waitFor(() => expect(stats.lists).toBe(2), { timeout: 6000, interval: 20 });
    await churn(core, 'auto');
    await consistent();
    expect(stats.errors).toEqual([]);
  });

  it('a clean server-side close reconnects from the last resourceVersion without relisting', async () => {
    const { cluster, core, stats, consistent } = await podInformer({
      watch: { minRequestTimeoutSeconds: 1 },
    });
    await consistent();
    const connects = stats.connects;
    let tick = 0;
    // Keep pod events flowing so the informer's resourceVersion stays inside history.
    await vi.waitFor(
      async () => {
        await core.createNamespacedPod({ namespace: 'default', body: newPod(`tick-${tick++}`) });
        expect(stats.connects).toBeGreaterThan(connects);
      },
      { timeout: 6000, interval: 200 },
    );
    await consistent();
    expect(stats.lists).toBe(1);
    expect(stats.errors).toEqual([]);
    expect(cluster.sim.server.openWatches).toBeLessThanOrEqual(1);
  });

  it('an HTTP 5xx on a reconnect stops the informer too', async () => {
    const { cluster, informer, stats, consistent } = await podInformer({
      watch: { minRequestTimeoutSeconds: 1 },
    });
    await consistent();
    cluster.sim.faults.set({ errors: { rate: 1, code: 500 }, paths: ['/api/v1/pods'] });
    try {
      await vi.waitFor(() => expect(stats.errors).toHaveLength(1), { timeout: 6000, interval: 20 });
    } finally {
      cluster.sim.faults.clear();
    }
    // Watch.watch turns a non-200 answer into Error(statusText) with statusCode.
    const err = stats.errors[0] as Error & { statusCode?: number };
    expect(err.statusCode).toBe(500);
    expect(err.message).toBe('Internal Server Error');
    await sleep(2500);
    expect(cluster.sim.server.openWatches).toBe(0);
    await informer.start();
    await consistent();
  });
});
