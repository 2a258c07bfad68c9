/**
 * `set-resources` and `set-image` on the quiet baseline: the pod template changes, the
 * Deployment rolls out a new ReplicaSet at the next revision (a DaemonSet replaces its pods
 * node by node), and the new pods carry the new values, which the memory model runs them with.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { minute, quietWorld, shop } from './memory-fixture.ts';

const deploymentType = resourceForKind('Deployment', 'apps')!;
const rsType = resourceForKind('ReplicaSet', 'apps')!;
const revision = 'deployment.kubernetes.io/revision';

interface ContainerSpec {
  name: string;
  image: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
type Rs = KubeObject & {
  spec?: { replicas?: number; template?: { spec?: { containers?: ContainerSpec[] } } };
};

async function changedCart(
  action: Record<string, unknown>,
  edit: (input: Record<string, unknown>) => void = () => {},
) {
  const w = await quietWorld(edit, [
    { at: '+10m', action: { workload: 'shop/cart', container: 'cart', ...action } },
  ]);
  const cartPods = () =>
    w.pods().filter((p) => p.metadata.labels?.app === 'cart' && !p.metadata.deletionTimestamp);
  const cartSets = () =>
    (w.sim.store.listObjects(rsType, 'shop') as Rs[])
      .filter((rs) => rs.metadata.labels?.app === 'cart')
      .sort(
        (a, b) => Number(a.metadata.annotations?.[revision]) - Number(b.metadata.annotations?.[revision]),
      );
  return { ...w, cartPods, cartSets };
}

describe('set-resources', () => {
  it('rolls out a new ReplicaSet at revision 2 whose pods carry the new requests and limits', async () => {
    const w = await changedCart({
      type: 'set-resources',
      requests: { cpu: '250m', memory: '256Mi' },
      limits: { memory: '512Mi', 'ephemeral-storage': '1Gi' },
    });
    await w.at(9 * minute);
    const before = new Set(w.cartPods().map((p) => p.metadata.name));
    expect(w.cartSets().map((rs) => rs.metadata.annotations?.[revision])).toEqual(['1']);
    await w.at(20 * minute);

    const [first, second] = w.cartSets();
    expect(first.metadata.annotations?.[revision]).toBe('1');
    expect(first.spec?.replicas).toBe(0);
    expect(second.metadata.annotations?.[revision]).toBe('2');
    expect(second.spec?.replicas).toBe(3);
    const deployment = w.sim.store.find(deploymentType, 'shop', 'cart') as Rs;
    expect(deployment.metadata.annotations?.[revision]).toBe('2');
    const limits = { memory: '512Mi', 'ephemeral-storage': '1Gi' };
    const requests = { cpu: '250m', memory: '256Mi' };
    expect(deployment.spec?.template?.spec?.containers?.[0].resources).toEqual({ limits, requests });

    const pods = w.cartPods();
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      expect(before.has(p.metadata.name)).toBe(false);
      expect(p.metadata.labels?.['pod-template-hash']).toBe(second.metadata.labels?.['pod-template-hash']);
      // Admission requests each limit without a request at the limit.
      expect(p.spec?.containers?.[0].resources).toEqual({
        limits,
        requests: { ...requests, 'ephemeral-storage': '1Gi' },
      });
      expect((p.status as { qosClass?: string } | undefined)?.qosClass).toBe('Burstable');
    }
  });

  it('new pods run under the new memory limit: below their working set, they are OOMKilled and the rollout stalls', async () => {
    const w = await changedCart({ type: 'set-resources', limits: { memory: '64Mi' } }, (input) => {
      const cart = shop(input).deployments.find((d) => d.name === 'cart')!;
      const [c] = cart.containers as Record<string, unknown>[];
      c.resources = { memory: '32Mi' };
      c.usage = { memory: '100Mi' };
    });
    await w.at(9 * minute);
    expect(w.cartPods().every((p) => p.status?.containerStatuses?.[0].restartCount === 0)).toBe(true);
    await w.at(20 * minute);
    const newHash = w.cartSets()[1].metadata.labels?.['pod-template-hash'];
    const fresh = w.cartPods().filter((p) => p.metadata.labels?.['pod-template-hash'] === newHash);
    const old = w.cartPods().filter((p) => p.metadata.labels?.['pod-template-hash'] !== newHash);
    expect(fresh.length).toBeGreaterThan(0);
    for (const p of fresh) {
      const s = p.status?.containerStatuses?.[0];
      expect(s?.lastState?.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    }
    // maxUnavailable 25 % of 3 rounds down to 0: the old pods keep serving, untouched.
    expect(old).toHaveLength(3);
    expect(old.every((p) => p.status?.containerStatuses?.[0].restartCount === 0)).toBe(true);
  });
});

describe('set-image', () => {
  it('rolls out a new ReplicaSet at revision 2 running the new image', async () => {
    const image = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/cart:2024.03.08-1';
    const w = await changedCart({ type: 'set-image', image });
    await w.at(20 * minute);
    const [first, second] = w.cartSets();
    expect(first.spec?.replicas).toBe(0);
    expect(second.metadata.annotations?.[revision]).toBe('2');
    expect(second.spec?.template?.spec?.containers?.[0].image).toBe(image);
    const pods = w.cartPods();
    expect(pods).toHaveLength(3);
    for (const p of pods) expect((p.spec?.containers?.[0] as ContainerSpec | undefined)?.image).toBe(image);
  });
});

describe('set-image on a DaemonSet', () => {
  it('rolls every node over to the new image, as a template change does', async () => {
    const image = 'quay.io/prometheus/node-exporter:v1.8.1';
    const w = await quietWorld(() => {}, [
      {
        at: '+10m',
        action: {
          type: 'set-image',
          workload: 'monitoring/node-exporter',
          container: 'node-exporter',
          image,
        },
      },
    ]);
    await w.at(9 * minute);
    const exporters = () =>
      w.pods().filter((p) => p.metadata.labels?.app === 'node-exporter' && !p.metadata.deletionTimestamp);
    const count = exporters().length;
    expect(count).toBeGreaterThan(0);
    await w.at(30 * minute);
    expect(exporters()).toHaveLength(count);
    for (const p of exporters())
      expect((p.spec?.containers?.[0] as ContainerSpec | undefined)?.image).toBe(image);
  });
});
