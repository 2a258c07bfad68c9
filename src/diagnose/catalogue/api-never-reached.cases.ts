/** api-never-reached: fires when the API server never answered this process; claims nothing of the cluster. */
import type { PatternTable } from '../cases.ts';
import { accessDenied, apiNeverReached, apiUnreachable, notReady } from '../fixtures.ts';

export const apiNeverReachedCases: PatternTable = {
  pattern: 'api-never-reached',
  cases: [
    // 0.6 + 0.15
    {
      name: 'a wrong port in the kubeconfig: probes and watches refused from the start',
      signals: [apiNeverReached()],
      expect: { fires: true, identified: true },
    },
    // 0.6: the first probes only
    {
      name: 'a name that does not resolve, before any watch has failed',
      signals: [
        apiNeverReached({
          errors: ['getaddrinfo ENOTFOUND api.prod.example.internal'],
          errorKinds: ['dns'],
          reflectorsFailing: [],
        }),
      ],
      expect: { fires: true, identified: false },
    },
    {
      name: 'the API server answered before and then went silent',
      signals: [apiUnreachable({ lastOkMs: Date.parse('2024-05-01T10:00:00Z') })],
      expect: { losesTo: 'control-plane-unreachable' },
    },
    {
      name: 'the API server answers, with 401',
      signals: [accessDenied()],
      expect: { losesTo: 'credentials-rejected' },
    },
    {
      name: 'one node down while the API server answers',
      signals: [notReady('n4')],
      expect: { quiet: true },
    },
  ],
};
