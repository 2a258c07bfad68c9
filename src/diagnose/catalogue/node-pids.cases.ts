/** node-pid-exhaustion: fires on nodes out of process IDs; loses to memory, the runtime and one sick kubelet. */
import type { PatternTable } from '../cases.ts';
import {
  agent,
  apiUnreachable,
  crashLoop,
  networkWave,
  notReady,
  outOfMemory,
  plegUnhealthy,
  pressure,
  runtimeDown,
  sandboxes,
  silent,
} from '../fixtures.ts';

const pidPressure = { conditions: ['PIDPressure'], conditionReasons: ['KubeletHasInsufficientPID'] };
const evictingPids = {
  thresholdsMet: ['pids'],
  evictions: 3,
  evictedResources: ['pids'],
  evictedNamespaces: ['ci'],
};
const agentCounts = (nodes: string[]) =>
  agent('NodePIDsExhausted', nodes, { pidsInUse: 32768, pidsPercent: 100, reasons: ['PIDsNearlyExhausted'] });

export const nodePidsCases: PatternTable = {
  pattern: 'node-pid-exhaustion',
  cases: [
    // 0.45 + 0.1 evictions + 0.2 the kubelet starved of PIDs + 0.1 PLEG named
    {
      name: 'two nodes run out of PIDs: the kubelet evicts pods for them, then PLEG stalls and both go NotReady',
      signals: [
        pressure('n1', { ...pidPressure, ...evictingPids }),
        pressure('n2', { ...pidPressure, ...evictingPids }),
        notReady('n1', plegUnhealthy),
        notReady('n2', plegUnhealthy),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.45 + 0.1 evictions + 0.2 the kubelet starved (its Ready message gives no reason)
    {
      name: 'two nodes report PIDPressure and evict pods for PIDs, then both stop posting Ready',
      signals: [
        pressure('n1', { ...pidPressure, ...evictingPids }),
        pressure('n2', { ...pidPressure, ...evictingPids }),
        notReady('n1'),
        notReady('n2'),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.45 + 0.2 the kubelet starved + 0.1 its Ready message names PLEG: no threshold, so no PIDPressure
    {
      name: 'the node agent counts every PID in use on two nodes; without PIDPressure their kubelets go NotReady on PLEG',
      signals: [agentCounts(['n1', 'n2']), notReady('n1', plegUnhealthy), notReady('n2', plegUnhealthy)],
      expect: { fires: true, identified: true },
    },
    // 0.45: measured, nothing has failed yet
    {
      name: 'the node agent counts the PID limit nearly used on one node, still Ready',
      signals: [agentCounts(['n3'])],
      expect: { fires: true, identified: false },
    },
    // 0.45 + 0.1
    {
      name: 'one node reports PIDPressure and the kubelet evicts pods to reclaim PIDs',
      signals: [pressure('n3', { ...pidPressure, ...evictingPids })],
      expect: { fires: true, identified: false },
    },
    {
      name: 'a node short of memory, with PIDs to spare',
      signals: [pressure('n3', { conditions: ['MemoryPressure'], systemOoms: 2 })],
      expect: { quiet: true },
    },
    // 0.45 + 0.2 - 0.2 against node-network at 0.6: two other nodes are down with no shortage
    {
      name: 'three nodes lose their network, unrelated apps failing on them; one of them also reports PIDPressure',
      signals: [
        ...networkWave(['n1', 'n2', 'n3']),
        crashLoop('api', 'pilot', ['n1', 'n2']),
        crashLoop('api', 'tiles', ['n2', 'n3']),
        pressure('n1', pidPressure),
      ],
      expect: { losesTo: 'node-network' },
    },
    // 0.45 - 0.4
    {
      name: 'the API server does not answer; earlier a node reported PIDPressure',
      signals: [apiUnreachable(), pressure('n3', pidPressure)],
      expect: { losesTo: 'control-plane-unreachable' },
    },
    {
      name: 'a node the OOM killer works through also reports PIDPressure',
      signals: [outOfMemory('n3', ['PIDPressure'])],
      expect: { losesTo: 'node-memory-exhaustion' },
    },
    {
      name: 'the runtime is down on two nodes, pods cannot get sandboxes there, while a third node reports PIDPressure',
      signals: [
        notReady('n1', runtimeDown),
        notReady('n2', runtimeDown),
        sandboxes('n1', 'runtime'),
        pressure('n4', pidPressure),
      ],
      expect: { losesTo: 'container-runtime-failure' },
    },
    {
      name: 'one node went silent while another, still Ready, reports PIDPressure',
      signals: [notReady('n4'), silent('n4', 300), pressure('n5', pidPressure)],
      expect: { losesTo: 'kubelet-failure' },
    },
  ],
};
