/**
 * A scenario's exec liveness probe with a slow command, through a kubelet upgrade: the pod
 * spec carries the probe with the API server's defaults, nothing restarts under the old
 * kubelets, and once a node's kubelet runs v1.20 its agent is killed by the probe.
 */
import { describe, expect, it } from 'vitest';
import { minute, quietWorld, shop } from './memory-fixture.ts';

describe('exec probe timeouts across a kubelet upgrade', () => {
  it('renders the probe, and kills the agent only on the upgraded node', async () => {
    const w = await quietWorld(
      (input) => {
        const pools = (input.cluster as { nodePools: Record<string, unknown>[] }).nodePools;
        for (const p of pools) p.kubeletVersion = 'v1.19.13-eks-8df270';
        (shop(input) as unknown as { daemonsets: unknown[] }).daemonsets = [
          {
            name: 'policy-agent',
            containers: [
              {
                name: 'agent',
                image: 'example/policy-agent:1.0',
                liveness: {
                  kind: 'exec',
                  command: ['/bin/agent', '-live'],
                  runsFor: '2s',
                  initialDelaySeconds: 10,
                  failureThreshold: 6,
                },
              },
            ],
          },
        ];
      },
      [
        {
          at: '+20m',
          action: {
            type: 'upgrade',
            component: 'kubelet',
            to: 'v1.20.7-eks-135321',
            nodes: { pools: ['general'], count: 1 },
          },
        },
      ],
    );
    await w.at(19 * minute);
    const agents = () => w.pods().filter((p) => p.metadata.name?.startsWith('policy-agent-'));
    const restarts = (p: typeof agents extends () => (infer P)[] ? P : never) =>
      p.status?.containerStatuses?.[0]?.restartCount ?? 0;
    expect(agents().length).toBeGreaterThan(1);
    expect(agents().every((p) => restarts(p) === 0)).toBe(true);
    const spec = agents()[0]!.spec as { containers: { livenessProbe?: unknown }[] };
    expect(spec.containers[0]!.livenessProbe).toEqual({
      exec: { command: ['/bin/agent', '-live'] },
      initialDelaySeconds: 10,
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 6,
    });
    await w.at(40 * minute);
    const upgraded = w
      .nodes()
      .filter(
        (n) =>
          (n.status as { nodeInfo?: { kubeletVersion?: string } }).nodeInfo?.kubeletVersion ===
          'v1.20.7-eks-135321',
      );
    expect(upgraded).toHaveLength(1);
    const upgradedNode = upgraded[0]!.metadata.name;
    const onBatch = agents().filter((p) => p.spec?.nodeName === upgradedNode);
    expect(onBatch).toHaveLength(1);
    expect(restarts(onBatch[0]!)).toBeGreaterThanOrEqual(3);
    expect(onBatch[0]!.status?.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({
      exitCode: 137,
      reason: 'Error',
    });
    expect(
      agents()
        .filter((p) => p.spec?.nodeName !== upgradedNode)
        .every((p) => restarts(p) === 0),
    ).toBe(true);
    const unhealthy = w.events().filter((e) => e.reason === 'Unhealthy');
    expect(unhealthy.length).toBeGreaterThan(0);
    expect(
      unhealthy.every(
        (e) => e.message === 'Liveness probe failed: ' && e.involvedObject.name === onBatch[0]!.metadata.name,
      ),
    ).toBe(true);
    await w.sim.stop?.();
  });
});
