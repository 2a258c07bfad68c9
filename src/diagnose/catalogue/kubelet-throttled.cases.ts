/** kubelet-api-throttling: fires when pod status lags on Ready nodes; loses to a slow API server, the runtime, sandboxes failing. */
import type { PatternTable } from '../cases.ts';
import { apiDegraded, crashLoop, notReady, plegUnhealthy, sandboxes, statusLag } from '../fixtures.ts';

const busy = (node: string) =>
  statusLag(node, { lagging: 8, runningWithoutIp: 6, pendingBound: 2, oldestSeconds: 300 });

export const kubeletThrottledCases: PatternTable = {
  pattern: 'kubelet-api-throttling',
  cases: [
    // 0.45 + 0.15 minutes late + 0.1 many pods
    {
      name: 'on two busy CI nodes eight pods run for five minutes before the API shows their IPs',
      signals: [busy('n1'), busy('n2')],
      expect: { fires: true, identified: true },
    },
    // 0.45 + 0.15
    {
      name: 'on one node three pods run two and a half minutes without an IP in the API',
      signals: [statusLag('n3', { lagging: 3, runningWithoutIp: 3, oldestSeconds: 150 })],
      expect: { fires: true, identified: false },
    },
    {
      name: 'an app crash-loops; every pod status is current',
      signals: [crashLoop('shop', 'cart', ['n4', 'n5'])],
      expect: { quiet: true },
    },
    // 0.45 + 0.15 + 0.1 - 0.3 against 0.55: the API server is slow for everyone
    {
      name: 'the API server takes seconds for every request while pod status lags on three nodes',
      signals: [apiDegraded(), busy('n1'), busy('n2'), busy('n3')],
      expect: { losesTo: 'control-plane-degraded' },
    },
    // 0.45 + 0.15 + 0.1 - 0.3 against pod-network-broken at 0.4 + 0.2
    {
      name: 'pods wait in ContainerCreating on a node where sandboxes fail with CNI errors',
      signals: [
        statusLag('n3', {
          lagging: 8,
          runningWithoutIp: 0,
          stuckCreating: 8,
          oldestSeconds: 300,
          sandboxFailures: 6,
        }),
        sandboxes('n3', 'cni-error', { plugins: ['calico'] }),
      ],
      expect: { losesTo: 'pod-network-broken' },
    },
    {
      name: 'pods linger Terminating on two nodes while a third says PLEG is unhealthy',
      signals: [
        statusLag('n1', { lagging: 3, runningWithoutIp: 0, stuckTerminating: 3, oldestSeconds: 200 }),
        statusLag('n2', { lagging: 3, runningWithoutIp: 0, stuckTerminating: 3, oldestSeconds: 200 }),
        notReady('n3', plegUnhealthy),
      ],
      expect: { losesTo: 'container-runtime-failure' },
    },
  ],
};
