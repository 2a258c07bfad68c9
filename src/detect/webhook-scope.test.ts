import { describe, expect, it } from 'vitest';
import { node, pod, t0 } from './fixtures.ts';
import { type LabelSelector, systemWritesMatched, type WebhookRule } from './webhook-scope.ts';

const heartbeats = 'node heartbeats (UPDATE leases in kube-node-lease)';
const nodeStatus = 'node status (UPDATE nodes/status)';
const leaderElection = 'leader election (UPDATE leases in kube-system)';
const systemPods = 'system pods (CREATE pods in kube-system)';
const systemPodStatus = 'system pod status (UPDATE pods/status in kube-system)';

const objects = {
  nodes: [node({ name: 'n1', labels: { 'node-role.kubernetes.io/worker': '' } })],
  kubeSystemPods: [
    pod({ name: 'coredns-1', namespace: 'kube-system', node: 'n1', labels: { 'k8s-app': 'kube-dns' } }),
  ],
};
const rule = (resources: string[], o: Partial<WebhookRule> = {}): WebhookRule => ({
  operations: ['*'],
  apiGroups: ['*'],
  apiVersions: ['*'],
  resources,
  ...o,
});
const notIn = (...names: string[]): LabelSelector => ({
  matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: names }],
});

describe("which of the cluster's own writes a webhook is called for", () => {
  it.each([
    [
      'everything (*/*)',
      [rule(['*/*'])],
      undefined,
      undefined,
      [heartbeats, nodeStatus, leaderElection, systemPods, systemPodStatus],
    ],
    [
      "'*' is every resource but no subresource",
      [rule(['*'])],
      undefined,
      undefined,
      [heartbeats, leaderElection, systemPods],
    ],
    [
      "'*/status' is the status of everything",
      [rule(['*/status'])],
      undefined,
      undefined,
      [nodeStatus, systemPodStatus],
    ],
    ["'pods/*' is every subresource of pods", [rule(['pods/*'])], undefined, undefined, [systemPodStatus]],
    [
      'only namespaced resources',
      [rule(['*/*'], { scope: 'Namespaced' })],
      undefined,
      undefined,
      [heartbeats, leaderElection, systemPods, systemPodStatus],
    ],
    [
      'only cluster-scoped resources',
      [rule(['*/*'], { scope: 'Cluster' })],
      undefined,
      undefined,
      [nodeStatus],
    ],
    [
      'leases, CREATE only (heartbeats update)',
      [rule(['leases'], { operations: ['CREATE'] })],
      undefined,
      undefined,
      [],
    ],
    [
      'leases in coordination.k8s.io/v1',
      [rule(['leases'], { apiGroups: ['coordination.k8s.io'], apiVersions: ['v1'] })],
      undefined,
      undefined,
      [heartbeats, leaderElection],
    ],
    // The namespaceSelector never skips cluster-scoped objects such as nodes.
    [
      'everything, but not in kube-system and kube-node-lease',
      [rule(['*/*'])],
      notIn('kube-system', 'kube-node-lease'),
      undefined,
      [nodeStatus],
    ],
    [
      'pods, in namespaces labelled policy=enforced (kube-system is not)',
      [rule(['pods'])],
      { matchLabels: { policy: 'enforced' } },
      undefined,
      [],
    ],
    // objectSelector against the labels the view holds: no kube-system pod carries app=shop.
    [
      'pods labelled app=shop',
      [rule(['pods', 'pods/status'])],
      undefined,
      { matchLabels: { app: 'shop' } },
      [],
    ],
    [
      'pods of kube-dns',
      [rule(['pods'])],
      undefined,
      { matchLabels: { 'k8s-app': 'kube-dns' } },
      [systemPods],
    ],
    [
      'nodes/status of workers',
      [rule(['nodes/status'])],
      undefined,
      { matchExpressions: [{ key: 'node-role.kubernetes.io/worker', operator: 'Exists' }] },
      [nodeStatus],
    ],
  ])('%s', (_name, rules, namespaceSelector, objectSelector, expected) => {
    expect(systemWritesMatched({ rules, namespaceSelector, objectSelector }, objects)).toEqual(expected);
  });

  it('a selector on labels kube-system does not carry takes them as absent', () => {
    const sel: LabelSelector = { matchExpressions: [{ key: 'istio-injection', operator: 'DoesNotExist' }] };
    expect(systemWritesMatched({ rules: [rule(['pods'])], namespaceSelector: sel }, objects)).toEqual([
      systemPods,
    ]);
    expect(t0).toBeGreaterThan(0);
  });
});
