/** admission-webhook-failure: fires when an admission webhook fails closed; loses to a slow API server and a broken pod network. */
import type { PatternTable } from '../cases.ts';
import {
  admissionWebhook,
  apiDegraded,
  change,
  flapping,
  hour,
  min,
  podCreation,
  probes,
  silent,
  t0,
  webhookCalls,
  webhookFailing,
  webhookSlow,
  writesRefused,
} from '../fixtures.ts';
import { fmtTime } from '../hypothesis.ts';

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
    // 0.5 + 0.15 + 0.1 backend not ready = 0.75
    {
      name: "a webhook's calls fail and the admission inventory finds its Service without a ready endpoint",
      signals: [
        webhookFailing(hook),
        cannotCreate[0],
        admissionWebhook(hook, {
          backendState: 'no-ready-endpoints',
          readyEndpoints: 0,
          risks: ['no-ready-endpoints'],
        }),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.15 + 0.1 CA not valid = 0.75
    {
      name: "a webhook's calls fail on TLS and the CA in its caBundle expired three days ago",
      signals: [
        webhookFailing(hook, { errorKinds: ['tls'] }),
        cannotCreate[0],
        admissionWebhook(hook, {
          caBundle: 'expired',
          caDaysLeft: -3,
          caNotAfter: fmtTime(t0 - 3 * 24 * hour),
          risks: ['ca-expired'],
        }),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.15 + 0.1 changed before = 0.75
    {
      name: "a webhook's configuration was updated 20 minutes before its calls began to fail",
      signals: [
        webhookFailing(hook),
        cannotCreate[0],
        admissionWebhook(hook, { changed: 'updated', changedAt: fmtTime(t0 - 20 * min), generation: 3 }),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.65: edited after the failures began (someone trying a fix), its backend ready, its CA valid
    {
      name: "a webhook's configuration was edited after its calls began to fail; backend and CA look fine",
      signals: [
        webhookFailing(hook),
        cannotCreate[0],
        admissionWebhook(hook, { changed: 'updated', changedAt: fmtTime(t0 - min), generation: 4 }),
      ],
      expect: { fires: true, identified: false },
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
      name: 'the inventory finds a webhook without a ready endpoint, but no call to it has failed',
      signals: [
        admissionWebhook(
          hook,
          { backendState: 'no-ready-endpoints', readyEndpoints: 0 },
          { severity: 'warning' },
        ),
      ],
      expect: { quiet: true },
    },
    // 0.5 + 0.1 most calls fail + 0.1 configured to outlast heartbeats = 0.7
    {
      name: 'a webhook fails most calls and its configuration sends it node heartbeats with a 30 s timeout',
      signals: [
        webhookCalls(hook, { slowCalls: 0 }),
        admissionWebhook(hook, {
          failurePolicy: 'Ignore',
          timeoutSeconds: 30,
          systemWrites: ['node heartbeats (UPDATE leases in kube-node-lease)'],
          risks: ['can-outlast-heartbeats'],
        }),
      ],
      expect: { fires: true, identified: true },
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
