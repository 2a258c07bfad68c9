import { describe, expect, it } from 'vitest';
import { agentCondition, event, node, pod, t0, viewOf } from './fixtures.ts';
import { nodePressure } from './node-pressure.ts';
import { ofKind } from './signal.ts';

const kubeletEvent = (nodeName: string, reason: string, message: string, count = 1) =>
  event({
    kind: 'Node',
    name: nodeName,
    reason,
    message,
    type: 'Warning',
    host: nodeName,
    count,
    lastMs: t0 - 60_000,
  });

/** A container at its own memory limit, OOMKilled 30 s ago. */
const oomKilledOn = (nodeName: string) =>
  pod({
    name: 'recs-1',
    node: nodeName,
    containers: [{ name: 'recs', restartCount: 3, lastTerminated: { reason: 'OOMKilled', exitCode: 137 } }],
  });

describe('nodePressure', () => {
  it('gathers a node disk episode: condition, taint, threshold met, GC failing, evictions and who used most', () => {
    const view = viewOf({
      nodes: [
        node({
          name: 'n1',
          taints: [{ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }],
          conditions: [
            agentCondition('DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure', {
              sinceMs: t0 - 8 * 60_000,
            }),
          ],
        }),
        node({ name: 'n2' }),
        node({ name: 'n3' }),
      ],
      events: [
        kubeletEvent('n1', 'EvictionThresholdMet', 'Attempting to reclaim ephemeral-storage'),
        // https://github.com/kubesphere/kubeye (README)
        kubeletEvent(
          'n1',
          'FreeDiskSpaceFailed',
          'failed to garbage collect required amount of images. Wanted to free 5399374233 bytes, but freed 416077545 bytes',
          3,
        ),
        // https://github.com/cloud-ark/kubeplus/issues/1382
        event({
          kind: 'Pod',
          name: 'kubeplus-0',
          namespace: 'default',
          reason: 'Evicted',
          type: 'Warning',
          host: 'n1',
          lastMs: t0 - 120_000,
          message:
            'The node was low on resource: ephemeral-storage. Threshold quantity: 2146223340, available: 1883424Ki. Container helmer was using 10304Ki, request is 10Mi, has larger consumption of ephemeral-storage. Container consumerui was using 52676Ki, request is 10Mi, has larger consumption of ephemeral-storage.',
        }),
        // https://github.com/kubesphere/kubeye (README)
        kubeletEvent('n2', 'SystemOOM', 'System OOM encountered, victim process: stress, pid: 16713'),
      ],
    });
    const out = ofKind(nodePressure(view, t0), 'node-pressure');
    expect(out.map((s) => [s.subject, s.severity])).toEqual([
      ['node/n1', 'critical'],
      ['node/n2', 'critical'],
    ]);
    expect(out[0].facts).toMatchObject({
      conditions: ['DiskPressure'],
      conditionReasons: ['KubeletHasDiskPressure'],
      pressureTaints: ['node.kubernetes.io/disk-pressure'],
      thresholdsMet: ['ephemeral-storage'],
      evictions: 1,
      evictedResources: ['ephemeral-storage'],
      evictedNamespaces: ['default'],
      topConsumers: ['consumerui=52676Ki', 'helmer=10304Ki'],
      imageGcFailures: 3,
      systemOoms: 0,
      clusterNodesUnderPressure: 2,
    });
    expect(out[1].facts).toMatchObject({ conditions: [], systemOoms: 1, oomVictims: ['stress'] });
    expect(out[0].evidence[0].raw).toEqual({
      kind: 'field',
      path: 'status.conditions[DiskPressure]',
      value: 'True/KubeletHasDiskPressure',
    });
  });

  it('says which container the memory evictions name with the most memory, and its share of the node', () => {
    const view = viewOf({
      nodes: [node({ name: 'n1', allocatable: { cpu: '2', memory: '7860Mi' } })],
      events: [
        // The kubelet's wording (pkg/kubelet/eviction/helpers.go), as KubeFATE#64 quotes it.
        event({
          kind: 'Pod',
          name: 'egg-5d9f-x',
          reason: 'Evicted',
          type: 'Warning',
          host: 'n1',
          lastMs: t0 - 120_000,
          message:
            'The node was low on resource: memory. Threshold quantity: 100Mi, available: 98304Ki. Container egg was using 5053216Ki, request is 0, has larger consumption of memory. ',
        }),
      ],
    });
    const [n1] = ofKind(nodePressure(view, t0), 'node-pressure');
    expect(n1.facts).toMatchObject({ largestConsumer: 'egg', largestConsumerShare: 0.63 });
  });

  it('says which container the ephemeral-storage evictions name with the most disk, and its share of the node', () => {
    const evicted = (name: string, usage: string, lastMs: number, host = 'n1') =>
      event({
        kind: 'Pod',
        name,
        namespace: 'kube-system',
        reason: 'Evicted',
        type: 'Warning',
        host,
        lastMs,
        message: `The node was low on resource: ephemeral-storage. Threshold quantity: 26620609658, available: 25836652Ki. Container ${name.split('-')[0]} was using ${usage}, request is 0, has larger consumption of ephemeral-storage. `,
      });
    const view = viewOf({
      nodes: [
        node({ name: 'n1', allocatable: { cpu: '8', memory: '28Gi', 'ephemeral-storage': '239585138Ki' } }),
        node({ name: 'n2', allocatable: { cpu: '8', memory: '28Gi' } }),
      ],
      events: [
        evicted('proxy-a', '12Ki', t0 - 180_000),
        evicted('agent-b', '48Ki', t0 - 120_000),
        evicted('writer-c', '31Gi', t0 - 60_000, 'n2'),
      ],
    });
    const [n1, n2] = ofKind(nodePressure(view, t0), 'node-pressure');
    expect(n1.facts).toMatchObject({ largestDiskConsumer: 'agent', largestDiskConsumerShare: 0 });
    // Without the node's allocatable ephemeral storage the share is unknown, not small.
    expect(n2.facts).toMatchObject({ largestDiskConsumer: 'writer', largestDiskConsumerShare: -1 });
  });

  it('leaves a container at its own memory limit to its workload when the node shows no pressure', () => {
    const view = viewOf({
      nodes: [node({ name: 'n1' })],
      pods: [oomKilledOn('n1')],
    });
    expect(nodePressure(view, t0)).toEqual([]);
  });

  it('counts OOMKilled containers on a node under memory pressure', () => {
    const view = viewOf({
      nodes: [
        node({
          name: 'n1',
          conditions: [
            agentCondition(
              'MemoryPressure',
              'True',
              'KubeletHasInsufficientMemory',
              'kubelet has insufficient memory available',
            ),
          ],
        }),
      ],
      pods: [oomKilledOn('n1')],
    });
    const [s] = ofKind(nodePressure(view, t0), 'node-pressure');
    expect(s.severity).toBe('warning');
    expect(s.facts).toMatchObject({ conditions: ['MemoryPressure'], containerOomKilled: 1 });
  });
});
