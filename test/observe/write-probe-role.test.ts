/**
 * The write probe with exactly the roles the chart binds to kubetriage's service account
 * (deploy/rbac.ts: kubetriage-read and kubetriage-write-probe), the simulator authorizing
 * every request as RBAC would: the dry-run ConfigMap in its own namespace is granted, a
 * `--write-probe` target elsewhere is not until the operator grants it, and that 403 reads
 * as a forbidden source, never as writes refused by the cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolesFor } from '../../deploy/rbac.ts';
import { writesRefused } from '../../src/detect/writes-refused.ts';
import { LiveFeed } from '../../src/kube/live-feed.ts';
import { ClusterView } from '../../src/observe/cluster-view.ts';
import { resourceForKind } from '../../src/sim/api/resources.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { realClock } from '../../src/time/clock.ts';
import { apiClientFor } from '../support/live-feed.ts';
import { type SimCluster, serveSimCluster } from '../support/sim-cluster.ts';

const token = 'kubetriage-server-token-0123456789';
const serverAccount = {
  user: 'system:serviceaccount:kubetriage:kubetriage',
  roles: [...rolesFor('watcher', 'kubetriage'), ...rolesFor('write-probe', 'kubetriage')].map((r) => ({
    ...(r.namespace ? { namespace: r.namespace } : {}),
    rules: r.rules,
  })),
};

describe('the write probe with the roles the chart binds', () => {
  let c: SimCluster;
  const view = new ClusterView();

  beforeAll(async () => {
    const sim = new Simulator({ tokens: new Map([[token, serverAccount]]) });
    const nsType = resourceForKind('Namespace')!;
    for (const name of ['kubetriage', 'shop'])
      if (!sim.store.find(nsType, '', name)) sim.store.create(nsType, { metadata: { name } });
    c = await serveSimCluster(sim, token);
    const feed = new LiveFeed({
      client: apiClientFor(c),
      clock: realClock,
      sink: (o) => view.apply(o),
      resources: [],
      writeProbes: [
        { kind: 'configmap', namespace: 'kubetriage' },
        { kind: 'ingress', namespace: 'shop' },
      ],
    });
    await feed.pollNow();
    await feed.pollNow();
    await feed.stop();
  });

  afterAll(async () => {
    await c?.stop();
  });

  it('may create (dry run) the ConfigMap in its own namespace, and nothing was stored', () => {
    const own = view.writeProbes.toArray().filter((p) => p.target === 'configmaps/kubetriage');
    expect(own.map((p) => [p.ok, p.status])).toEqual([
      [true, 201],
      [true, 201],
    ]);
    expect(c.sim.store.listObjects(resourceForKind('ConfigMap')!, 'kubetriage')).toEqual([]);
  });

  it('is refused the Ingress elsewhere by RBAC, read as its own missing grant, not the cluster refusing', () => {
    expect(c.sim.server.forbidden.map((f) => `${f.method} ${f.path}`)).toEqual([
      'POST /apis/networking.k8s.io/v1/namespaces/shop/ingresses',
      'POST /apis/networking.k8s.io/v1/namespaces/shop/ingresses',
    ]);
    const shop = view.writeProbes.toArray().filter((p) => p.target === 'ingresses/shop');
    expect(shop.map((p) => [p.ok, p.status, p.refusal?.kind])).toEqual([
      [false, 403, 'forbidden'],
      [false, 403, 'forbidden'],
    ]);
    const sources = view.freshness(realClock.now(), 60_000);
    expect(sources.find((s) => s.source === 'probe-write/ingresses/shop')?.state).toBe('forbidden');
    expect(sources.find((s) => s.source === 'probe-write/configmaps/kubetriage')?.state).toBe('fresh');
    expect(writesRefused(view, realClock.now())).toEqual([]);
  });
});
