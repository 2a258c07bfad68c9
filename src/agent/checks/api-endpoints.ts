/**
 * APIEndpointUnreachable: the same TCP/TLS/HTTP look as the VIP check, to every API server
 * endpoint directly and in parallel. `True` if any fails; `target` lists the failing ones
 * and `reachable` those that answered (`none`), which tells "the API is gone from this
 * node" from "one API server is down".
 */
import type { Clock } from '../../time/clock.ts';
import { type Check, CheckNotRun, healthy } from '../check.ts';
import { listValue } from '../logfmt.ts';
import { type AddressProbe, type Dialer, hostPort, type ProbeOutcome, probeAddress } from '../net-probe.ts';
import { failedProbe } from './network-result.ts';

export interface ApiEndpoint {
  host: string;
  port: number;
}

export interface ApiEndpointsOptions {
  /** The endpoints as currently known (flags first, then the default/kubernetes EndpointSlice). */
  endpoints: () => readonly ApiEndpoint[];
  ca?: string | Buffer;
  clock: Clock;
  dial?: Dialer;
  /** How an address is probed; `probeAddress` unless a test or the simulator passes another. */
  probe?: AddressProbe;
  onOutcome?: (endpoint: ApiEndpoint, reachable: boolean) => void;
}

export function apiEndpointsCheck(o: ApiEndpointsOptions): Check {
  return {
    type: 'APIEndpointUnreachable',
    kind: 'network',
    intervalMs: 10_000,
    timeoutMs: 6_000,
    async run() {
      const endpoints = o.endpoints();
      if (!endpoints.length) throw new CheckNotRun('no API endpoint known (pass --api-endpoint)');
      const outcomes = await Promise.all(
        endpoints.map(async (e) => {
          const outcome: ProbeOutcome = await (o.probe ?? probeAddress)({
            host: e.host,
            port: e.port,
            clock: o.clock,
            connectTimeoutMs: 3_000,
            // The serving certificate carries the endpoint address, so no SNI name.
            tls: { ca: o.ca, timeoutMs: 2_000, httpTimeoutMs: 2_000 },
            dial: o.dial,
          });
          o.onOutcome?.(e, outcome.ok);
          return { target: hostPort(e.host, e.port), outcome };
        }),
      );
      const reachable = outcomes.filter((r) => r.outcome.ok).map((r) => r.target);
      const failing = outcomes.filter((r) => !r.outcome.ok);
      const first = failing[0]?.outcome;
      if (first && !first.ok)
        return failedProbe('Endpoint', 'the API endpoint', first, [
          ['target', listValue(failing.map((f) => f.target))],
          ['reachable', reachable.length ? listValue(reachable) : 'none'],
        ]);
      return healthy('EndpointReachable', 'TCP, TLS and HTTP to every API endpoint succeed', [
        ['target', listValue(reachable)],
      ]);
    },
  };
}
