import { afterEach, describe, expect, it } from 'vitest';
import { node } from '../detect/fixtures.ts';
import { poolOf } from '../detect/node-attributes.ts';
import { poolLabelOf, setPoolLabel } from './node-pools.ts';

describe('node pool labels', () => {
  afterEach(() => setPoolLabel(undefined));

  it.each([
    [
      'AKS: the old label wins over the new',
      { agentpool: 'np1', 'kubernetes.azure.com/agentpool': 'x' },
      ['agentpool', 'np1'],
    ],
    ['eksctl', { 'alpha.eksctl.io/nodegroup-name': 'ng-2' }, ['alpha.eksctl.io/nodegroup-name', 'ng-2']],
    ['kops', { 'kops.k8s.io/instancegroup': 'nodes-a' }, ['kops.k8s.io/instancegroup', 'nodes-a']],
    ['a generic node-pool label', { 'node-pool': 'services' }, ['node-pool', 'services']],
    ['an empty value is no pool', { agentpool: '', 'node-pool': 'w' }, ['node-pool', 'w']],
    ['no pool label', { 'node.kubernetes.io/instance-type': 'm5.large' }, undefined],
    ['a label only kubetriage would set is no pool', { 'kubetriage.io/pool': 'w' }, undefined],
  ] as const)('%s', (_what, labels, want) => {
    expect(poolLabelOf(labels)).toEqual(want);
  });

  it('reads the configured label before the providers’', () => {
    const labels = { 'cluster.x-k8s.io/deployment-name': 'md-0', 'node-pool': 'services' };
    expect(poolLabelOf(labels)).toEqual(['node-pool', 'services']);
    setPoolLabel('cluster.x-k8s.io/deployment-name');
    expect(poolLabelOf(labels)).toEqual(['cluster.x-k8s.io/deployment-name', 'md-0']);
  });

  it('refuses what is not a label key', () => {
    expect(() => setPoolLabel('has space')).toThrow(/not a label key/);
    expect(() => setPoolLabel('/pool')).toThrow(/not a label key/);
  });

  it('is the list failure grouping uses, so a restart and a diagnosis name the same pool', () => {
    for (const [label, value] of [
      ['node-pool', 'services'],
      ['alpha.eksctl.io/nodegroup-name', 'ng-2'],
    ])
      expect(poolOf(node({ name: 'n', labels: { [label]: value } }))).toBe(value);
  });
});
