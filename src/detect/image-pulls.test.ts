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

function pullEvents(name: string, namespace: string, node: string, image: string, message: string) {
  const base = {
    kind: 'Pod',
    name,
    namespace,
    host: node,
    type: 'Warning' as const,
    fieldPath: 'spec.containers{app}',
  };
  return [
    event({ ...base, reason: 'Failed', message, count: 2, lastMs: t0 - 60_000 }),
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
