/**
 * Pod defaults a container's resources get at creation: requests filled from limits, and
 * the QoS class the API server derives from them.
 */
import { describe, expect, it } from 'vitest';
import { admitCreate } from './admission.ts';
import type { KubeObject } from './k8s-types.ts';
import { resourceForKind } from './resources.ts';

const podType = resourceForKind('Pod')!;

function admitted(...resources: Record<string, Record<string, string>>[]) {
  const pod: KubeObject = {
    metadata: { name: 'p', namespace: 'shop' },
    spec: { containers: resources.map((r, i) => ({ name: `c${i}`, image: 'app:1', resources: r })) },
  };
  admitCreate(podType, pod);
  const spec = pod.spec as { containers: { resources: Record<string, unknown> }[] };
  return {
    qos: (pod.status as { qosClass: string }).qosClass,
    resources: spec.containers.map((c) => c.resources),
  };
}

describe('pod resources at admission', () => {
  it('requests each limit that has no request at the limit (SetDefaults_Pod)', () => {
    expect(
      admitted({ limits: { memory: '512Mi', 'ephemeral-storage': '1Gi' }, requests: { cpu: '250m' } })
        .resources,
    ).toEqual([
      {
        limits: { memory: '512Mi', 'ephemeral-storage': '1Gi' },
        requests: { cpu: '250m', memory: '512Mi', 'ephemeral-storage': '1Gi' },
      },
    ]);
  });

  it.each<[string, Record<string, Record<string, string>>[], string]>([
    ['no requests or limits', [{}, {}], 'BestEffort'],
    ['only ephemeral storage', [{ limits: { 'ephemeral-storage': '1Gi' } }], 'BestEffort'],
    [
      'cpu and memory limited, requests defaulted',
      [{ limits: { cpu: '500m', memory: '256Mi' } }],
      'Guaranteed',
    ],
    [
      'a request below its limit',
      [{ limits: { cpu: '500m', memory: '256Mi' }, requests: { memory: '128Mi' } }],
      'Burstable',
    ],
    [
      'one container without limits',
      [{ limits: { cpu: '1', memory: '1Gi' } }, { requests: { cpu: '10m' } }],
      'Burstable',
    ],
    ['memory limited only', [{ limits: { memory: '256Mi' } }], 'Burstable'],
  ])('%s', (_, resources, qos) => {
    expect(admitted(...resources).qos).toBe(qos);
  });
});
