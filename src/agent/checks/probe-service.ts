/**
 * ProbeServiceUnreachable: TCP connect to the ClusterIP:port of `--probe-service`, with no
 * DNS in the way. Tells general service routing apart from the kubernetes VIP alone.
 */
import type { Clock } from '../../time/clock.ts';
import { type Check, CheckNotRun, healthy } from '../check.ts';
import { type AddressProbe, type Dialer, hostPort, probeAddress } from '../net-probe.ts';
import { failedProbe } from './network-result.ts';

export interface ProbeServiceOptions {
  /** `<namespace>/<name>`. */
  service: string;
  port: number;
  /** The ClusterIP, looked up through the API (cached by the caller); undefined when unknown. */
  clusterIp: () => Promise<string | undefined>;
  clock: Clock;
  dial?: Dialer;
  /** How an address is probed; `probeAddress` unless a test or the simulator passes another. */
  probe?: AddressProbe;
}

export function probeServiceCheck(o: ProbeServiceOptions): Check {
  return {
    type: 'ProbeServiceUnreachable',
    kind: 'network',
    intervalMs: 10_000,
    timeoutMs: 5_000,
    async run() {
      const ip = await o.clusterIp();
      if (!ip) throw new CheckNotRun(`service ${o.service} has no ClusterIP`);
      const base = [
        ['target', hostPort(ip, o.port)],
        ['service', o.service],
      ] as const;
      const outcome = await (o.probe ?? probeAddress)({
        host: ip,
        port: o.port,
        clock: o.clock,
        connectTimeoutMs: 3_000,
        dial: o.dial,
      });
      if (!outcome.ok) return failedProbe('ProbeService', `probe service ${o.service}`, outcome, base);
      return healthy('ProbeServiceReachable', `TCP connect to probe service ${o.service} succeeds`, base);
    },
  };
}
