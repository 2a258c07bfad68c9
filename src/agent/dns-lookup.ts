/**
 * One A query to one DNS server, with the attempt count and per-attempt timeout the checks
 * need (c-ares does the waiting, inside node:dns). Answers are sorted into the contract's
 * outcomes: addresses, or an rcode (SERVFAIL, NXDOMAIN, REFUSED), or no answer at all.
 */
import { Resolver } from 'node:dns/promises';

export type DnsOutcome =
  | { kind: 'answer'; addresses: string[] }
  | { kind: 'timeout' }
  | { kind: 'rcode'; rcode: 'SERVFAIL' | 'NXDOMAIN' | 'REFUSED' }
  | { kind: 'refused'; error: string };

export type DnsLookup = (
  server: string,
  name: string,
  o: { timeoutMs: number; attempts: number; signal: AbortSignal },
) => Promise<DnsOutcome>;

export const lookupA: DnsLookup = async (server, name, o) => {
  const resolver = new Resolver({ timeout: o.timeoutMs, tries: o.attempts });
  resolver.setServers([server]);
  const cancel = () => resolver.cancel();
  o.signal.addEventListener('abort', cancel, { once: true });
  try {
    return { kind: 'answer', addresses: (await resolver.resolve4(name)).sort() };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    switch (code) {
      case 'ESERVFAIL':
        return { kind: 'rcode', rcode: 'SERVFAIL' };
      case 'ENOTFOUND':
        return { kind: 'rcode', rcode: 'NXDOMAIN' };
      case 'EREFUSED':
        return { kind: 'rcode', rcode: 'REFUSED' };
      case 'ECONNREFUSED':
        return { kind: 'refused', error: `read udp ${server}: connection refused` };
      case 'ETIMEOUT':
      case 'ECANCELLED':
        return { kind: 'timeout' };
      default:
        throw err;
    }
  } finally {
    o.signal.removeEventListener('abort', cancel);
  }
};

/** `10.96.0.10` → `10.96.0.10:53`; an address with a port stays as it is. */
export function withDnsPort(server: string): string {
  if (/^\[.*\]:\d+$/.test(server) || /^[^:]+:\d+$/.test(server)) return server;
  return server.includes(':') ? `[${server}]:53` : `${server}:53`;
}
