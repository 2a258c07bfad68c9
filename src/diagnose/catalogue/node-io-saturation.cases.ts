/** node-io-saturation: fires when nodes in trouble show tasks stalled on I/O; loses to a runtime failing alone or a silent kubelet. */
import type { PatternTable } from '../cases.ts';
import { agent, flapping, notReady, plegUnhealthy, silent, statusLag } from '../fixtures.ts';

const ioStalled = (nodes: string[]) =>
  agent('NodeIOPressure', nodes, {
    reasons: ['IOStalled'],
    fullAvg60: 58.2,
    someAvg60: 90.1,
    blockedTasks: 2,
    tasks: ['containerd:1312', 'jbd2/nvme0n1p1-8:388'],
  });
const stuckTerminating = (node: string) =>
  statusLag(node, { lagging: 3, runningWithoutIp: 0, stuckTerminating: 3, oldestSeconds: 90 });

export const nodeIoSaturationCases: PatternTable = {
  pattern: 'node-io-saturation',
  cases: [
    // 0.45 + 0.2 the kubelet names the runtime + 0.1 the node flaps
    {
      name: 'a node flaps NotReady with PLEG unhealthy while its agent sees every task stalled on I/O',
      signals: [notReady('n2', plegUnhealthy), flapping('n2'), ioStalled(['n2'])],
      expect: { fires: true, identified: true },
    },
    // 0.45 + 0.2 against kubelet-failure at 0.5 and container-runtime-failure at 0.6 - 0.3
    {
      name: 'one node NotReady with PLEG unhealthy, tasks stalled on I/O there',
      signals: [notReady('n2', plegUnhealthy), ioStalled(['n2'])],
      expect: { fires: true, identified: false },
    },
    // 0.45 + 0.1 against kubelet-failure at 0.5: between NotReady spells only the flapping shows
    {
      name: 'a node flipping between Ready and NotReady, Ready just now, with tasks stalled on I/O',
      signals: [flapping('n2'), ioStalled(['n2'])],
      expect: { fires: true, identified: false },
    },
    // 0.45 + 0.2 against container-runtime-failure at 0.4 + 0.2 + 0.1 (pods stuck) - 0.3
    {
      name: 'PLEG unhealthy on two nodes with pods stuck Terminating, both stalled on I/O',
      signals: [
        notReady('n1', plegUnhealthy),
        notReady('n2', plegUnhealthy),
        stuckTerminating('n1'),
        stuckTerminating('n2'),
        ioStalled(['n1', 'n2']),
      ],
      expect: { fires: true, identified: false },
    },
    {
      name: 'a batch job saturates a disk on a node that stays Ready',
      signals: [ioStalled(['n5'])],
      expect: { quiet: true },
    },
    // 0.45 + 0.2 - 0.25 against container-runtime-failure at 0.6: one stalled disk does not explain four runtimes
    {
      name: 'PLEG unhealthy on four nodes, only one of which shows I/O stalls',
      signals: [
        notReady('n1', plegUnhealthy),
        notReady('n2', plegUnhealthy),
        notReady('n3', plegUnhealthy),
        notReady('n4', plegUnhealthy),
        ioStalled(['n1']),
      ],
      expect: { losesTo: 'container-runtime-failure' },
    },
    // 0.45 against kubelet-failure at 0.5 + 0.1: a silent node names no runtime
    {
      name: 'a node went silent, its lease lapsed; its agent had seen tasks stalled on I/O',
      signals: [notReady('n4'), silent('n4', 300), ioStalled(['n4'])],
      expect: { losesTo: 'kubelet-failure' },
    },
  ],
};
