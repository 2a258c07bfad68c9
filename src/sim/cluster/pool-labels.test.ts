import { describe, expect, it } from 'vitest';
import { distributionPoolLabels } from './pool-labels.ts';

describe('pool labels by distribution', () => {
  it.each([
    ['eks', { 'eks.amazonaws.com/nodegroup': 'ng' }],
    ['gke', { 'cloud.google.com/gke-nodepool': 'ng' }],
    ['aks', { agentpool: 'ng', 'kubernetes.azure.com/agentpool': 'ng' }],
    ['doks', { 'doks.digitalocean.com/node-pool': 'ng' }],
    ['kops', { 'kops.k8s.io/instancegroup': 'ng' }],
    ['kubeadm', { 'node-pool': 'ng' }],
    [undefined, { 'node-pool': 'ng' }],
  ])('%s', (distribution, want) => {
    expect(distributionPoolLabels(distribution, 'ng')).toEqual(want);
  });

  it('adds nothing where the scenario declares a pool label of its own', () => {
    expect(distributionPoolLabels('eks', 'ng', { 'alpha.eksctl.io/nodegroup-name': 'ng-1' })).toEqual({});
    expect(distributionPoolLabels('aks', 'ng', { 'kubernetes.azure.com/agentpool': 'core' })).toEqual({});
  });

  it('adds its label beside labels that name no pool', () => {
    expect(distributionPoolLabels('gke', 'ng', { team: 'x' })).toEqual({
      'cloud.google.com/gke-nodepool': 'ng',
    });
  });
});
