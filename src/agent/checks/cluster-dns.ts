/**
 * ClusterDNSUnhealthy: an A query for `kubernetes.default.svc.<clusterDomain>` to the cluster
 * DNS server, 2 s × 2 attempts. The answer must be the kubernetes service VIP; anything else
 * is `ClusterDNSWrongAnswer`. The agent itself uses the node's resolver (`dnsPolicy:
 * Default`), so it never depends on what it tests.
 */
import { type Check, CheckNotRun, healthy, problem } from '../check.ts';
import { type DnsLookup, lookupA, withDnsPort } from '../dns-lookup.ts';
import { dnsFailure } from './dns-result.ts';

export interface ClusterDnsOptions {
  /** The cluster DNS server (kubelet clusterDNS[0], else kube-dns's ClusterIP). */
  server: () => Promise<string | undefined>;
  clusterDomain: string;
  /** The kubernetes service VIP the name must resolve to. */
  expected: string;
  lookup?: DnsLookup;
}

const timeouts = { timeoutMs: 2_000, attempts: 2 };

export function clusterDnsCheck(o: ClusterDnsOptions): Check {
  const name = `kubernetes.default.svc.${o.clusterDomain}`;
  return {
    type: 'ClusterDNSUnhealthy',
    kind: 'network',
    intervalMs: 10_000,
    timeoutMs: 6_000,
    async run({ signal }) {
      const found = await o.server();
      if (!found)
        throw new CheckNotRun('no cluster DNS server known (kubelet clusterDNS or kube-system/kube-dns)');
      const server = withDnsPort(found);
      const base = [
        ['server', server],
        ['name', name],
      ] as const;
      const outcome = await (o.lookup ?? lookupA)(server, name, { ...timeouts, signal });
      if (outcome.kind !== 'answer') return dnsFailure('ClusterDNS', 'cluster DNS', outcome, base, timeouts);
      if (!outcome.addresses.includes(o.expected))
        return problem('ClusterDNSWrongAnswer', 'cluster DNS returned an unexpected address', [
          ...base,
          ['answer', outcome.addresses.join(',') || 'none'],
          ['expected', o.expected],
        ]);
      return healthy('ClusterDNSResolving', 'cluster DNS resolves the kubernetes service', [
        ...base,
        ['answer', o.expected],
      ]);
    },
  };
}
