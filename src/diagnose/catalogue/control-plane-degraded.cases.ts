/** control-plane-degraded: fires when the API server answers slowly or with errors; loses to it not answering. */
import type { PatternTable } from '../cases.ts';
import {
  apiDegraded,
  apiUnreachable,
  crashLoop,
  podCreation,
  webhookCalls,
  writesRefused,
  writesStalled,
} from '../fixtures.ts';

export const controlPlaneDegradedCases: PatternTable = {
  pattern: 'control-plane-degraded',
  cases: [
    // 0.55 + 0.15 error statuses
    {
      name: 'readyz answers 500 while requests take seconds',
      signals: [apiDegraded({ statuses: ['readyz 500'] })],
      expect: { fires: true, identified: true },
    },
    // 0.55 + 0.15 etcd refuses writes, while reads (and so the probes) are fine
    {
      name: "a CronJob's Jobs cannot be created: the API server passes on etcd's database space exceeded",
      signals: [
        podCreation('jobs', 'batch-launcher', {
          message: 'Error creating job: etcdserver: mvcc: database space exceeded',
          cause: 'etcd',
          causes: ['etcd=30'],
          webhookErrors: [],
        }),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.55 + 0.15 - 0.25 = 0.45 against the webhook's 0.5 + 0.1
    {
      name: 'readyz answers 500 while a policy webhook hangs every call for 30 s and fails open',
      signals: [apiDegraded({ statuses: ['readyz 500'] }), webhookCalls('validate.policy.example.com')],
      expect: { losesTo: 'admission-webhook-failure' },
    },
    {
      name: 'every request takes seconds, without errors',
      signals: [apiDegraded()],
      expect: { fires: true, identified: false },
    },
    // 0.55 + 0.15 - 0.2: an outage just ending, or a front end dropping most requests
    {
      name: 'most probes of the last minute went unanswered, the rest got 500s',
      signals: [apiDegraded({ statuses: ['livez 500'], answered: 4, unanswered: 8 })],
      expect: { fires: true, identified: false },
    },
    // 0.55 + 0.15: reads answered, no write lands anywhere
    {
      name: 'no kubelet renewal lands on any node and the node controller marks none, while reads are answered',
      signals: [writesStalled()],
      expect: { fires: true, identified: true },
    },
    // 0.55 + 0.15 + 0.15 - 0.2 = 0.65 against the loop's 0.55 + 0.2
    {
      name: "writes stall everywhere and readyz fails on etcd, while etcd's liveness probe asks plain /health",
      signals: [writesStalled(['etcd-cp-0']), apiDegraded({ statuses: ['readyz 500'] })],
      expect: { losesTo: 'control-plane-component-loop' },
    },
    // 0.55: reads answered, kubetriage's dry-run creates end at the request deadline
    {
      name: "kubetriage's dry-run creates end in the API server's own request timeout while reads are answered",
      signals: [writesRefused('', { cause: 'timeout', lastStatus: 504 })],
      expect: { fires: true, identified: false },
    },
    {
      name: "a webhook times out kubetriage's dry-run creates: the webhook's doing, not the server's",
      signals: [writesRefused('validate.policy.example.com', { cause: 'timeout' })],
      expect: { losesTo: 'admission-webhook-failure' },
    },
    {
      name: 'an app crash-loops while the API server answers promptly',
      signals: [crashLoop('shop', 'cart', ['n4', 'n5'])],
      expect: { quiet: true },
    },
    {
      name: 'the API server does not answer at all',
      signals: [apiUnreachable()],
      expect: { losesTo: 'control-plane-unreachable' },
    },
  ],
};
