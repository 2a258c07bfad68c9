/**
 * Emergence: a broken registry, and nothing else, leaves only the pods that must fetch an
 * image from it waiting in ErrImagePull / ImagePullBackOff with the kubelet's events and
 * back-off; pods whose image is already on their node start; healing lets the next pull
 * through.
 */

import { describe, expect, it } from 'vitest';
import { behaviourCluster } from '../../../test/support/behaviour-cluster.ts';
import { seededRandom } from '../../time/virtual-clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { ImageRegistries, pullErrorText, registryHost } from './image-registry.ts';

const podType = resourceForKind('Pod')!;
const rsType = resourceForKind('ReplicaSet', 'apps')!;
const eventType = resourceForKind('Event')!;

interface PodView {
  metadata: KubeObject['metadata'];
  spec: { nodeName?: string; containers: { image: string }[] };
  status: {
    phase?: string;
    containerStatuses?: { state: { waiting?: { reason: string; message: string }; running?: unknown } }[];
  };
}
interface EventView {
  involvedObject: { name: string; fieldPath?: string };
  type: string;
  reason: string;
  message: string;
  count: number;
}

function world(containerRuntime = 'containerd://1.7.22') {
  const registries = new ImageRegistries(seededRandom(3));
  const c = behaviourCluster({
    startMs: Date.UTC(2021, 2, 22, 14, 0, 0),
    namespaces: ['shop'],
    registries,
    containerRuntime,
  });
  const replicaSet = (name: string, image: string, replicas: number) =>
    c.put(
      'ReplicaSet',
      {
        metadata: { name, namespace: 'shop' },
        spec: {
          replicas,
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image }] } },
        },
      },
      'apps',
    );
  const pods = (app: string) =>
    (c.store.listObjects(podType, 'shop') as (KubeObject & PodView)[]).filter(
      (p) => p.metadata.labels?.app === app,
    );
  const waiting = (p: PodView) => p.status.containerStatuses?.[0]?.state.waiting;
  const events = (pod: string) =>
    (c.store.listObjects(eventType, 'shop') as unknown as EventView[]).filter(
      (e) => e.involvedObject.name === pod,
    );
  return { ...c, registries, replicaSet, pods, waiting, events };
}

describe('registry host and error texts', () => {
  it('resolves short names to Docker Hub and keeps explicit hosts', () => {
    expect(registryHost('nginx')).toBe('docker.io');
    expect(registryHost('bitnami/redis:7')).toBe('docker.io');
    expect(registryHost('index.docker.io/library/nginx:1.25')).toBe('docker.io');
    expect(registryHost('quay.io/k8scsi/livenessprobe:v1.1.0')).toBe('quay.io');
    expect(registryHost('localhost:5000/app:1')).toBe('localhost:5000');
  });

  it('words each answer as the runtime does', () => {
    expect(pullErrorText('nginx:1.25', { answer: 'rate-limited' }, 'containerd://1.7.22')).toMatch(
      /^rpc error: code = Unknown desc = failed to pull and unpack image "docker\.io\/library\/nginx:1\.25": failed to copy: httpReadSeeker: failed open: unexpected status code https:\/\/registry-1\.docker\.io\/v2\/library\/nginx\/manifests\/sha256:[0-9a-f]{64}: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit\./,
    );
    expect(pullErrorText('quay.io/org/app:v1', { answer: 'unavailable' }, 'containerd://1.7.22')).toBe(
      'rpc error: code = Unknown desc = failed to pull and unpack image "quay.io/org/app:v1": failed to resolve reference "quay.io/org/app:v1": unexpected status from HEAD request to https://quay.io/v2/org/app/manifests/v1: 503 Service Unavailable',
    );
    expect(pullErrorText('quay.io/org/app:v1', { answer: 'unavailable' }, 'containerd://1.6.8')).toContain(
      'pulling from host quay.io failed with status code [manifests v1]: 503 Service Unavailable',
    );
    expect(
      pullErrorText(
        'quay.io/k8scsi/livenessprobe:v1.1.0',
        { answer: 'unavailable', status: 502 },
        'docker://19.3.15',
      ),
    ).toBe(
      'rpc error: code = Unknown desc = Error response from daemon: Get https://quay.io/v2/k8scsi/livenessprobe/manifests/v1.1.0: received unexpected HTTP status: 502 Bad Gateway',
    );
    expect(pullErrorText('nginx', { answer: 'rate-limited' }, 'docker://19.3.15')).toBe(
      'rpc error: code = Unknown desc = Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
    );
    expect(pullErrorText('registry.example.com/app:2', { answer: 'unauthorized' })).toMatch(
      /failed to authorize: failed to fetch oauth token: unexpected status from GET request to https:\/\/registry\.example\.com\/token\?scope=repository%3Aapp%3Apull&service=registry\.example\.com: 401 Unauthorized$/,
    );
    expect(pullErrorText('nginx:1.99', { answer: 'not-found' })).toBe(
      'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:1.99": failed to resolve reference "docker.io/library/nginx:1.99": docker.io/library/nginx:1.99: not found',
    );
  });
});

describe('image pulls from a broken registry', () => {
  it('starts pods whose image is on their node, and leaves new images waiting with the kubelet back-off', () => {
    const w = world();
    w.replicaSet('api', 'quay.io/acme/api:1.0', 3);
    w.clock.advance(10_000);
    expect(w.pods('api').every((p) => p.status.phase === 'Running')).toBe(true);

    w.registries.set('outage', { host: 'quay.io', answer: 'unavailable', share: 1 });
    const attempts: number[] = [];
    const pull = w.registries.pull.bind(w.registries);
    w.registries.pull = (image, runtime) => {
      attempts.push(w.clock.now());
      return pull(image, runtime);
    };

    // More replicas of a running image: each node has it, so they start without a pull.
    w.store.update(rsType, {
      ...w.store.get(rsType, 'shop', 'api'),
      spec: { ...(w.store.get(rsType, 'shop', 'api').spec as object), replicas: 6 },
    });
    w.clock.advance(10_000);
    expect(w.pods('api').filter((p) => p.status.phase === 'Running')).toHaveLength(6);
    expect(attempts).toHaveLength(0);

    // A new image no node has: every pod pulls and fails.
    w.replicaSet('worker', 'quay.io/acme/worker:2.0', 1);
    w.clock.advance(3_000);
    const [pod] = w.pods('worker');
    const name = pod.metadata.name ?? '';
    expect(pod.status.phase).toBe('Pending');
    expect(w.waiting(pod)).toEqual({
      reason: 'ErrImagePull',
      message: expect.stringMatching(/: 503 Service Unavailable$/),
    });
    const first = w.events(name).filter((e) => e.reason !== 'Scheduled');
    expect(first.map((e) => `${e.type} ${e.reason} ${e.message.slice(0, 40)}`).sort()).toEqual([
      'Normal Pulling Pulling image "quay.io/acme/worker:2.0"',
      'Warning Failed Error: ErrImagePull',
      'Warning Failed Failed to pull image "quay.io/acme/worke',
    ]);
    expect(first.every((e) => e.involvedObject.fieldPath === 'spec.containers{worker}')).toBe(true);

    // Inside the back-off the pod worker's retries record BackOff and wait in ImagePullBackOff.
    w.clock.advance(20_000);
    const backingOff = w.pods('worker')[0];
    expect(w.waiting(backingOff)?.reason).toBe('ImagePullBackOff');
    expect(w.waiting(backingOff)?.message).toMatch(
      /^Back-off pulling image "quay\.io\/acme\/worker:2\.0": ErrImagePull: rpc error: code = Unknown desc = /,
    );
    expect(w.events(name).find((e) => e.reason === 'BackOff')).toMatchObject({
      type: 'Normal',
      message: 'Back-off pulling image "quay.io/acme/worker:2.0"',
    });

    // Pulls at 0, 10, 30, 70, 150, 310, 610, 910 s: back-off 10 s doubling to 300 s, synced every 10 s.
    w.clock.advance(1_000_000);
    const start = attempts[0];
    expect(attempts.map((t) => Math.round((t - start) / 1000)).slice(0, 8)).toEqual([
      0, 10, 30, 70, 150, 310, 610, 910,
    ]);
    // The recorder's spam filter: 25 events, then one per 5 minutes.
    const total = w.events(name).reduce((n, e) => n + e.count, 0);
    expect(total).toBeLessThanOrEqual(25 + Math.ceil(1_033_000 / 300_000));

    // The registry heals: the next pull succeeds and the pod runs (its Pulled event may fall to
    // the spam filter, as a real kubelet's does after a long back-off).
    w.registries.clear('outage');
    w.clock.advance(310_000);
    const healed = w.pods('worker')[0];
    expect(healed.status.phase).toBe('Running');
  });

  it('pulls an image with imagePullPolicy Always even where the node has it', () => {
    const w = world('docker://19.3.15');
    w.replicaSet('web', 'nginx', 3);
    w.clock.advance(10_000);
    expect(w.pods('web').every((p) => p.status.phase === 'Running')).toBe(true);
    w.registries.set('hub', { host: 'docker.io', answer: 'rate-limited', share: 1 });
    w.store.update(rsType, {
      ...w.store.get(rsType, 'shop', 'web'),
      spec: { ...(w.store.get(rsType, 'shop', 'web').spec as object), replicas: 4 },
    });
    w.clock.advance(5_000);
    const waiting = w.pods('web').filter((p) => p.status.phase === 'Pending');
    expect(waiting).toHaveLength(1);
    expect(w.waiting(waiting[0])?.message).toBe(
      'rpc error: code = Unknown desc = Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
    );
  });

  it('answers only the nodes a node-scoped fault names (credentials missing on new nodes)', () => {
    const w = world('containerd://1.4.13');
    w.registries.set('creds', {
      host: 'harbor.example.com',
      answer: 'unauthorized',
      status: 403,
      share: 1,
      nodes: new Set(),
    });
    w.registries.setNode('creds', 'n2', true);
    w.replicaSet('svc', 'harbor.example.com/team/svc:0.0.133', 3);
    w.clock.advance(10_000);
    const byNode = new Map(w.pods('svc').map((p) => [p.spec.nodeName, p]));
    expect(byNode.get('n0')?.status.phase).toBe('Running');
    expect(byNode.get('n1')?.status.phase).toBe('Running');
    expect(w.waiting(byNode.get('n2')!)?.message).toBe(
      'rpc error: code = Unknown desc = failed to pull and unpack image "harbor.example.com/team/svc:0.0.133": failed to resolve reference "harbor.example.com/team/svc:0.0.133": failed to authorize: failed to fetch oauth token: unexpected status: 403 Forbidden',
    );
  });

  it('lets other registries serve as before', () => {
    const w = world();
    w.registries.set('outage', { host: 'quay.io', answer: 'unauthorized', share: 1 });
    w.replicaSet('cache', 'redis:7.2', 2);
    w.clock.advance(10_000);
    expect(w.pods('cache').every((p) => p.status.phase === 'Running')).toBe(true);
    const name = w.pods('cache')[0].metadata.name ?? '';
    expect(w.events(name).map((e) => e.message)).toContain(
      'Container image "redis:7.2" already present on machine',
    );
  });
});
