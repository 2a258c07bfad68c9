/**
 * What the node agent on one simulated machine meets on the network, through the agent's own
 * seams (AgentSettings `probe`, `dial`, `lookup`, `get`): the kubernetes service VIP and DNS
 * as the node's service routing carries them (Dependencies, what pods on the node meet), the
 * API server's own address over the host's network, the node resolver, the peer-echo pods by
 * pod IP over the pod network's routes, and the kubelet's and kube-proxy's local HTTP ports.
 * Answers come on the virtual clock: a success at once, a timeout when the caller's timeout
 * passes, as a black-holed packet would.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { DnsLookup, DnsOutcome } from '../../agent/dns-lookup.ts';
import type { HttpGet } from '../../agent/http-get.ts';
import { type AddressProbe, type Dialer, hostPort, type ProbeOutcome } from '../../agent/net-probe.ts';
import type { Clock } from '../../time/clock.ts';
import { goDuration } from '../../time/go-duration.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { NodeMachines } from './node-machines.ts';
import type { ScenarioWorld } from './scenario-world.ts';

/** The node's stub resolver (systemd-resolved), as the machine's /etc/resolv.conf names it. */
export const nodeResolver = '127.0.0.53:53';
export const kubeletHealthz = 'http://127.0.0.1:10248/healthz';
export const kubeProxyMetrics = 'http://127.0.0.1:10249/metrics';
/** registry.k8s.io's address, what a working resolver answers for the agent's probe name. */
const registryAddress = '34.96.108.209';
/** One payload buffer for every simulated peer answer: the check only counts its bytes. */
let payload: Buffer | undefined;

export interface MachineNetworkParts {
  node: string;
  scenario: Scenario;
  world: ScenarioWorld;
  machines: NodeMachines;
  clock: Clock;
  /** The node whose peer-echo pod has this pod IP (peer-echo-pods.ts). */
  peerNode: (ip: string) => string | undefined;
  /** The size of the peer-echo answer's body (the check's `peerPayloadBytes`). */
  payloadBytes: number;
}

/** Resolves after `ms` of virtual time. */
function later<T>(clock: Clock, ms: number, value: T): Promise<T> {
  return new Promise((resolve) => clock.after(ms, () => resolve(value)));
}

/** undici's failure for a refused connection: a TypeError whose cause carries the socket error. */
function refused(url: string): Error {
  return Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error(`connect ECONNREFUSED ${new URL(url).host}`), { code: 'ECONNREFUSED' }),
  });
}

export class MachineNetwork {
  private readonly p: MachineNetworkParts;

  constructor(p: MachineNetworkParts) {
    this.p = p;
  }

  private get vip(): { host: string; port: number } {
    return { host: this.p.scenario.cluster.controlPlane.serviceIp, port: 443 };
  }

  /** The API server address the agent is given (`--api-endpoint`), from the cluster's facts. */
  apiEndpoint(): { host: string; port: number } | undefined {
    const at = this.p.world.deps.cluster.apiEndpoint;
    const m = at ? /^\[?([^\]]+?)\]?:(\d+)$/.exec(at) : null;
    return m ? { host: m[1], port: Number(m[2]) } : undefined;
  }

  readonly probe: AddressProbe = (o) => {
    const { clock } = this.p;
    const target = hostPort(o.host, o.port);
    const timeout = (): Promise<ProbeOutcome> =>
      later(clock, o.connectTimeoutMs, {
        ok: false,
        failure: 'ConnectTimeout',
        stage: 'connect',
        timeout: goDuration(o.connectTimeoutMs),
        error: `dial tcp ${target}: i/o timeout`,
      });
    const httpTimeout = (): Promise<ProbeOutcome> => {
      const t = o.tls?.httpTimeoutMs ?? 0;
      return later(clock, t, { ok: false, failure: 'HTTPTimeout', stage: 'http', timeout: goDuration(t) });
    };
    const deps = this.p.world.deps;
    if (o.host === this.vip.host && o.port === this.vip.port) {
      const unmet = deps.check(this.p.node, ['api']);
      if (!unmet) return Promise.resolve({ ok: true });
      // Connected and handshaken, and GET /livez waits on etcd past the probe's HTTP timeout.
      if (unmet.error === deps.cluster.apiStorageError?.()) return httpTimeout();
      const tls = deps.cluster.apiTlsError?.();
      if (tls && unmet.error.includes(tls))
        return Promise.resolve({ ok: false, failure: 'TLSFailed', stage: 'tls', error: `x509: ${tls}` });
      if (unmet.error.includes('refused'))
        return Promise.resolve({
          ok: false,
          failure: 'ConnectionRefused',
          stage: 'connect',
          error: `dial tcp ${target}: connect: connection refused`,
        });
      return timeout();
    }
    const endpoint = this.apiEndpoint();
    if (endpoint && o.host === endpoint.host && o.port === endpoint.port) {
      const host = this.p.machines.host(this.p.node);
      if (host.networkDown) return timeout();
      if (deps.cluster.apiServerUp) return Promise.resolve({ ok: true });
      return deps.cluster.apiStorageError?.() !== undefined ? httpTimeout() : timeout();
    }
    const peer = this.p.peerNode(o.host);
    if (peer !== undefined) return this.routed(peer) ? Promise.resolve({ ok: true }) : timeout();
    return timeout();
  };

  /** Whether this node's pods reach pods on `peer` (the pod network's routes). */
  private routed(peer: string): boolean {
    const net = this.p.world.deps.cluster.podNetwork;
    return !this.p.machines.host(this.p.node).networkDown && (net?.routed(this.p.node, peer) ?? true);
  }

  /**
   * The peer-echo fetch (GET /payload) over a socket that plays the path: a routed peer whose
   * path carries full-size packets answers the whole body; one whose path drops them answers
   * the headers (small segments) and then nothing; an unrouted one never connects.
   */
  readonly dial: Dialer = (ip, port) => {
    const socket = new EventEmitter() as EventEmitter & {
      write: (data: string) => boolean;
      destroy: () => void;
    };
    let open = true;
    socket.destroy = () => {
      open = false;
    };
    const peer = this.p.peerNode(ip);
    const net = this.p.world.deps.cluster.podNetwork;
    socket.write = () => {
      if (!open || peer === undefined) return true;
      const whole = net?.largePacketsPass(this.p.node, peer) ?? true;
      queueMicrotask(() => {
        if (!open) return;
        socket.emit(
          'data',
          Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${this.p.payloadBytes}\r\n\r\n`, 'latin1'),
        );
        if (whole && open) {
          payload ??= Buffer.alloc(this.p.payloadBytes, 0x6b);
          socket.emit('data', payload);
        }
      });
      return true;
    };
    if (peer !== undefined && this.routed(peer)) queueMicrotask(() => open && socket.emit('connect'));
    void port;
    return socket as unknown as Socket;
  };

  readonly lookup: DnsLookup = (server, _name, o) => {
    const { clock, scenario, node } = this.p;
    const wait = (): Promise<DnsOutcome> => later(clock, o.timeoutMs * o.attempts, { kind: 'timeout' });
    if (server === `${scenario.cluster.dns.serviceIp}:53`) {
      const unmet = this.p.world.deps.check(node, ['dns']);
      if (!unmet) return Promise.resolve({ kind: 'answer', addresses: [this.vip.host] });
      if (unmet.error.includes('refused')) return Promise.resolve({ kind: 'refused', error: unmet.error });
      return wait();
    }
    if (server === nodeResolver)
      return this.p.machines.host(node).dnsBroken
        ? wait()
        : Promise.resolve({ kind: 'answer', addresses: [registryAddress] });
    return wait();
  };

  readonly get: HttpGet = async (url) => {
    const { world, node } = this.p;
    if (url === kubeletHealthz) {
      if (world.kubelets.get(node)?.health.running) return { status: 200, body: 'ok' };
      throw refused(url);
    }
    if (url === kubeProxyMetrics) {
      const kp = world.kubeProxies.get(node);
      if (!kp || this.p.machines.isDown(node)) throw refused(url);
      return {
        status: 200,
        body: [
          '# TYPE kubeproxy_sync_proxy_rules_iptables_restore_failures_total counter',
          `kubeproxy_sync_proxy_rules_iptables_restore_failures_total ${kp.state.restoreFailures}`,
          '# TYPE kubeproxy_sync_proxy_rules_last_timestamp_seconds gauge',
          `kubeproxy_sync_proxy_rules_last_timestamp_seconds ${kp.state.lastSyncMs / 1000}`,
          '',
        ].join('\n'),
      };
    }
    throw refused(url);
  };
}
