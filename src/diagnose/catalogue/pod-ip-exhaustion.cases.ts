/** pod-ip-exhaustion: fires when IPAM has no address for new sandboxes; loses to the CNI agent down and to full disks. */
import type { PatternTable } from '../cases.ts';
import { pressure, sandboxes } from '../fixtures.ts';

const noAddress = (node: string, podsStuckCreating: number) =>
  sandboxes(node, 'ip-exhausted', {
    message:
      'Failed to create pod sandbox: plugin type="aws-cni" failed (add): add cmd: failed to assign an IP address to container',
    plugins: ['aws-cni'],
    podsStuckCreating,
  });

export const podIpExhaustionCases: PatternTable = {
  pattern: 'pod-ip-exhaustion',
  cases: [
    // 0.5 + 0.15 several nodes + 0.1 pods waiting
    {
      name: 'after a node pool roll, nine pods on three nodes wait for an IP the subnet no longer has',
      signals: [noAddress('n1', 3), noAddress('n2', 3), noAddress('n3', 3)],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.1
    {
      name: 'four pods wait in ContainerCreating on one node that used up its share of the pod range',
      signals: [noAddress('n3', 4)],
      expect: { fires: true, identified: false },
    },
    {
      name: 'sandboxes fail on one node because the runtime is down',
      signals: [sandboxes('n3', 'runtime')],
      expect: { quiet: true },
    },
    // 0.5 + 0.15 - 0.2 against pod-network-broken at 0.4 + 0.2: the agent that hands out addresses is down
    {
      name: 'the CNI agent is not ready on two nodes while sandboxes on two others get no address',
      signals: [
        noAddress('n1', 1),
        noAddress('n2', 1),
        sandboxes('n3', 'cni-not-ready', { plugins: ['aws-cni'] }),
        sandboxes('n4', 'cni-not-ready', { plugins: ['aws-cni'] }),
      ],
      expect: { losesTo: 'pod-network-broken' },
    },
    {
      name: 'pulls find no space on two full nodes, GC failing, while one pod elsewhere gets no address',
      signals: [
        pressure('n1', { conditions: ['DiskPressure'], imageGcFailures: 3, imagePullNoSpace: 4 }),
        pressure('n2', { conditions: ['DiskPressure'], imageGcFailures: 3, imagePullNoSpace: 4 }),
        noAddress('n3', 1),
      ],
      expect: { losesTo: 'node-disk-exhaustion' },
    },
  ],
};
