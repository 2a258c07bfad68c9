/** conntrack-exhaustion: fires when the node agent sees the table full; loses to DNS pods failing and to service routing. */
import type { PatternTable } from '../cases.ts';
import { agent, componentOom, dnsLookups, dnsPods, vipUnreachable } from '../fixtures.ts';

const full = (drops = 0) =>
  agent('ConntrackTableFull', ['n1', 'n2', 'n3'], { fullestPercent: 100, ...(drops ? { drops } : {}) });

export const conntrackCases: PatternTable = {
  pattern: 'conntrack-exhaustion',
  cases: [
    // 0.5 + 0.15 lookups + 0.1 drops
    {
      name: 'the conntrack table is full on three nodes, the kernel dropping packets, DNS lookups failing',
      signals: [full(5400), dnsLookups()],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.1
    {
      name: 'the conntrack table is full on three nodes and the kernel drops packets; lookups still answer',
      signals: [full(5400)],
      expect: { fires: true, identified: false },
    },
    // 0.5 + 0.1 drops + 0.1 the VIP times out on those nodes
    {
      name: 'the conntrack table is full and dropping on three nodes, and pods there time out on the kubernetes Service address',
      signals: [full(5400), vipUnreachable(['n1', 'n2', 'n3'], { endpointReachableFromNodes: true })],
      expect: { fires: true, identified: true },
    },
    {
      name: 'lookups fail from every node, the conntrack table has room',
      signals: [dnsLookups()],
      expect: { quiet: true },
    },
    // 0.5 + 0.15 + 0.1 - 0.2 against dns-overload at 0.5 + 0.1: DNS itself is killed at its limit
    {
      name: 'every CoreDNS replica OOMKilled, lookups failing, while the conntrack table is full on three nodes',
      signals: [componentOom('kube-system', 'coredns', 'dns'), dnsLookups(), full(5400)],
      expect: { losesTo: 'dns-overload' },
    },
    {
      name: 'no CoreDNS pod Ready and lookups fail, while the conntrack table is full on three nodes',
      signals: [dnsPods({ nodes: ['n5', 'n6'] }), dnsLookups(), full()],
      expect: { losesTo: 'cluster-dns' },
    },
    {
      name: 'pods time out on the kubernetes Service VIP from three nodes, one of which has a full conntrack table',
      signals: [
        vipUnreachable(['n1', 'n2', 'n3'], { endpointReachableFromNodes: true }),
        agent('ConntrackTableFull', ['n1']),
      ],
      expect: { losesTo: 'service-routing' },
    },
  ],
};
