/**
 * Exec liveness probes against kubelet versions: a probe command that takes longer than its
 * timeoutSeconds passes under a v1.19 kubelet (which waited for it) and kills the container
 * under v1.20 on (KEP-1972), with the prober's events as the kubelet writes them and the
 * crash-loop back-off after; a command that answers in time passes everywhere.
 */
import { describe, expect, it } from 'vitest';
import { behaviourCluster } from '../../../test/support/behaviour-cluster.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import type { ExecLivenessProbe } from './container-runtime.ts';

const podType = resourceForKind('Pod')!;
const eventType = resourceForKind('Event')!;

interface PodView {
  metadata: KubeObject['metadata'];
  spec: { nodeName?: string };
  status: {
    containerStatuses?: {
      restartCount: number;
      state: { waiting?: { reason: string }; running?: unknown };
      lastState: { terminated?: { exitCode: number; reason: string } };
    }[];
  };
}
interface EventView {
  reason: string;
  message: string;
  count: number;
  involvedObject: { name: string; fieldPath?: string };
}

// The aws-calico chart's calico-node liveness probe: no timeoutSeconds, so the default 1 s.
const felixLive = (runsForMs: number): ExecLivenessProbe => ({
  command: ['/bin/calico-node', '-felix-live'],
  initialDelayMs: 10_000,
  periodMs: 10_000,
  timeoutMs: 1_000,
  failureThreshold: 6,
  runsForMs,
});

function world(kubeletVersion: string, runsForMs = 3_000) {
  const w = behaviourCluster({
    startMs: Date.UTC(2021, 7, 12, 9, 0, 0),
    namespaces: ['kube-system'],
    nodes: 1,
    kubeletVersion,
    needsOf: () => ({ needs: [], execLiveness: felixLive(runsForMs) }),
  });
  w.put(
    'ReplicaSet',
    {
      metadata: { name: 'calico-node-x', namespace: 'kube-system' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'k8s-app': 'calico-node' } },
        template: {
          metadata: { labels: { 'k8s-app': 'calico-node' } },
          spec: { containers: [{ name: 'calico-node', image: 'quay.io/calico/node:v3.19.1' }] },
        },
      },
    },
    'apps',
  );
  w.clock.advance(1_000);
  const pod = () => w.store.listObjects(podType, 'kube-system')[0] as KubeObject & PodView;
  const container = () => pod().status.containerStatuses![0]!;
  const events = (reason: string) =>
    (w.store.listObjects(eventType, 'kube-system') as (KubeObject & EventView)[]).filter(
      (e) => e.reason === reason,
    );
  return { ...w, pod, container, events };
}

describe('exec liveness probe timeouts follow the kubelet version', () => {
  it('a v1.19 kubelet waits for a slow probe command: nothing is killed', () => {
    const w = world('v1.19.13-eks-8df270');
    w.clock.advance(30 * 60_000);
    expect(w.container().restartCount).toBe(0);
    expect(w.events('Unhealthy')).toHaveLength(0);
  });

  it('after an in-place upgrade to v1.20 the same probe times out and kills the container, then again after each restart', () => {
    const w = world('v1.19.13-eks-8df270');
    w.clock.advance(10 * 60_000);
    const upgradedAt = w.clock.now();
    w.kubelets.get('n0')!.boot({ reboot: false, nodeInfo: { kubeletVersion: 'v1.20.7-eks-135321' } });
    // The new kubelet's workers probe the running container at once: 6 failures 10 s apart,
    // each after its 1 s timeout, each recorded as it happens.
    w.clock.advance(1_000);
    expect(w.events('Unhealthy')[0]).toMatchObject({ message: 'Liveness probe failed: ', count: 1 });
    w.clock.advance(49_000);
    expect(w.events('Unhealthy')[0]?.count).toBe(5);
    expect(w.container().restartCount).toBe(0);
    w.clock.advance(1_000);
    expect(w.container().lastState.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    expect(w.container().state.waiting?.reason).toBe('CrashLoopBackOff');
    expect(w.clock.now() - upgradedAt).toBe(51_000);
    const [unhealthy] = w.events('Unhealthy');
    // A v1.20 prober returns the command's empty output on a timeout.
    expect(unhealthy).toMatchObject({
      message: 'Liveness probe failed: ',
      count: 6,
      involvedObject: { fieldPath: 'spec.containers{calico-node}' },
    });
    expect(w.events('Killing')[0]?.message).toBe(
      'Container calico-node failed liveness probe, will be restarted',
    );
    // Restarted after 10 s back-off, it is probed after its 10 s initial delay and killed again.
    w.clock.advance(10_000 + 10_000 + 51_000);
    expect(w.container().restartCount).toBe(1);
    expect(w.container().state.waiting?.reason).toBe('CrashLoopBackOff');
    w.clock.advance(20 * 60_000);
    expect(w.container().restartCount).toBeGreaterThanOrEqual(5);
    expect(w.events('BackOff')[0]?.count).toBeGreaterThanOrEqual(5);
  });

  it('a kubelet from v1.23 names the command that timed out', () => {
    const w = world('v1.23.17-eks-a59e1f0');
    w.clock.advance(2 * 60_000);
    expect(w.container().restartCount).toBeGreaterThan(0);
    expect(w.events('Unhealthy')[0]?.message).toBe(
      'Liveness probe failed: command "/bin/calico-node -felix-live" timed out',
    );
  });

  it('a probe command that answers within its timeout passes under any kubelet', () => {
    const w = world('v1.20.7-eks-135321', 400);
    w.clock.advance(30 * 60_000);
    expect(w.container().restartCount).toBe(0);
    expect(w.events('Unhealthy')).toHaveLength(0);
  });
});
