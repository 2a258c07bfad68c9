import { describe, expect, it } from 'vitest';
import { node } from './fixtures.ts';
import {
  distinguishingAttributes,
  type NodeAttributes,
  nodeAttributes,
  poolOf,
  sharedAttributes,
} from './node-attributes.ts';

describe('node pool', () => {
  it.each([
    ['AKS', { agentpool: 'nodepool1', 'kubernetes.azure.com/agentpool': 'other' }, 'nodepool1'],
    ['AKS, new label only', { 'kubernetes.azure.com/agentpool': 'sys' }, 'sys'],
    ['DOKS', { 'doks.digitalocean.com/node-pool': 'pool-1-28' }, 'pool-1-28'],
    ['GKE', { 'cloud.google.com/gke-nodepool': 'default-pool' }, 'default-pool'],
    ['EKS', { 'eks.amazonaws.com/nodegroup': 'ng-1' }, 'ng-1'],
    ['Karpenter', { 'karpenter.sh/nodepool': 'general' }, 'general'],
    ['a generic node-pool label', { 'node-pool': 'workers' }, 'workers'],
    ['a provider label before the generic one', { 'node-pool': 'workers', agentpool: 'a' }, 'a'],
    ['an instance type is not a pool', { 'node.kubernetes.io/instance-type': 'm5.large' }, undefined],
  ])('%s', (_name, labels, pool) => {
    expect(poolOf(node({ name: 'n', labels }))).toBe(pool);
  });
});

describe('node attributes', () => {
  it('reads versions from nodeInfo and the image, zone and instance type from labels', () => {
    const n = node({
      name: 'n',
      labels: {
        'doks.digitalocean.com/node-pool': 'pool-1-28',
        'doks.digitalocean.com/version': '1.28.2-do.0',
        'topology.kubernetes.io/zone': 'fra1',
        'node.kubernetes.io/instance-type': 's-4vcpu-8gb',
      },
      kubeletVersion: 'v1.28.2',
      kernelVersion: '6.1.0-12-amd64',
    });
    expect(nodeAttributes(n)).toEqual({
      pool: 'pool-1-28',
      nodeImage: '1.28.2-do.0',
      kubeletVersion: 'v1.28.2',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      kernelVersion: '6.1.0-12-amd64',
      containerRuntimeVersion: 'containerd://1.7.2',
      zone: 'fra1',
      instanceType: 's-4vcpu-8gb',
    });
  });
});

const a = (pool: string, kubeletVersion: string, zone: string): NodeAttributes => ({
  pool,
  kubeletVersion,
  zone,
});

describe('attributes affected nodes share', () => {
  const all = [
    a('p28', 'v1.28.2', 'z1'),
    a('p28', 'v1.28.2', 'z2'),
    a('p27', 'v1.27.6', 'z1'),
    a('p27', 'v1.27.6', 'z2'),
    a('p26', 'v1.26.9', 'z1'),
    a('p26', 'v1.26.9', 'z2'),
  ];
  it.each([
    [
      'two pools of two versions, the third untouched',
      [all[0], all[1], all[2], all[3]],
      ['pool=p27|p28', 'kubeletVersion=v1.27.6|v1.28.2'],
    ],
    ['part of one pool still names it', [all[0], all[1]], ['pool=p28', 'kubeletVersion=v1.28.2']],
    ['one node per zone and pool is no shared trait', [all[0], all[3]], []],
    ['every node: nothing tells them apart', all, []],
    ['a single node: too few to say', [all[0]], []],
  ])('%s', (_name, affected, entries) => {
    expect(distinguishingAttributes(affected, all).entries).toEqual(entries);
  });

  it('lists what all affected nodes have in common', () => {
    expect(sharedAttributes([all[0], all[2]])).toEqual(['zone=z1']);
  });
});
