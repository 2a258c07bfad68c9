import { describe, expect, it } from 'vitest';
import { agentCondition, node, t0, viewOf } from './fixtures.ts';
import { nodeProblems } from './node-problems.ts';
import { ofKind } from './signal.ts';

describe('nodeProblems', () => {
  it("reports any condition type outside the kubelet's and the agent's that is True, per type", () => {
    // Condition types and reasons of node-problem-detector's default monitors
    // (https://github.com/kubernetes/node-problem-detector/issues/499 lists them).
    const deadlock = agentCondition(
      'KernelDeadlock',
      'True',
      'DockerHung',
      'task docker:7 blocked for more than 120 seconds.',
    );
    const view = viewOf({
      nodes: [
        node({ name: 'n1', conditions: [deadlock] }),
        node({ name: 'n2', conditions: [deadlock] }),
        node({
          name: 'n3',
          conditions: [
            agentCondition(
              'FrequentContainerdRestart',
              'True',
              'FrequentContainerdRestart',
              'Found 5 matching logs',
            ),
            agentCondition(
              'ReadonlyFilesystem',
              'False',
              'FilesystemIsNotReadOnly',
              'Filesystem is not read-only',
            ),
            // The agent's own conditions are read by node-agent.ts.
            agentCondition('ClusterDNSUnhealthy', 'True', 'ClusterDNSTimeout', 'server=10.96.0.10'),
          ],
        }),
        node({ name: 'n4' }),
      ],
    });
    const out = ofKind(nodeProblems(view, t0), 'node-problem');
    expect(out.map((s) => [s.subject, s.severity, s.facts.nodes])).toEqual([
      ['condition/FrequentContainerdRestart', 'warning', ['n3']],
      ['condition/KernelDeadlock', 'critical', ['n1', 'n2']],
    ]);
    expect(out[1].facts).toMatchObject({
      count: 2,
      fraction: 0.5,
      reasons: ['DockerHung'],
      messages: ['task docker:7 blocked for more than 120 seconds.'],
    });
  });

  it('includes NetworkUnavailable True (no pod network on the node) and ignores it False', () => {
    const view = viewOf({
      nodes: [
        node({
          name: 'n1',
          conditions: [
            agentCondition('NetworkUnavailable', 'True', 'NoRouteCreated', 'Node created without a route'),
          ],
        }),
        node({
          name: 'n2',
          conditions: [
            agentCondition('NetworkUnavailable', 'False', 'CalicoIsUp', 'Calico is running on this node'),
          ],
        }),
      ],
    });
    expect(nodeProblems(view, t0).map((s) => s.subject)).toEqual(['condition/NetworkUnavailable']);
  });
});
