/** api-server-overload: fires when a priority level turns requests away, also when the API server then goes silent; loses to an API server failing, or gone before any rejection. */
import type { PatternTable } from '../cases.ts';
import { apiDegraded, apiRejected, apiUnreachable, crashLoop, t0 } from '../fixtures.ts';

/** Rejections that point at no one: several flow schemas, GETs, no level left untouched. */
const spread = { flowSchemas: ['service-accounts=1500', 'global-default=1500'], servedLevels: [] };
const gets = { refusedRequests: ['GET configmaps=2000', 'LIST pods=1000'] };

export const apiServerOverloadCases: PatternTable = {
  pattern: 'api-server-overload',
  cases: [
    // 0.5 + 0.15 others served + 0.1 one flow schema + 0.1 lists
    {
      name: 'a per-node agent lists every pod every few seconds; workload-low rejects a third, the system levels are served',
      signals: [apiRejected()],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.15 + 0.1 = 0.75
    {
      name: 'one service account hammers GETs; only its level rejects',
      signals: [apiRejected('workload-low', gets)],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.15 + 0.1 = 0.75
    {
      name: 'batch jobs of two teams list pods; only workload-low rejects',
      signals: [
        apiRejected('workload-low', { flowSchemas: ['service-accounts=1500', 'global-default=1500'] }),
      ],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.1 + 0.1 = 0.7, but a system level rejects too: not one class of clients
    {
      name: 'workload-low and the system level both reject',
      signals: [apiRejected(), apiRejected('system', { clusterLevel: true, rejected: 100 })],
      expect: { fires: true, identified: true },
    },
    // 0.5
    {
      name: 'rejections from several flow schemas, mostly GETs, on every level',
      signals: [apiRejected('global-default', { ...spread, ...gets })],
      expect: { fires: true, identified: false },
    },
    {
      name: 'the API server is slow, and nothing is turned away',
      signals: [apiDegraded(), crashLoop('shop', 'cart', ['n1'])],
      expect: { quiet: true },
    },
    // 0.85 - 0.2 = 0.65 against control-plane-degraded 0.55 + 0.15 = 0.7
    {
      name: 'the API server answers 503 to kubetriage too while a level rejects: failing, not only full',
      signals: [apiRejected(), apiDegraded({ statuses: ['503'] })],
      expect: { losesTo: 'control-plane-degraded' },
    },
    // 0.85 + 0.25 rejecting before the silence (0.97 at most) against control-plane-unreachable 0.95
    {
      name: 'the API server stops answering altogether after rejecting for a while: its LISTs got it killed',
      signals: [apiRejected(), apiUnreachable()],
      expect: { fires: true, identified: true },
    },
    // 0.85 - 0.3 = 0.55 against control-plane-unreachable 0.6 + 0.1 = 0.7
    {
      name: 'the load balancer answers 503 first; clients reconnecting are turned away only after',
      signals: [
        apiRejected('workload-low', {}, { sinceMs: t0 - 60_000 }),
        apiUnreachable({ errors: ['HTTP 503'], errorKinds: ['other'], reflectorsFailing: [] }),
      ],
      expect: { losesTo: 'control-plane-unreachable' },
    },
  ],
};
