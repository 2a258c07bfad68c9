/** node-memory-exhaustion: fires on nodes the kernel and the kubelet find short of memory; loses to nodes down for other reasons. */
import type { PatternTable } from '../cases.ts';
import {
  apiUnreachable,
  change,
  flapping,
  hour,
  networkWave,
  notReady,
  pressure,
  silent,
  spread,
  t0,
  usage,
} from '../fixtures.ts';

const oomKiller = (victim = 'java') => ({ systemOoms: 2, oomKills: 3, oomVictims: [victim] });
const evictingMemory = {
  thresholdsMet: ['memory'],
  evictions: 4,
  evictedResources: ['memory'],
  evictedNamespaces: ['shop'],
};
const memoryPressure = { conditions: ['MemoryPressure'], conditionReasons: ['KubeletHasInsufficientMemory'] };
const starving = { status: 'Unknown' as const, reason: 'NodeStatusUnknown' };

export const nodeMemoryCases: PatternTable = {
  pattern: 'node-memory-exhaustion',
  cases: [
    // 0.4 + 0.15 OOM killer + 0.1 evictions - 0.2, against workload-exhausts-node at 0.5 + 0.15
    {
      name: 'the OOM killer runs on a node where the kubelet evicted one container holding 70 % of its memory',
      signals: [
        pressure('n1', {
          ...memoryPressure,
          ...oomKiller('java'),
          ...evictingMemory,
          topConsumers: ['egg'],
          largestConsumer: 'egg',
          largestConsumerShare: 0.7,
        }),
      ],
      expect: { losesTo: 'workload-exhausts-node' },
    },
    // 0.4 + 0.15 OOM killer + 0.1 evictions + 0.15 kubelets starved
    {
      name: 'two nodes out of memory: the OOM killer runs, the kubelet evicts, then both stop posting status',
      signals: [
        pressure('n1', { ...memoryPressure, ...oomKiller('java'), ...evictingMemory }),
        pressure('n2', { ...memoryPressure, ...oomKiller('postgres'), ...evictingMemory }),
        notReady('n1', starving),
        notReady('n2', starving),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.4 + 0.15 + 0.1 + 0.1 usage: each piece of evidence is needed to be sure
    {
      name: 'one node at 95 % of its allocatable memory, the OOM killer and the eviction manager both at work',
      signals: [pressure('n3', { ...memoryPressure, ...oomKiller(), ...evictingMemory }), usage('n3', 0.95)],
      expect: { fires: true, identified: true },
    },
    // 0.4 + 0.15: the kernel killed processes, and nothing else says so yet
    {
      name: "one node's kernel OOM killer ran, with no pressure condition reported",
      signals: [pressure('n3', oomKiller())],
      expect: { fires: true, identified: false },
    },
    // 0.4 + 0.15 starved, against node-network at 0.35 + 0.15 + 0.1 + 0.05 - 0.25: the flapping is the kubelets starving
    {
      name: 'three nodes report MemoryPressure and flip between Ready and NotReady as their kubelets starve',
      signals: [
        ...['n1', 'n2', 'n3'].flatMap((n) => [
          pressure(n, memoryPressure),
          notReady(n, starving),
          flapping(n),
        ]),
        spread(['n1', 'n2', 'n3'], { onsetSpanMinutes: 20 }),
      ],
      expect: { fires: true, identified: false },
    },
    // 0.4 + 0.15, against node-image-regression at 0.35 + 0.15 + 0.1 - 0.2: the new kernel set them apart, memory took them down
    {
      name: 'three of twelve nodes took a new kernel an hour before, then report MemoryPressure and go NotReady',
      signals: [
        ...['n1', 'n2', 'n3'].flatMap((n) => [pressure(n, memoryPressure), notReady(n, starving)]),
        change(
          'node-kernel',
          { from: '5.15.0-1061', to: '6.5.0-1015', nodes: ['n1', 'n2', 'n3'], count: 3 },
          { sinceMs: t0 - hour },
        ),
      ],
      expect: { fires: true, identified: false },
    },
    {
      name: 'a node short of disk, with plenty of memory',
      signals: [pressure('n3', { conditions: ['DiskPressure'], imageGcFailures: 3 })],
      expect: { quiet: true },
    },
    // 0.4 - 0.2: three other nodes are down with no shortage at all
    {
      name: 'three nodes lose their network while a fourth, still Ready, reports MemoryPressure',
      signals: [...networkWave(['n1', 'n2', 'n3']), pressure('n4', memoryPressure)],
      expect: { losesTo: 'node-network' },
    },
    // 0.4 + 0.15 - 0.4: the API server is silent; what it last showed of nodes proves little
    {
      name: 'the API server does not answer; earlier a node reported OOM kills',
      signals: [apiUnreachable(), pressure('n3', oomKiller())],
      expect: { losesTo: 'control-plane-unreachable' },
    },
    // 0.5 + 0.1 lease lapsed against 0.4 + 0.15: a pressure condition alone does not explain a silent kubelet
    {
      name: 'one node went silent; it had reported MemoryPressure, with no OOM kill or eviction',
      signals: [notReady('n4'), silent('n4', 300), pressure('n4', memoryPressure)],
      expect: { losesTo: 'kubelet-failure' },
    },
    {
      name: 'the OOM killer picks the same log agent on two nodes, which then go NotReady',
      signals: [
        pressure('n1', { systemOoms: 1, oomKills: 2, oomVictims: ['log-agent'] }),
        pressure('n2', { systemOoms: 1, oomKills: 2, oomVictims: ['log-agent'] }),
        notReady('n1', starving),
        notReady('n2', starving),
      ],
      expect: { losesTo: 'workload-exhausts-node' },
    },
    {
      name: 'three nodes that took a new kernel an hour before go NotReady; one had reported MemoryPressure',
      signals: [
        notReady('n1'),
        notReady('n2'),
        notReady('n3'),
        pressure('n1', memoryPressure),
        change(
          'node-kernel',
          { from: '5.15.0-1061', to: '6.5.0-1015', nodes: ['n1', 'n2', 'n3'], count: 3 },
          { sinceMs: t0 - hour },
        ),
      ],
      expect: { losesTo: 'node-image-regression' },
    },
  ],
};
