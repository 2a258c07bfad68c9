/**
 * NodeResolverUnhealthy: an A query for `--node-resolver-name` through the first nameserver
 * of the host's `/etc/resolv.conf`, 5 s, one attempt. A node-level DNS fault (AirMap, 2018)
 * shows here while cluster DNS may still work.
 */
import { type Check, CheckNotRun, healthy } from '../check.ts';
import { type DnsLookup, lookupA, withDnsPort } from '../dns-lookup.ts';
import type { NodeHost } from '../host.ts';
import { dnsFailure } from './dns-result.ts';

export interface NodeResolverOptions {
  host: NodeHost;
  name: string;
  lookup?: DnsLookup;
}

const resolvConf = '/etc/resolv.conf';
const timeouts = { timeoutMs: 5_000, attempts: 1 };

export function firstNameserver(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

export function nodeResolverCheck(o: NodeResolverOptions): Check {
  return {
    type: 'NodeResolverUnhealthy',
    kind: 'network',
    intervalMs: 30_000,
    timeoutMs: 7_000,
    async run({ signal }) {
      const conf = await o.host.readText(resolvConf);
      if (conf === undefined) throw new CheckNotRun(`cannot read ${resolvConf}`);
      const ns = firstNameserver(conf);
      if (!ns) throw new CheckNotRun(`${resolvConf} names no nameserver`);
      const server = withDnsPort(ns);
      const base = [
        ['server', server],
        ['name', o.name],
      ] as const;
      const outcome = await (o.lookup ?? lookupA)(server, o.name, { ...timeouts, signal });
      if (outcome.kind !== 'answer')
        return dnsFailure('NodeResolver', 'the node resolver', outcome, base, timeouts, [
          ['resolvConf', resolvConf],
        ]);
      return healthy('NodeResolverResolving', 'the node resolver resolves its probe name', [
        ...base,
        ['resolvConf', resolvConf],
      ]);
    },
  };
}
