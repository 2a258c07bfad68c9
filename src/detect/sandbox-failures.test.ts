import { describe, expect, it } from 'vitest';
import { event, node, pod, t0, viewOf } from './fixtures.ts';
import { sandboxFailures } from './sandbox-failures.ts';
import { ofKind } from './signal.ts';

// https://github.com/kubernetes/kubernetes/issues/131071
const noIp = (sandbox: string) =>
  `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${sandbox}": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container`;

const creating = (name: string, nodeName: string) =>
  pod({
    name,
    namespace: 'shop',
    node: nodeName,
    phase: 'Pending',
    podIP: '',
    containers: [{ name: 'app', waiting: 'ContainerCreating' }],
  });

describe('sandboxFailures', () => {
  it('names the node, the cause and the CNI plugin, with the pods left in ContainerCreating', () => {
    const view = viewOf({
      nodes: [node({ name: 'n1' })],
      pods: [creating('web-1', 'n1'), creating('web-2', 'n1')],
      events: [
        event({
          kind: 'Pod',
          name: 'web-1',
          namespace: 'shop',
          reason: 'FailedCreatePodSandBox',
          type: 'Warning',
          host: 'n1',
          message: noIp('40d7bc15'),
          count: 4,
        }),
        event({
          kind: 'Pod',
          name: 'web-2',
          namespace: 'shop',
          reason: 'FailedCreatePodSandBox',
          type: 'Warning',
          host: 'n1',
          message: noIp('8af56f75'),
          count: 2,
        }),
        event({
          kind: 'Pod',
          name: 'web-2',
          namespace: 'shop',
          reason: 'SandboxChanged',
          host: 'n1',
          message: 'Pod sandbox changed, it will be killed and re-created.',
        }),
      ],
    });
    const [s] = ofKind(sandboxFailures(view, t0), 'sandbox-create-failing');
    expect(s.subject).toBe('node/n1');
    expect(s.severity).toBe('warning');
    expect(s.facts).toMatchObject({
      node: 'n1',
      cause: 'ip-exhausted',
      causes: ['ip-exhausted=6'],
      plugins: ['aws-cni'],
      pods: 2,
      events: 6,
      podsStuckCreating: 2,
      killFailures: 0,
      clusterNodesFailing: 1,
    });
  });

  it('is critical when sandboxes fail on three nodes at once', () => {
    const nodes = ['n1', 'n2', 'n3'];
    const view = viewOf({
      nodes: nodes.map((name) => node({ name })),
      events: nodes.map((n) =>
        event({
          kind: 'Pod',
          name: `web-${n}`,
          namespace: 'shop',
          reason: 'FailedCreatePodSandBox',
          type: 'Warning',
          host: n,
          message: noIp(n),
        }),
      ),
    });
    expect(sandboxFailures(view, t0).map((s) => s.severity)).toEqual(['critical', 'critical', 'critical']);
  });
});
