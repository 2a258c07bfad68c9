import { describe, expect, it } from 'vitest';
import { node, pod, t0, viewOf } from './fixtures.ts';
import { podStatusLag } from './pod-status-lag.ts';
import { ofKind } from './signal.ts';

const min = 60_000;

describe('podStatusLag', () => {
  it('finds pod status minutes behind on one Ready node (the kubelet rate-limited), not on the others', () => {
    const view = viewOf({
      nodes: [node({ name: 'busy' }), node({ name: 'calm' })],
      pods: [
        // Bound 8 min ago, never reported.
        pod({
          name: 'a',
          node: 'busy',
          phase: 'Pending',
          podIP: '',
          noStatuses: true,
          createdMs: t0 - 8 * min,
        }),
        // Running for minutes without its IP.
        pod({ name: 'b', node: 'busy', podIP: '', createdMs: t0 - 6 * min }),
        // Deleted 9 min ago, grace period long past, still there.
        pod({ name: 'c', node: 'busy', deletedMs: t0 - 9 * min }),
        // Creating for 12 min.
        pod({
          name: 'd',
          node: 'busy',
          phase: 'Pending',
          podIP: '',
          createdMs: t0 - 12 * min,
          containers: [{ name: 'app', waiting: 'ContainerCreating' }],
        }),
        // Fresh ones are not late.
        pod({ name: 'e', node: 'calm', phase: 'Pending', podIP: '', noStatuses: true, createdMs: t0 - min }),
        pod({ name: 'f', node: 'calm', deletedMs: t0 - min }),
        pod({ name: 'g', node: 'calm' }),
      ],
    });
    const [s] = ofKind(podStatusLag(view, t0), 'pod-status-lag');
    expect(s.subject).toBe('node/busy');
    expect(s.severity).toBe('warning');
    expect(s.facts).toEqual({
      node: 'busy',
      lagging: 4,
      pendingBound: 1,
      stuckCreating: 1,
      runningWithoutIp: 1,
      stuckTerminating: 1,
      oldestSeconds: 720,
      podsOnNode: 4,
      laggingShare: 1,
      sandboxFailures: 0,
      clusterNodesLagging: 1,
      clusterLaggingPods: 4,
    });
  });

  it('leaves pods on a NotReady node to node-readiness: their kubelet cannot report at all', () => {
    const view = viewOf({
      nodes: [node({ name: 'down', ready: 'Unknown' })],
      pods: ['a', 'b', 'c'].map((name) => pod({ name, node: 'down', deletedMs: t0 - 20 * min })),
    });
    expect(podStatusLag(view, t0)).toEqual([]);
  });
});
