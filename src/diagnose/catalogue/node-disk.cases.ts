/** node-disk-exhaustion: fires on nodes whose disks are full; loses to a registry refusing pulls, to nodes down for other reasons and to one writer filling every node it runs on. */
import type { PatternTable } from '../cases.ts';
import { apiUnreachable, networkWave, notReady, outOfMemory, pressure, registryPulls } from '../fixtures.ts';

const diskPressure = { conditions: ['DiskPressure'], pressureTaints: ['node.kubernetes.io/disk-pressure'] };
const gcFails = { imageGcFailures: 3, containerGcFailures: 1 };
const evictingStorage = {
  thresholdsMet: ['ephemeral-storage'],
  evictions: 3,
  evictedResources: ['ephemeral-storage'],
  evictedNamespaces: ['ci'],
};
const noSpace = { imagePullNoSpace: 4 };

export const nodeDiskCases: PatternTable = {
  pattern: 'node-disk-exhaustion',
  cases: [
    // 0.4 + 0.15 pulls + 0.1 GC + 0.1 evictions
    {
      name: 'two nodes full: image GC cannot free space, pods are evicted for ephemeral storage, pulls find no space',
      signals: [
        pressure('n1', { ...diskPressure, ...gcFails, ...evictingStorage, ...noSpace }),
        pressure('n2', { ...diskPressure, ...gcFails, ...evictingStorage, ...noSpace }),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.4 + 0.1 GC + 0.1 evictions + 0.1 the kubelet gave up
    {
      name: 'a node whose GC cannot free its disk evicts pods for ephemeral storage, then goes NotReady',
      signals: [pressure('n3', { ...diskPressure, ...gcFails, ...evictingStorage }), notReady('n3')],
      expect: { fires: true, identified: true },
    },
    // 0.4 + 0.15
    {
      name: 'one node reports DiskPressure and pulls there fail with no space left on device',
      signals: [pressure('n3', { ...diskPressure, ...noSpace })],
      expect: { fires: true, identified: false },
    },
    {
      name: 'a node short of memory, with disk to spare',
      signals: [pressure('n3', { conditions: ['MemoryPressure'], systemOoms: 2 })],
      expect: { quiet: true },
    },
    // 0.5 + 0.15 rate limit + 0.1 on four nodes; 0.4 - 0.2: a node's DiskPressure is not why pulls fail
    {
      name: 'the registry rate-limits pulls on four nodes while one node reports DiskPressure',
      signals: [
        registryPulls('registry.example.com', {
          causes: ['rate-limited=9'],
          nodes: ['n1', 'n2', 'n3', 'n4'],
          nodeCount: 4,
        }),
        pressure('n4', diskPressure),
      ],
      expect: { losesTo: 'image-pull-failure' },
    },
    // 0.4 - 0.2
    {
      name: 'three nodes lose their network while a fourth, still Ready, reports DiskPressure',
      signals: [...networkWave(['n1', 'n2', 'n3']), pressure('n4', diskPressure)],
      expect: { losesTo: 'node-network' },
    },
    // 0.4 + 0.15 - 0.4
    {
      name: 'the API server does not answer; earlier a node reported pulls out of space',
      signals: [apiUnreachable(), pressure('n3', { ...diskPressure, ...noSpace })],
      expect: { losesTo: 'control-plane-unreachable' },
    },
    // 0.4 + 0.1 - 0.2, against one workload at 0.5
    {
      name: 'three nodes evict for ephemeral storage, each naming the same container as the largest writer',
      signals: ['n1', 'n2', 'n3'].map((n) =>
        pressure(n, {
          ...diskPressure,
          ...evictingStorage,
          topConsumers: ['api=31Gi'],
          largestDiskConsumer: 'api',
          largestDiskConsumerShare: 0.33,
        }),
      ),
      expect: { losesTo: 'workload-exhausts-node' },
    },
    // 0.4 + 0.1 + 0.1: different writers on each node are the nodes' shortage
    {
      name: 'three nodes whose GC cannot free space evict a different writer each',
      signals: ['web', 'cache', 'batch'].map((w, i) =>
        pressure(`n${i + 1}`, {
          ...diskPressure,
          ...gcFails,
          ...evictingStorage,
          topConsumers: [`${w}=9Gi`],
        }),
      ),
      expect: { fires: true },
    },
    // 0.4 + 0.1 GC + 0.1 evictions + 0.1 the space is outside the pods; the same name on
    // every node is only the largest of what little the pods hold, not a writer
    {
      name: 'three nodes whose GC cannot free space evict pods holding a few kilobytes each, the same agent named first on every node',
      signals: ['n1', 'n2', 'n3'].map((n) =>
        pressure(n, {
          ...diskPressure,
          ...gcFails,
          ...evictingStorage,
          topConsumers: ['node-agent=48Ki', 'web=12Ki'],
          largestDiskConsumer: 'node-agent',
          largestDiskConsumerShare: 0,
        }),
      ),
      expect: { fires: true, identified: true },
    },
    {
      name: 'a node the OOM killer works through also reports DiskPressure',
      signals: [outOfMemory('n3', ['DiskPressure'])],
      expect: { losesTo: 'node-memory-exhaustion' },
    },
  ],
};
