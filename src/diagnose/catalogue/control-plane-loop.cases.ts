/** control-plane-component-loop: fires on control-plane components restarting again and again; loses to their nodes going down and to the API server gone. */
import type { PatternTable } from '../cases.ts';
import {
  apiDegraded,
  apiUnreachable,
  controlPlaneRestarts,
  flapping,
  notReady,
  writesStalled,
} from '../fixtures.ts';

const bursts = [140, 75, 12];

export const controlPlaneLoopCases: PatternTable = {
  pattern: 'control-plane-component-loop',
  cases: [
    // 0.55 + 0.15 together in bursts + 0.15 six restarts
    {
      name: 'the controller-manager and the scheduler restart at the same minutes, three times in two hours',
      signals: [
        controlPlaneRestarts('kube-controller-manager', bursts),
        controlPlaneRestarts('kube-scheduler', bursts),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.55 + 0.15
    {
      name: 'the controller-manager and the scheduler restart together twice',
      signals: [
        controlPlaneRestarts('kube-controller-manager', [75, 12]),
        controlPlaneRestarts('kube-scheduler', [75, 12]),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.55 + 0.15
    {
      name: 'etcd alone restarts five times in three hours',
      signals: [controlPlaneRestarts('etcd', [170, 130, 90, 50, 10])],
      expect: { fires: true, identified: true },
    },
    // 0.55 + 0.2: the restarts cannot be posted while writes are refused
    {
      name: "writes are refused everywhere and etcd's liveness probe asks plain /health on every member",
      signals: [writesStalled(['etcd-cp-0', 'etcd-cp-1', 'etcd-cp-2'])],
      expect: { fires: true, identified: true },
    },
    {
      name: "writes are refused everywhere but etcd's probe leaves the space alarm out",
      signals: [writesStalled()],
      expect: { losesTo: 'control-plane-degraded' },
    },
    // 0.55
    {
      name: 'the scheduler restarts twice, on its own',
      signals: [controlPlaneRestarts('kube-scheduler', [90, 10])],
      expect: { fires: true, identified: false },
    },
    {
      name: 'an application crash-loops; no control-plane pod restarts',
      signals: [],
      expect: { quiet: true },
    },
    // 0.55 + 0.15 + 0.15 - 0.35, against the nodes' own trouble
    {
      name: 'the components restart together while their control-plane node and a worker flap',
      signals: [
        controlPlaneRestarts('kube-controller-manager', bursts),
        controlPlaneRestarts('kube-scheduler', bursts),
        notReady('cp-0'),
        flapping('cp-0'),
        flapping('n2'),
      ],
      expect: { losesTo: 'node-network' },
    },
    // 0.55 against control-plane-degraded at 0.55 + 0.15: the API server fails requests all along
    {
      name: 'the scheduler restarted twice while the API server answers 503 to a third of requests',
      signals: [controlPlaneRestarts('kube-scheduler', [90, 10]), apiDegraded({ statuses: ['503=4'] })],
      expect: { losesTo: 'control-plane-degraded' },
    },
    {
      name: 'the components restart while the API server answers nobody',
      signals: [
        controlPlaneRestarts('kube-controller-manager', [75, 12]),
        controlPlaneRestarts('kube-scheduler', [75, 12]),
        apiUnreachable(),
      ],
      expect: { losesTo: 'control-plane-unreachable' },
    },
  ],
};
