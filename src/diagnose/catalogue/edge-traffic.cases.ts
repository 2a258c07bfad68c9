/** edge-traffic-path: fires when a public URL fails while the cluster is healthy; loses to failures inside and to a fleet-wide change. */
import type { PatternTable } from '../cases.ts';
import { change, edgeProbe, min, notReady, serviceErrors, t0 } from '../fixtures.ts';

const url = 'https://shop.example.com/';

export const edgeTrafficCases: PatternTable = {
  pattern: 'edge-traffic-path',
  cases: [
    // 0.45 + 0.2 cluster healthy + 0.1 ingress quiet
    {
      name: 'the load balancer answers 503 for every probe while nodes are Ready and the ingress counts no errors',
      signals: [edgeProbe(url)],
      expect: { fires: true, identified: true },
    },
    // 0.45 + 0.1, against one node down at 0.5
    {
      name: 'probes from outside time out while one node is NotReady and the ingress counts no errors',
      signals: [
        edgeProbe(url, {
          statuses: [],
          errorKinds: ['timeout'],
          lastError: 'timeout',
          inClusterHealthy: false,
          nodesReady: 11,
        }),
        notReady('n4'),
      ],
      expect: { fires: true, identified: false },
    },
    {
      name: 'the ingress controller answers 503 for one service; nothing probes from outside',
      signals: [serviceErrors('shop/cart')],
      expect: { quiet: true },
    },
    // 0.45 + 0.2 - 0.3: the ingress controller fails itself, and nothing names why
    {
      name: 'probes from outside get 503 and the ingress controller counts the same 503s itself',
      signals: [edgeProbe(url), serviceErrors('shop/cart')],
      expect: { losesTo: 'cause-not-identified' },
    },
    // 0.45 + 0.05 close to the onset, against 0.45 + 0.2 - 0.3
    {
      name: 'the control plane was upgraded ten minutes before public probes and the ingress started answering 503',
      signals: [
        change('control-plane-version', { from: 'v1.28.9', to: 'v1.29.4' }, { sinceMs: t0 - 20 * min }),
        edgeProbe(url),
        serviceErrors('shop/cart'),
      ],
      expect: { losesTo: 'change-induced-regression' },
    },
  ],
};
