import { describe, expect, it } from 'vitest';
import { created, event, node, t0, viewOf } from './fixtures.ts';
import { nodeLifecycleEvents } from './node-lifecycle-events.ts';
import { ofKind } from './signal.ts';

const nodeEvent = (
  nodeName: string,
  reason: string,
  message: string,
  o: { type?: 'Warning'; component?: string } = {},
) => event({ kind: 'Node', name: nodeName, reason, message, host: nodeName, lastMs: t0 - 600_000, ...o });

describe('nodeLifecycleEvents', () => {
  it('reports reboots, kubelet restarts, NotReady and removal; a node joining is no signal', () => {
    const view = viewOf({
      events: [
        // Wordings of kubernetes.md §3 (K:pkg/kubelet/events, node lifecycle controller).
        nodeEvent('n1', 'Starting', 'Starting kubelet.', { component: 'kubelet' }),
        nodeEvent(
          'n1',
          'Rebooted',
          'Node n1 has been rebooted, boot id: 1b8d5e0c-0c7c-4a7c-9e8e-6c3a4b2d1f00',
          {
            type: 'Warning',
            component: 'kubelet',
          },
        ),
        nodeEvent('n2', 'Starting', 'Starting kubelet.', { component: 'kubelet' }),
        nodeEvent('n2', 'Starting', 'Starting kubelet.', { component: 'kubelet' }),
        nodeEvent('n3', 'NodeNotReady', 'Node n3 status is now: NodeNotReady', {
          component: 'node-controller',
        }),
        nodeEvent('n4', 'RegisteredNode', 'Node n4 event: Registered Node n4 in Controller', {
          component: 'node-controller',
        }),
        nodeEvent('n4', 'Starting', 'Starting kubelet.', { component: 'kubelet' }),
        // A node that joined 20 min ago (no RegisteredNode seen): its one start is its first.
        nodeEvent('n5', 'Starting', 'Starting kubelet.', { component: 'kubelet' }),
      ],
      nodes: [created(node({ name: 'n5' }), t0 - 20 * 60_000)],
    });
    const out = ofKind(nodeLifecycleEvents(view, t0), 'node-lifecycle');
    expect(out.map((s) => [s.subject, s.severity])).toEqual([
      ['node/n1', 'warning'],
      ['node/n2', 'warning'],
      ['node/n3', 'info'],
    ]);
    expect(out[0].facts).toMatchObject({
      reboots: 1,
      bootIds: ['1b8d5e0c-0c7c-4a7c-9e8e-6c3a4b2d1f00'],
      kubeletStarts: 1,
      clusterNodesRebooted: 1,
    });
    expect(out[1].facts).toMatchObject({ reboots: 0, kubeletStarts: 2 });
    expect(out[2].facts).toMatchObject({ notReadyEvents: 1 });
  });
});
