/**
 * Emergence: a DNS fault on one node, and nothing else, makes the pods there that need
 * DNS crash-loop with the kubelet's real back-off, while the same app on other nodes is
 * fine; healing the node lets the next restart stay up.
 */

import { describe, expect, it } from 'vitest';
import { behaviourCluster } from '../../../test/support/behaviour-cluster.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';

const podType = resourceForKind('Pod')!;
const eventType = resourceForKind('Event')!;

interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  state: { waiting?: { reason: string; message: string }; running?: unknown };
  lastState: { terminated?: { exitCode: number; reason: string } };
}
interface PodView {
  metadata: KubeObject['metadata'];
  spec: { nodeName?: string };
  status: {
    containerStatuses?: ContainerStatus[];
    conditions?: { type: string; status: string; message?: string }[];
  };
}

function world() {
  // The sidecar must resolve and reach its control service: it needs DNS.
  const { clock, store, logs, deps, put, kubelets } = behaviourCluster({
    startMs: Date.UTC(2018, 6, 19, 14, 0, 0),
    namespaces: ['api'],
    zone: () => 'z',
    needsOf: (_p, c) => (c === 'sidecar' ? ['dns'] : []),
  });
  put(
    'ReplicaSet',
    {
      metadata: { name: 'pilot-7d9f', namespace: 'api' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'pilot' } },
        template: {
          metadata: { labels: { app: 'pilot' } },
          spec: {
            containers: [
              { name: 'pilot', image: 'pilot:3.1' },
              { name: 'sidecar', image: 'envoy:1.7' },
            ],
          },
        },
      },
    },
    'apps',
  );
  clock.advance(10_000);
  const pods = () => store.listObjects(podType, 'api') as (KubeObject & PodView)[];
  const sidecar = (p: PodView) => p.status.containerStatuses!.find((c) => c.name === 'sidecar')!;
  return { clock, store, logs, deps, kubelets, pods, sidecar };
}

describe('crash loops emerge from a node DNS fault', () => {
  it('restarts the sidecar with 10 s doubling back-off on the broken node only, and recovers after healing', () => {
    const w = world();
    const victim = w.pods().find((p) => p.spec.nodeName === 'n1')!;
    const name = victim.metadata.name ?? '';
    w.deps.setFaults('n1', { dnsBroken: true });

    // Restarts happen at give-up (10 s) + back-off 10, 20, 40, 80, 160 s: count them over time.
    const restartsAt: number[] = [];
    let last = 0;
    const start = w.clock.now();
    for (let t = 0; t < 20 * 60; t++) {
      w.clock.advance(1_000);
      const c = w.sidecar(w.store.get(podType, 'api', name) as KubeObject & PodView);
      if (c.restartCount > last) {
        restartsAt.push(Math.round((w.clock.now() - start) / 1000));
        last = c.restartCount;
      }
    }
    const gaps = restartsAt.slice(1).map((t, i) => t - restartsAt[i]);
    // Each gap is the 10 s give-up plus the doubling back-off, capped at 300 s.
    expect(gaps.slice(0, 5)).toEqual([30, 50, 90, 170, 310]);
    const now = w.store.get(podType, 'api', name) as KubeObject & PodView;
    const c = w.sidecar(now);
    expect(c.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(now.status.conditions?.find((x) => x.type === 'Ready')).toMatchObject({
      status: 'False',
      message: 'containers with unready status: [sidecar]',
    });
    const others = w.pods().filter((p) => p.spec.nodeName !== 'n1');
    expect(others.every((p) => w.sidecar(p).restartCount === 0 && w.sidecar(p).ready)).toBe(true);
    expect(w.logs.lines('api', name, 'sidecar', true)?.map((l) => l.text)).toContain(
      'fatal: dial udp 10.96.0.10:53: i/o timeout',
    );
    const backoffs = w.store.listObjects(eventType, 'api').filter((e) => e.reason === 'BackOff');
    expect(backoffs).toHaveLength(1);
    expect((backoffs[0] as KubeObject & { count: number }).count).toBeGreaterThanOrEqual(5);

    w.deps.setFaults('n1', {});
    w.clock.advance(6 * 60_000);
    const healed = w.sidecar(w.store.get(podType, 'api', name) as KubeObject & PodView);
    expect(healed.ready).toBe(true);
    expect(healed.state.running).toBeDefined();
  });

  it('marks a running container unready at once and restarts it when its need breaks mid-run', () => {
    const w = world();
    const victim = w.pods().find((p) => p.spec.nodeName === 'n2')!;
    w.deps.setFaults('n2', { networkDown: false, dnsBroken: true });
    const c = w.sidecar(w.store.get(podType, 'api', victim.metadata.name ?? '') as KubeObject & PodView);
    expect(c.ready).toBe(false);
    w.clock.advance(11_000);
    expect(
      w.sidecar(w.store.get(podType, 'api', victim.metadata.name ?? '') as KubeObject & PodView).state.waiting
        ?.reason,
    ).toBe('CrashLoopBackOff');
  });

  it('stops restarting while the runtime is stalled (no PLEG events reach the pod workers) and catches up when it answers', () => {
    const w = world();
    const victim = w.pods().find((p) => p.spec.nodeName === 'n1')!;
    const name = victim.metadata.name ?? '';
    const read = () => w.sidecar(w.store.get(podType, 'api', name) as KubeObject & PodView);
    w.deps.setFaults('n1', { dnsBroken: true });
    w.clock.advance(60_000);
    const before = read().restartCount;
    expect(before).toBeGreaterThan(0);
    w.kubelets.get('n1')!.setRuntimeStall({ statusHangs: false });
    // Under PLEG's 3 min threshold, so the node stays Ready and its pods are not evicted.
    w.clock.advance(170_000);
    // Exits go unnoticed and nothing is restarted: the status stays as last written.
    expect(read().restartCount).toBe(before);
    w.kubelets.get('n1')!.setRuntimeStall(undefined);
    w.clock.advance(1_000);
    expect(read().restartCount).toBe(before + 1);
  });
});
