import { describe, expect, it } from 'vitest';
import { classify, defaultPriorityLevels, nominalSeats, requestUser } from './apf.ts';
import { adminUser } from './request-accounting.ts';

const kubelet = requestUser('system:node:worker-1', ['system:nodes']);

describe('API Priority and Fairness: the default v1.32 configuration', () => {
  it.each([
    [
      'a kubelet renewing its lease',
      kubelet,
      { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease' },
      'system-node-high',
      'node-high',
    ],
    [
      'a kubelet patching its node status',
      kubelet,
      { verb: 'patch', group: '', resource: 'nodes/status' },
      'system-node-high',
      'node-high',
    ],
    [
      'a kubelet listing pods',
      kubelet,
      { verb: 'list', group: '', resource: 'pods' },
      'system-nodes',
      'system',
    ],
    [
      'the scheduler renewing its lease',
      requestUser('system:kube-scheduler'),
      { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-system' },
      'system-leader-election',
      'leader-election',
    ],
    [
      'the controller-manager listing pods',
      requestUser('system:kube-controller-manager'),
      { verb: 'list', group: '', resource: 'pods' },
      'kube-controller-manager',
      'workload-high',
    ],
    [
      'a kube-system service account',
      requestUser('system:serviceaccount:kube-system:coredns'),
      { verb: 'list', group: '', resource: 'services' },
      'kube-system-service-accounts',
      'workload-high',
    ],
    [
      'any other service account',
      requestUser('system:serviceaccount:monitoring:agent'),
      { verb: 'list', group: '', resource: 'pods' },
      'service-accounts',
      'workload-low',
    ],
    [
      'kubectl with the kubeadm admin kubeconfig',
      adminUser,
      { verb: 'list', group: '', resource: 'pods', namespace: 'shop' },
      'global-default',
      'global-default',
    ],
    [
      'system:masters',
      requestUser('root', ['system:masters']),
      { verb: 'delete', group: 'apps', resource: 'deployments', namespace: 'x' },
      'exempt',
      'exempt',
    ],
  ])('%s: %s / %s', (_, user, r, fs, pl) => {
    const c = classify(user, { ...r, path: '' });
    expect([c.flowSchema.name, c.priorityLevel.name]).toEqual([fs, pl]);
  });

  it('health probes from anyone are exempt', () => {
    const c = classify(requestUser('system:anonymous', ['system:unauthenticated']), {
      verb: 'get',
      path: '/readyz',
    });
    expect(c.flowSchema.name).toBe('probes');
    expect(c.priorityLevel.exempt).toBe(true);
  });

  it('priority levels get their share of 600 seats', () => {
    expect(Object.fromEntries(defaultPriorityLevels.map((p) => [p.name, nominalSeats(p)]))).toEqual({
      exempt: 0,
      system: 74,
      'node-high': 98,
      'leader-election': 25,
      'workload-high': 98,
      'workload-low': 245,
      'global-default': 49,
      'catch-all': 13,
    });
  });
});
