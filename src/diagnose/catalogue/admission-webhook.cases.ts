/** admission-webhook-failure: fires when an admission webhook fails closed; loses to a slow API server and a broken pod network. */
import type { PatternTable } from '../cases.ts';
import {
  apiDegraded,
  change,
  flapping,
  hour,
  podCreation,
  probes,
  silent,
  t0,
  webhookCalls,
  webhookFailing,
  webhookSlow,
  writesRefused,
} from '../fixtures.ts';

const hook = 'validate.policy.example.com';
const cannotCreate = [
  podCreation('shop', 'cart-7d9f', { webhooks: [hook] }),
  podCreation('kube-system', 'coredns-5c6b', { webhooks: [hook] }),
];

export const admissionWebhookCases: PatternTable = {
  pattern: 'admission-webhook-failure',
  cases: [
    // 0.5 + 0.15 controllers cannot create + 0.1 kube-system
    {
      name: 'a policy webhook whose pods are gone times out for kube-system too; ReplicaSets cannot create pods',
      signals: [
        webhookFailing(hook, { kubeSystem: true, namespaces: ['shop', 'kube-system'] }),
        ...cannotCreate,
      ],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.15
    {
      name: "a webhook's certificate no longer matches its Service name; one ReplicaSet cannot create pods",
      signals: [webhookFailing(hook, { errorKinds: ['tls'] }), cannotCreate[0]],
      expect: { fires: true, identified: false },
    },
    // 0.5 + 0.1 most calls fail + 0.25 heartbeats time out through it
    {
      name: 'a policy webhook hangs and fails open after 30 s per call while three nodes lose their leases and flap',
      signals: [webhookCalls(hook), flapping('n1'), flapping('n2'), silent('n3')],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.15 + 0.1 = 0.75, before any Event names it
    {
      name: "the API server counts every call to a webhook refused since its certificate changed; a ReplicaSet's create is refused",
      signals: [
        webhookCalls(hook, { refused: 12, failedOpen: 0, failed: 12, calls: 12, slowCalls: 0 }),
        cannotCreate[0],
      ],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.1: only kubetriage's own dry-run create meets it, before any controller does
    {
      name: "kubetriage's dry-run ConfigMap create is refused: the API server does not trust the webhook's certificate",
      signals: [writesRefused(hook)],
      expect: { fires: true, identified: false },
    },
    // 0.5 + 0.1 + 0.15 = 0.75
    {
      name: "kubetriage's dry-run create is refused through a webhook that also keeps a ReplicaSet from creating pods",
      signals: [writesRefused(hook, { cause: 'timeout' }), cannotCreate[0]],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.1: its calls take over 10 s, and so do kubetriage's own dry runs
    {
      name: "a webhook answers a third of its calls only after 10 s, and kubetriage's dry-run creates wait 30 s",
      signals: [
        webhookSlow(hook),
        writesRefused('', { cause: 'slow', lastStatus: 201, lastError: '', slowestMs: 30_000 }),
      ],
      expect: { fires: true, identified: false },
    },
    {
      name: "kubetriage's dry-run creates take 30 s while no webhook's calls are slow: nothing ties them to a webhook",
      signals: [writesRefused('', { cause: 'slow', lastStatus: 201, lastError: '', slowestMs: 30_000 })],
      expect: { quiet: true },
    },
    {
      name: "a policy webhook answers and denies kubetriage's dry-run ConfigMap: policy at work, not a webhook failing",
      signals: [writesRefused(hook, { cause: 'denied' })],
      expect: { quiet: true },
    },
    // 0.5: a few slow calls, no node in trouble
    {
      name: 'a webhook answers a third of its calls only after 10 s; nothing else is wrong',
      signals: [webhookSlow(hook)],
      expect: { fires: true, identified: false },
    },
    {
      name: 'a ReplicaSet cannot create pods because its namespace quota is used up',
      signals: [
        podCreation('shop', 'cart-7d9f', { cause: 'quota', causes: ['quota=12'], quotas: ['compute'] }),
      ],
      expect: { quiet: true },
    },
    // 0.5 + 0.15 - 0.2 against 0.55: the API server is slow for every request, not only matched writes
    {
      name: 'the API server takes seconds for every request, and a webhook call times out with it',
      signals: [apiDegraded(), webhookFailing(hook), cannotCreate[0]],
      expect: { losesTo: 'control-plane-degraded' },
    },
    {
      name: 'calico-node is unready everywhere after a label change; webhook calls from the control plane time out',
      signals: [
        probes('kube-system', 'calico-node', {
          workloadKind: 'DaemonSet',
          component: 'cni',
          systemComponent: true,
          nodes: ['n1', 'n2', 'n3'],
        }),
        probes('shop', 'cart'),
        probes('search', 'indexer'),
        probes('billing', 'invoices'),
        change('node-labels', { nodes: ['n1', 'n2'], count: 2 }, { sinceMs: t0 - hour }),
        webhookFailing(hook),
      ],
      expect: { losesTo: 'pod-network-broken' },
    },
  ],
};
