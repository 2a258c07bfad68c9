/**
 * A read role from before the admission inventory (deploy/rbac.ts without list/watch on the
 * webhook configurations), as an older install or a tightened ClusterRole runs it: the
 * simulator authorizes by that role as RBAC would. The two webhook reflectors are refused
 * with 403; that must read as "not granted", never as a failing cluster, never hold up the
 * sync, and the rest (the API server's certificate included, which needs no grant) goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolesFor } from '../../deploy/rbac.ts';
import { detectAll } from '../../src/detect/all.ts';
import { LiveFeed } from '../../src/kube/live-feed.ts';
import { watchedResources } from '../../src/kube/observations.ts';
import { ClusterView } from '../../src/observe/cluster-view.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { realClock } from '../../src/time/clock.ts';
import { apiClientFor } from '../support/live-feed.ts';
import { type SimCluster, serveSimCluster } from '../support/sim-cluster.ts';
import { waitFor } from '../support/wait-for.ts';

const token = 'kubetriage-old-read-token-0123456789';
const reader = {
  user: 'system:serviceaccount:kubetriage:kubetriage',
  roles: rolesFor('watcher', 'kubetriage').map((r) => ({
    ...(r.namespace ? { namespace: r.namespace } : {}),
    rules: r.rules.filter((x) => !x.apiGroups?.includes('admissionregistration.k8s.io')),
  })),
};

describe('live feed with a read role that lacks the webhook configurations', () => {
  let c: SimCluster;
  let view: ClusterView;
  let feed: LiveFeed;

  beforeAll(async () => {
    c = await serveSimCluster(new Simulator({ tokens: new Map([[token, reader]]) }), token);
    view = new ClusterView();
    feed = new LiveFeed({ client: apiClientFor(c), clock: realClock, sink: (o) => view.apply(o) });
    feed.start();
    // What `kubetriage scan` and the feed-sync bench wait for: listed, or refused for good.
    await waitFor('every resource listed or forbidden', () =>
      watchedResources.every((r) => view.synced(r) || view.forbidden(r)),
    );
    await feed.pollNow();
  });

  afterAll(async () => {
    await feed?.stop();
    await c?.stop();
  });

  it('is refused only the webhook configurations, and marks them forbidden', () => {
    expect(new Set(c.sim.server.forbidden.map((f) => f.path.split('?')[0]))).toEqual(
      new Set([
        '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
        '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
      ]),
    );
    expect(watchedResources.filter((r) => !view.synced(r))).toEqual([
      'validatingwebhookconfigurations',
      'mutatingwebhookconfigurations',
    ]);
    expect(watchedResources.filter((r) => view.forbidden(r))).toEqual([
      'validatingwebhookconfigurations',
      'mutatingwebhookconfigurations',
    ]);
  });

  it('says the inventory was not checked, raises no trouble, and still reads the API server certificate', () => {
    const signals = detectAll(view, realClock.now());
    const sources = signals.flatMap((s) =>
      s.kind === 'source-status' && s.subject.includes('webhookconfigurations')
        ? [[s.subject, s.facts.state]]
        : [],
    );
    expect(sources).toEqual([
      ['source/reflector/validatingwebhookconfigurations', 'forbidden'],
      ['source/reflector/mutatingwebhookconfigurations', 'forbidden'],
    ]);
    expect(signals.filter((s) => s.severity === 'critical' || s.kind === 'api-access-denied')).toEqual([]);
    expect(signals.filter((s) => s.kind === 'admission-webhook')).toEqual([]);
    expect(
      signals.filter((s) => s.kind === 'certificate-validity').map((s) => [s.subject, s.severity]),
    ).toEqual([['certificate/kube-apiserver', 'info']]);
  });
});
