/** workload-exhausts-node: fires when one consumer tops every node that runs short; loses to node-wide shortages. */
import type { PatternTable } from '../cases.ts';
import { apiUnreachable, notReady, pressure } from '../fixtures.ts';

const starving = { status: 'Unknown' as const, reason: 'NodeStatusUnknown' };
const oomPicks = (victim: string) => ({ systemOoms: 1, oomKills: 2, oomVictims: [victim] });
const evictedFor = (resource: string, consumer: string) => ({
  thresholdsMet: [resource],
  evictions: 2,
  evictedResources: [resource],
  topConsumers: [`${consumer}=9Gi`],
});

const holdsMost = (consumer: string) => ({ largestConsumer: consumer, largestConsumerShare: 0.63 });
const holdsDisk = (consumer: string, share: number) => ({
  largestDiskConsumer: consumer,
  largestDiskConsumerShare: share,
});

export const workloadExhaustsNodeCases: PatternTable = {
  pattern: 'workload-exhausts-node',
  cases: [
    // 0.5 + 0.15 holds most of its node + 0.15 its node down, against node memory at 0.4 + 0.1 + 0.15 - 0.2
    {
      name: 'one container with no memory request held 63 % of its node when evicted, and the node stopped posting status',
      signals: [
        pressure('n1', { ...evictedFor('memory', 'egg'), ...holdsMost('egg') }),
        notReady('n1', starving),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.15, against node memory at 0.4 + 0.1 - 0.2
    {
      name: 'one container held 63 % of its node when the kubelet evicted it',
      signals: [pressure('n1', { ...evictedFor('memory', 'egg'), ...holdsMost('egg') })],
      expect: { fires: true, identified: false },
    },
    // 0.5 + 0.15 its nodes down + 0.1 the OOM killer's victim, against node memory at 0.4 + 0.15 + 0.15
    {
      name: 'the OOM killer picks the same log agent on two nodes, which then stop posting status',
      signals: [
        pressure('n1', oomPicks('log-agent')),
        pressure('n2', oomPicks('log-agent')),
        notReady('n1', starving),
        notReady('n2', starving),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.15, against node disk at 0.4 + 0.1 + 0.1
    {
      name: 'the eviction manager names the same batch job on two nodes out of ephemeral storage, both NotReady',
      signals: [
        pressure('n1', {
          ...evictedFor('ephemeral-storage', 'batch-export'),
          ...holdsDisk('batch-export', 0.4),
        }),
        pressure('n2', {
          ...evictedFor('ephemeral-storage', 'batch-export'),
          ...holdsDisk('batch-export', 0.4),
        }),
        notReady('n1'),
        notReady('n2'),
      ],
      expect: { fires: true, identified: false },
    },
    {
      name: 'one node short of memory, the eviction manager naming a batch job',
      signals: [pressure('n3', evictedFor('memory', 'batch-export'))],
      expect: { quiet: true },
    },
    {
      name: 'two nodes short of memory, each with a different top consumer',
      signals: [
        pressure('n3', evictedFor('memory', 'batch-export')),
        pressure('n4', evictedFor('memory', 'java')),
      ],
      expect: { quiet: true },
    },
    // 0.5 + 0.15 + 0.1 - 0.2 against node memory at 0.7: two more nodes ran short with other victims
    {
      name: 'four nodes run out of memory: the OOM killer picks a log agent on two and other processes on the other two',
      signals: [
        pressure('n1', oomPicks('log-agent')),
        pressure('n2', oomPicks('log-agent')),
        pressure('n3', oomPicks('java')),
        pressure('n4', oomPicks('postgres')),
        notReady('n1', starving),
        notReady('n2', starving),
      ],
      expect: { losesTo: 'node-memory-exhaustion' },
    },
    {
      name: 'two nodes full of images, GC failing and pulls out of space; evictions name whatever pod used most',
      signals: [
        pressure('n1', {
          conditions: ['DiskPressure'],
          imageGcFailures: 3,
          imagePullNoSpace: 2,
          ...evictedFor('ephemeral-storage', 'web'),
        }),
        pressure('n2', {
          conditions: ['DiskPressure'],
          imageGcFailures: 3,
          imagePullNoSpace: 2,
          ...evictedFor('ephemeral-storage', 'web'),
        }),
      ],
      expect: { losesTo: 'node-disk-exhaustion' },
    },
    {
      name: 'two nodes whose disk fills on the host evict the same agent first, which holds a few kilobytes of it',
      signals: ['n1', 'n2'].map((n) =>
        pressure(n, {
          conditions: ['DiskPressure'],
          imageGcFailures: 3,
          ...evictedFor('ephemeral-storage', 'node-agent'),
          topConsumers: ['node-agent=48Ki'],
          ...holdsDisk('node-agent', 0),
        }),
      ),
      expect: { losesTo: 'node-disk-exhaustion' },
    },
    {
      name: 'three nodes out of PIDs go NotReady; the eviction manager names a build runner on two of them',
      signals: [
        pressure('n1', { conditions: ['PIDPressure'], ...evictedFor('pids', 'build-runner') }),
        pressure('n2', { conditions: ['PIDPressure'], ...evictedFor('pids', 'build-runner') }),
        pressure('n3', { conditions: ['PIDPressure'], ...evictedFor('pids', 'java') }),
        notReady('n1'),
        notReady('n2'),
        notReady('n3'),
      ],
      expect: { losesTo: 'node-pid-exhaustion' },
    },
    // 0.5 + 0.1 - 0.4
    {
      name: 'the API server does not answer; earlier the OOM killer picked the same agent on two nodes',
      signals: [
        apiUnreachable(),
        pressure('n1', oomPicks('log-agent')),
        pressure('n2', oomPicks('log-agent')),
      ],
      expect: { losesTo: 'control-plane-unreachable' },
    },
  ],
};
