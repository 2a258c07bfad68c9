import { describe, expect, it } from 'vitest';
import { node } from '../detect/fixtures.ts';
import { poolOf } from '../detect/node-attributes.ts';
import { poolLabelOf } from './node-pools.ts';

describe('node pool labels', () => {
  it.each([
    [
      'AKS: the old label wins over the new',
      { agentpool: 'np1', 'kubernetes.azure.com/agentpool': 'x' },
      ['agentpool', 'np1'],
    ],
    ['eksctl', { 'alpha.eksctl.io/nodegroup-name': 'ng-2' }, ['alpha.eksctl.io/nodegroup-name', 'ng-2']],
    ['a generic node-pool label', { 'node-pool': 'services' }, ['node-pool', 'services']],
    [
      'a provider label before the simulator’s',
      { 'kubetriage.io/pool': 'w', 'node-pool': 'services' },
      ['node-pool', 'services'],
    ],
    ['an empty value is no pool', { agentpool: '', 'kubetriage.io/pool': 'w' }, ['kubetriage.io/pool', 'w']],
    ['no pool label', { 'node.kubernetes.io/instance-type': 'm5.large' }, undefined],
  ] as const)('%s', (_what, labels, want) => {
    expect(poolLabelOf(labels)).toEqual(want);
  });

  it('is the list failure grouping uses, so a restart and a diagnosis name the same pool', () => {
    for (const [label, value] of [
      ['node-pool', 'services'],
      ['alpha.eksctl.io/nodegroup-name', 'ng-2'],
    ])
      expect(poolOf(node({ name: 'n', labels: { [label]: value } }))).toBe(value);
  });
});
