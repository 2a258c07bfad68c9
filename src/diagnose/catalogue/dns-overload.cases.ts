/** dns-overload: fires when every cluster DNS replica is OOMKilled under load; loses to DNS failing for other reasons. */
import type { PatternTable } from '../cases.ts';
import {
  agent,
  apiUnreachable,
  componentOom,
  dnsLookups,
  dnsPods,
  pressure,
  workloadDown,
} from '../fixtures.ts';

const corednsOom = (restartsInWindow: number) =>
  componentOom('kube-system', 'coredns', 'dns', { restartsInWindow });
const corednsDown = workloadDown('kube-system', 'coredns');
const oomKilledPods = dnsPods({ reasons: ['OOMKilled', 'CrashLoopBackOff'], nodes: ['n5', 'n6'] });

export const dnsOverloadCases: PatternTable = {
  pattern: 'dns-overload',
  cases: [
    // 0.5 + 0.15 none Ready + 0.1 lookups fail, against cluster-dns at 0.45 + 0.1 + 0.1
    {
      name: 'every CoreDNS replica OOMKilled, none Ready, lookups failing from every node',
      signals: [corednsOom(2), corednsDown, oomKilledPods, dnsLookups()],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.1 restarts + 0.1 lookups
    {
      name: 'CoreDNS OOMKilled again and again, lookups timing out between restarts',
      signals: [corednsOom(8), dnsLookups()],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.1
    {
      name: 'CoreDNS OOMKilled again and again while lookups still succeed',
      signals: [corednsOom(8)],
      expect: { fires: true, identified: false },
    },
    {
      name: 'CoreDNS crash-loops with exit 1, never OOMKilled',
      signals: [dnsPods({ nodes: ['n5', 'n6'] }), dnsLookups()],
      expect: { quiet: true },
    },
    // 0.5 + 0.15 + 0.1 - 0.25 against cluster-dns at 0.65: the starved nodes chose DNS as the victim
    {
      name: 'CoreDNS OOMKilled on nodes under memory pressure, none Ready, lookups failing',
      signals: [
        corednsOom(2),
        corednsDown,
        oomKilledPods,
        dnsLookups(),
        pressure('n5', { conditions: ['MemoryPressure'] }),
        pressure('n6', { conditions: ['MemoryPressure'] }),
      ],
      expect: { losesTo: 'cluster-dns' },
    },
    {
      name: 'both ingress controller replicas OOMKilled; DNS answers',
      signals: [componentOom('ingress', 'ingress-nginx-controller', 'ingress', { restartsInWindow: 8 })],
      expect: { losesTo: 'system-component-at-limits' },
    },
    {
      name: 'the conntrack table is full on three nodes and lookups fail, while the DNS pods are healthy',
      signals: [agent('ConntrackTableFull', ['n1', 'n2', 'n3'], { drops: 5400 }), dnsLookups()],
      expect: { losesTo: 'conntrack-exhaustion' },
    },
    // 0.5 - 0.4
    {
      name: 'the API server does not answer; earlier every CoreDNS replica was OOMKilled',
      signals: [apiUnreachable(), corednsOom(2)],
      expect: { losesTo: 'control-plane-unreachable' },
    },
  ],
};
