/** control-plane-unreachable: fires when the API server leaves kubetriage unanswered; loses to its look-alikes. */
import type { PatternTable } from '../cases.ts';
import { apiDegraded, apiUnreachable, crashLoop, flapping, notReady, spread } from '../fixtures.ts';

const three = ['n1', 'n2', 'n3'];
/** Nodes going NotReady one after another from 20 min ago: before the API went silent (2 min ago). */
const nodesFirst = [
  notReady('n1'),
  flapping('n2'),
  flapping('n3'),
  spread(three, { onsetSpanMinutes: 25, notReadyNow: 1, wentNotReady60m: 3 }),
];
const appsOnThem = [crashLoop('api', 'pilot', ['n1', 'n2']), crashLoop('api', 'tiles', ['n2', 'n3'])];
/** A load balancer with no healthy backend answers 503, which names no transport error. */
const lb503 = { errors: ['HTTP 503'], errorKinds: ['other'] };

export const controlPlaneUnreachableCases: PatternTable = {
  pattern: 'control-plane-unreachable',
  cases: [
    // 0.6 + 0.15 watches + 0.1 timeouts + 0.1 nodes were Ready
    {
      name: 'the endpoint stops answering: probes and watches time out, nodes were Ready',
      signals: [apiUnreachable()],
      expect: { fires: true, identified: true },
    },
    // 0.6 + 0.1 + 0.1 = 0.8
    {
      name: 'the first minute: probes time out, no watch has failed yet',
      signals: [apiUnreachable({ reflectorsFailing: [] })],
      expect: { fires: true, identified: true },
    },
    // 0.6 + 0.1 nodes were Ready = 0.7
    {
      name: 'the load balancer in front of the API server answers 503, no watch has failed yet',
      signals: [apiUnreachable({ ...lb503, reflectorsFailing: [] })],
      expect: { fires: true, identified: true },
    },
    // 0.6 + 0.15 + 0.1 - 0.2 nodes failed first = 0.65, over node-network at 0.45
    {
      name: 'nodes had been going NotReady for 20 min when the API server went silent',
      signals: [...nodesFirst, ...appsOnThem, apiUnreachable()],
      expect: { fires: true, identified: false },
    },
    // 0.6 + 0.1 - 0.2 = 0.5: just enough to name over the honest unknown
    {
      name: 'nodes went NotReady first, then the first probes time out, no watch failing yet',
      signals: [...nodesFirst, ...appsOnThem, apiUnreachable({ reflectorsFailing: [] })],
      expect: { fires: true, identified: false },
    },
    // 0.6 + 0.15 - 0.2 = 0.55
    {
      name: 'nodes went NotReady first, then the load balancer answers 503 and the watches fail',
      signals: [...nodesFirst, ...appsOnThem, apiUnreachable(lb503)],
      expect: { fires: true, identified: false },
    },
    // 0.6 + 0.15 + 0.1 + 0.1 - 0.4 handshakes refused = 0.55, under certificate-expiry at 0.8
    {
      name: 'every probe and watch fails the TLS handshake: the certificate has expired',
      signals: [apiUnreachable({ errors: ['certificate has expired'], errorKinds: ['tls'] })],
      expect: { losesTo: 'certificate-expiry' },
    },
    {
      name: 'one node down while the API server answers',
      signals: [notReady('n4')],
      expect: { quiet: true },
    },
    {
      name: 'the API server answers, slowly and with 500s from readyz',
      signals: [apiDegraded({ statuses: ['readyz 500'] })],
      expect: { losesTo: 'control-plane-degraded' },
    },
    {
      name: 'nodes flap one after another while the API server answers kubetriage',
      signals: [...nodesFirst, ...appsOnThem],
      expect: { losesTo: 'node-network' },
    },
  ],
};
