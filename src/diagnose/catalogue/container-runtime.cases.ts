/** container-runtime-failure: fires when the kubelet says its runtime fails; loses to what starves or replaced the runtime. */
import type { PatternTable } from '../cases.ts';
import {
  agent,
  apiUnreachable,
  change,
  crashLoop,
  flapping,
  hour,
  networkWave,
  notReady,
  plegUnhealthy,
  pressure,
  runtimeDown,
  statusLag,
  t0,
} from '../fixtures.ts';

const plegStalledUnder = (condition: string) =>
  ['n1', 'n2'].flatMap((n) => [notReady(n, plegUnhealthy), pressure(n, { conditions: [condition] })]);
/** A node flapping whose kubelet posted each NotReady itself with the PLEG's error; Ready now. */
const flapsOnPleg = (node: string) => {
  const f = flapping(node);
  return { ...f, facts: { ...f.facts, status: 'True', causes: ['pleg-unhealthy' as const] } };
};
const stuckTerminating = (node: string) =>
  statusLag(node, { lagging: 3, runningWithoutIp: 0, stuckTerminating: 3, oldestSeconds: 90 });

export const containerRuntimeCases: PatternTable = {
  pattern: 'container-runtime-failure',
  cases: [
    // 0.4 + 0.2 the kubelet names the runtime + 0.1 pods stuck
    {
      name: 'PLEG unhealthy on two nodes and their pods stuck Terminating',
      signals: [
        notReady('n1', plegUnhealthy),
        notReady('n2', plegUnhealthy),
        stuckTerminating('n1'),
        stuckTerminating('n2'),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.4 + 0.2, against kubelet-failure at 0.5
    {
      name: "one node NotReady, its kubelet's Ready message saying the container runtime is down",
      signals: [notReady('n4', runtimeDown)],
      expect: { fires: true, identified: false },
    },
    // 0.4 + 0.2: the NotReady spells named the runtime, though the node is Ready this minute
    {
      name: 'a node Ready between relists, each of its NotReady spells posted by the kubelet with the PLEG error',
      signals: [flapsOnPleg('n4')],
      expect: { fires: true, identified: false },
    },
    {
      name: 'one node went silent, its kubelet saying nothing about why',
      signals: [notReady('n4')],
      expect: { quiet: true },
    },
    // 0.4 + 0.2 - 0.25 against node memory at 0.4 + 0.15: PLEG is slow because the node is starved
    {
      name: 'PLEG unhealthy on two nodes that report MemoryPressure',
      signals: plegStalledUnder('MemoryPressure'),
      expect: { losesTo: 'node-memory-exhaustion' },
    },
    {
      name: 'PLEG unhealthy on two nodes that report PIDPressure',
      signals: plegStalledUnder('PIDPressure'),
      expect: { losesTo: 'node-pid-exhaustion' },
    },
    // 0.4 + 0.2 + 0.1 - 0.25 against node-pid-exhaustion at 0.45 + 0.2 + 0.1: no threshold, so
    // no PIDPressure; the agent's count says the runtime could not fork
    {
      name: 'PLEG unhealthy and pods stuck Terminating on two nodes where the node agent counts every PID in use',
      signals: [
        agent('NodePIDsExhausted', ['n1', 'n2'], { pidsInUse: 4194304, pidsPercent: 100 }),
        notReady('n1', plegUnhealthy),
        notReady('n2', plegUnhealthy),
        stuckTerminating('n1'),
        stuckTerminating('n2'),
      ],
      expect: { losesTo: 'node-pid-exhaustion' },
    },
    // 0.4 + 0.2 - 0.15 against node-image-regression at 0.35 + 0.15: the new runtime is the change to undo
    {
      name: 'every node took a new containerd an hour before; three of them now say the runtime is down',
      signals: [
        notReady('n1', runtimeDown),
        notReady('n2', runtimeDown),
        notReady('n3', runtimeDown),
        change(
          'node-runtime',
          {
            from: 'containerd://1.7.15',
            to: 'containerd://2.0.0',
            nodes: Array.from({ length: 12 }, (_, i) => `n${i + 1}`),
            count: 12,
          },
          { sinceMs: t0 - hour },
        ),
      ],
      expect: { losesTo: 'node-image-regression' },
    },
    {
      name: 'three nodes flap with unrelated apps failing on them; pods on one linger Terminating',
      signals: [
        ...networkWave(['n1', 'n2', 'n3']),
        crashLoop('api', 'pilot', ['n1', 'n2']),
        crashLoop('api', 'tiles', ['n2', 'n3']),
        stuckTerminating('n1'),
      ],
      expect: { losesTo: 'node-network' },
    },
    // 0.4 + 0.2 + 0.1 - 0.3 against node-io-saturation at 0.45 + 0.2: the runtime waits on a saturated disk
    {
      name: 'PLEG unhealthy on two nodes with pods stuck Terminating, the agent seeing tasks stalled on I/O on both',
      signals: [
        notReady('n1', plegUnhealthy),
        notReady('n2', plegUnhealthy),
        stuckTerminating('n1'),
        stuckTerminating('n2'),
        agent('NodeIOPressure', ['n1', 'n2'], { reasons: ['IOStalled'], fullAvg60: 47.5 }),
      ],
      expect: { losesTo: 'node-io-saturation' },
    },
    // 0.4 + 0.2 - 0.4
    {
      name: 'the API server does not answer; earlier one node said PLEG was unhealthy',
      signals: [apiUnreachable(), notReady('n4', plegUnhealthy)],
      expect: { losesTo: 'control-plane-unreachable' },
    },
  ],
};
