/** credentials-rejected: fires when the API server refuses kubetriage; loses to an API server that does not answer or answers poorly. */
import type { PatternTable } from '../cases.ts';
import { accessDenied, apiDegraded, apiUnreachable, notReady } from '../fixtures.ts';

export const credentialsRejectedCases: PatternTable = {
  pattern: 'credentials-rejected',
  cases: [
    // 0.6 + 0.15
    {
      name: 'the token expired: probes and watches are answered 401',
      signals: [accessDenied()],
      expect: { fires: true, identified: true },
    },
    // 0.6: two refused probes could still be a passing RBAC change
    {
      name: 'the first probes are refused, no watch has failed yet',
      signals: [accessDenied({ reflectorsDenied: [] })],
      expect: { fires: true, identified: false },
    },
    {
      name: 'the API server stops answering at all',
      signals: [apiUnreachable()],
      expect: { losesTo: 'control-plane-unreachable' },
    },
    {
      name: 'the API server answers slowly with 500s from readyz',
      signals: [apiDegraded({ statuses: ['readyz 500'] })],
      expect: { losesTo: 'control-plane-degraded' },
    },
    {
      name: 'one node down while the API server answers',
      signals: [notReady('n4')],
      expect: { quiet: true },
    },
  ],
};
