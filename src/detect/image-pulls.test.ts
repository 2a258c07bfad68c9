import { describe, expect, it } from 'vitest';
import { event, pod, t0, viewOf } from './fixtures.ts';
import { imagePulls } from './image-pulls.ts';
import { ofKind } from './signal.ts';

// https://github.com/play-with-docker/play-with-docker/issues/422, in the kubelet's wrapper.
const rateLimited = (image: string) =>
  `Failed to pull image "${image}": rpc error: code = Unknown desc = error pulling image configuration: toomanyrequests: Too Many Requests. Please see https://docs.docker.com/docker-hub/download-rate-limit/`;
// https://github.com/substratusai/runbooks/issues/42
const notFound = (image: string) =>
  `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`;

// https://github.com/flannel-io/flannel/issues/1297 (Docker), and containerd's resolver (1.7+).
const serverError = (image: string) =>
  `Failed to pull image "${image}": rpc error: code = Unknown desc = Error response from daemon: Get https://quay.io/v2/coreos/flannel/manifests/v0.11.0-amd64: received unexpected HTTP status: 500 Internal Server Error`;
const unavailable = (image: string) =>
  `Failed to pull image "${image}": rpc error: code = Unknown desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": unexpected status from HEAD request to https://quay.io/v2/acme/api/manifests/v9: 503 Service Unavailable`;

function pulling(name: string, namespace: string, node: string, image: string) {
  return pod({
    name,
    namespace,
    node,
    phase: 'Pending',
    podIP: '',
    containers: [
      {
        name: 'app',
        image,
        waiting: 'ImagePullBackOff',
        waitingMessage: `Back-off pulling image "${image}"`,
      },
    ],
  });
}

function pullEvents(
  name: string,
  namespace: string,
  node: string,
  image: string,
  message: string,
  firstMs = t0 - 60_000,
) {
  const base = {
    kind: 'Pod',
    name,
    namespace,
    host: node,
    type: 'Warning' as const,
    fieldPath: 'spec.containers{app}',
  };
  return [
    event({ ...base, reason: 'Failed', message, count: 2, firstMs, lastMs: t0 - 60_000 }),
    event({ ...base, reason: 'Failed', message: 'Error: ErrImagePull', count: 2, lastMs: t0 - 60_000 }),
    event({
      ...base,
      reason: 'BackOff',
      message: `Back-off pulling image "${image}"`,
      count: 5,
      lastMs: t0 - 10_000,
    }),
  ];
}

describe('imagePulls', () => {
  it('names the image, its registry and why, and the registry when its pulls fail for many images on many nodes', () => {
    const nginx = 'nginx:1.25';
    const redis = 'docker.io/library/redis:7';
    const view = viewOf({
      pods: [
        pulling('web-1', 'shop', 'n1', nginx),
        pulling('web-2', 'shop', 'n2', nginx),
        pulling('cache-1', 'billing', 'n3', redis),
      ],
      events: [
        ...pullEvents('web-1', 'shop', 'n1', nginx, rateLimited(nginx)),
        ...pullEvents('web-2', 'shop', 'n2', nginx, rateLimited(nginx)),
        ...pullEvents('cache-1', 'billing', 'n3', redis, rateLimited(redis)),
      ],
    });
    const out = imagePulls(view, t0);
    const images = ofKind(out, 'image-pull-failing');
    expect(images.map((s) => s.subject)).toEqual(['image/docker.io/library/redis:7', 'image/nginx:1.25']);
    expect(images[1].facts).toMatchObject({
      image: nginx,
      registry: 'docker.io',
      cause: 'rate-limited',
      causes: ['rate-limited=2'],
      pods: 2,
      nodes: ['n1', 'n2'],
      waitingPods: 2,
      events: 18,
    });
    const [registry] = ofKind(out, 'registry-pulls-failing');
    expect(registry.subject).toBe('registry/docker.io');
    expect(registry.severity).toBe('critical');
    expect(registry.facts).toMatchObject({
      causes: ['rate-limited=3'],
      imageCount: 2,
      nodeCount: 3,
      namespaces: ['billing', 'shop'],
    });
  });

  it('keeps a missing tag to its image: not found is no registry outage', () => {
    const image = 'quay.io/acme/api:v9';
    const view = viewOf({
      pods: ['n1', 'n2', 'n3'].map((n) => pulling(`api-${n}`, 'shop', n, image)),
      events: ['n1', 'n2', 'n3'].flatMap((n) => pullEvents(`api-${n}`, 'shop', n, image, notFound(image))),
    });
    const out = imagePulls(view, t0);
    expect(out.map((s) => s.kind)).toEqual(['image-pull-failing']);
    expect(ofKind(out, 'image-pull-failing')[0].facts).toMatchObject({
      cause: 'not-found',
      registry: 'quay.io',
    });
  });

  it('reads a registry answering 5xx as the registry unavailable, across nodes', () => {
    const image = 'quay.io/acme/api:v9';
    const view = viewOf({
      pods: ['n1', 'n2', 'n3'].map((n) => pulling(`api-${n}`, 'shop', n, image)),
      events: ['n1', 'n2', 'n3'].flatMap((n) => pullEvents(`api-${n}`, 'shop', n, image, unavailable(image))),
    });
    const out = imagePulls(view, t0);
    expect(ofKind(out, 'image-pull-failing')[0].facts).toMatchObject({
      cause: 'unreachable',
      causes: ['unavailable=3'],
    });
    expect(ofKind(out, 'registry-pulls-failing')[0].facts).toMatchObject({
      registry: 'quay.io',
      causes: ['unavailable=3'],
      nodeCount: 3,
    });
  });

  it('names the registry for one image on one node once it has answered 5xx for 5 minutes', () => {
    const image = 'quay.io/coreos/flannel:v0.11.0-amd64';
    const on = (firstMs: number) =>
      imagePulls(
        viewOf({
          pods: [pulling('kube-flannel-ds-x1', 'kube-system', 'n4', image)],
          events: pullEvents('kube-flannel-ds-x1', 'kube-system', 'n4', image, serverError(image), firstMs),
        }),
        t0,
      );
    expect(ofKind(on(t0 - 2 * 60_000), 'registry-pulls-failing')).toEqual([]);
    // Folded, rate-limited Events may be younger than the failure: the pod's not-Ready time counts.
    const longWaiting = pulling('kube-flannel-ds-x1', 'kube-system', 'n4', image);
    (longWaiting.status as { conditions: unknown[] }).conditions = [
      { type: 'Ready', status: 'False', lastTransitionTime: new Date(t0 - 7 * 60_000).toISOString() },
    ];
    const folded = imagePulls(
      viewOf({
        pods: [longWaiting],
        events: pullEvents(
          'kube-flannel-ds-x1',
          'kube-system',
          'n4',
          image,
          serverError(image),
          t0 - 2 * 60_000,
        ),
      }),
      t0,
    );
    expect(ofKind(folded, 'registry-pulls-failing')).toHaveLength(1);
    const [registry] = ofKind(on(t0 - 6 * 60_000), 'registry-pulls-failing');
    expect(registry.subject).toBe('registry/quay.io');
    expect(registry.facts).toMatchObject({ causes: ['unavailable=1'], imageCount: 1, nodeCount: 1 });
  });

  it('reads the last pull error off the waiting message once the Failed event has aged out', () => {
    const image = 'quay.io/coreos/flannel:v0.11.0-amd64';
    const waitingPod = pod({
      name: 'kube-flannel-ds-x1',
      namespace: 'kube-system',
      node: 'n4',
      phase: 'Pending',
      podIP: '',
      containers: [
        {
          name: 'app',
          image,
          waiting: 'ImagePullBackOff',
          waitingMessage: `Back-off pulling image "${image}": ErrImagePull: ${serverError(image).replace(/^Failed to pull image "[^"]+": /, '')}`,
        },
      ],
    });
    const view = viewOf({
      pods: [waitingPod],
      events: [
        event({
          kind: 'Pod',
          name: 'kube-flannel-ds-x1',
          namespace: 'kube-system',
          host: 'n4',
          reason: 'BackOff',
          type: 'Normal',
          fieldPath: 'spec.containers{app}',
          message: `Back-off pulling image "${image}"`,
        }),
      ],
    });
    const [s] = ofKind(imagePulls(view, t0), 'image-pull-failing');
    expect(s.facts).toMatchObject({ cause: 'unreachable', causes: ['unavailable=1'] });
  });

  it('keeps one image refused for credentials on one node to the image', () => {
    const image = 'harbor.example.com/team/svc:1.0';
    const refused = `Failed to pull image "${image}": rpc error: code = Unknown desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to authorize: failed to fetch oauth token: unexpected status: 403 Forbidden`;
    const view = viewOf({
      pods: [pulling('svc-1', 'team', 'n1', image)],
      events: pullEvents('svc-1', 'team', 'n1', image, refused, t0 - 9 * 60_000),
    });
    expect(imagePulls(view, t0).map((s) => s.kind)).toEqual(['image-pull-failing']);
  });

  it('reads the image off the pod when the Event only says ImagePullBackOff', () => {
    const view = viewOf({
      pods: [pulling('web-1', 'shop', 'n1', 'nginx:1.25')],
      events: [
        event({
          kind: 'Pod',
          name: 'web-1',
          namespace: 'shop',
          reason: 'Failed',
          type: 'Warning',
          fieldPath: 'spec.containers{app}',
          message: 'Error: ImagePullBackOff',
        }),
      ],
    });
    const [s] = ofKind(imagePulls(view, t0), 'image-pull-failing');
    expect(s.facts).toMatchObject({ image: 'nginx:1.25', cause: 'back-off' });
  });
});
