/**
 * KubernetesServiceVIPUnreachable: TCP, TLS (SNI `kubernetes.default.svc`, cluster CA) and
 * `GET /livez` to `$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT` from the node's network.
 * This is the path every in-cluster client takes; it failing while the endpoints answer is
 * a service-routing fault (Runway, 2024).
 */
import type { Clock } from '../../time/clock.ts';
import { type Check, healthy } from '../check.ts';
import { type AddressProbe, type Dialer, hostPort, probeAddress } from '../net-probe.ts';
import { failedProbe } from './network-result.ts';

export interface ServiceVipOptions {
  host: string;
  port: number;
  ca?: string | Buffer;
  clock: Clock;
  dial?: Dialer;
  /** How an address is probed; `probeAddress` unless a test or the simulator passes another. */
  probe?: AddressProbe;
  /** Told after every run whether the VIP answered, so writes can avoid a broken VIP. */
  onOutcome?: (reachable: boolean) => void;
}

export function serviceVipCheck(o: ServiceVipOptions): Check {
  const target = hostPort(o.host, o.port);
  const base = [
    ['target', target],
    ['service', 'default/kubernetes'],
  ] as const;
  return {
    type: 'KubernetesServiceVIPUnreachable',
    kind: 'network',
    intervalMs: 10_000,
    timeoutMs: 6_000,
    async run() {
      const outcome = await (o.probe ?? probeAddress)({
        host: o.host,
        port: o.port,
        clock: o.clock,
        connectTimeoutMs: 3_000,
        tls: { ca: o.ca, servername: 'kubernetes.default.svc', timeoutMs: 2_000, httpTimeoutMs: 2_000 },
        dial: o.dial,
      });
      o.onOutcome?.(outcome.ok);
      if (!outcome.ok) return failedProbe('VIP', 'the kubernetes service VIP', outcome, base);
      return healthy('VIPReachable', 'TCP, TLS and HTTP to the kubernetes service VIP succeed', base);
    },
  };
}
