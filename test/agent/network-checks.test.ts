/**
 * The network checks against stand-ins: a local TLS listener plays the VIP or an API
 * endpoint (the simulator's serving certificate, which names kubernetes.default.svc), a
 * closed port plays a refusing VIP, a socket that never connects plays a black-holed one,
 * and a UDP server plays cluster DNS and the node resolver. Stage timeouts run on a
 * ManualClock, so no test waits out 3 s.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import {
  type AddressInfo,
  createConnection,
  createServer as createTcpServer,
  type Server,
  Socket,
} from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Check, CheckNotRun, type CheckResult } from '../../src/agent/check.ts';
import { apiEndpointsCheck } from '../../src/agent/checks/api-endpoints.ts';
import { clusterDnsCheck } from '../../src/agent/checks/cluster-dns.ts';
import { iptablesRestoreCheck } from '../../src/agent/checks/iptables-restore.ts';
import { nodeResolverCheck } from '../../src/agent/checks/node-resolver.ts';
import { type Peer, podNetworkPeersCheck } from '../../src/agent/checks/pod-network-peers.ts';
import { serviceVipCheck } from '../../src/agent/checks/service-vip.ts';
import { RootedHost } from '../../src/agent/host.ts';
import { peerEchoServer } from '../../src/agent/peer-echo.ts';
import { generateServingCert, type ServingCert } from '../../src/sim/api/serving-cert.ts';
import { ManualClock } from '../../src/time/manual-clock.ts';
import { type FakeDns, startFakeDns } from './fake-dns.ts';

let cert: ServingCert;
let otherCa: ServingCert;
const servers: (Server | HttpServer)[] = [];

async function listen(server: Server | HttpServer): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

let apiPort: number; // TLS + answers GET /livez
let silentTlsPort: number; // TLS, never answers
let silentTcpPort: number; // accepts, never speaks TLS
let dns: FakeDns;

beforeAll(async () => {
  cert = await generateServingCert('127.0.0.1');
  otherCa = await generateServingCert('127.0.0.1');
  apiPort = await listen(
    createTlsServer({ key: cert.key, cert: cert.cert }, (s) => {
      s.once('data', () => s.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n'));
      s.on('error', () => {});
    }),
  );
  silentTlsPort = await listen(
    createTlsServer({ key: cert.key, cert: cert.cert }, (s) => s.on('error', () => {})),
  );
  silentTcpPort = await listen(createTcpServer((s) => s.on('error', () => {})));
  dns = await startFakeDns({
    'kubernetes.default.svc.cluster.local': ['10.96.0.1'],
    'kubernetes.default.svc.servfail.local': 'SERVFAIL',
    'kubernetes.default.svc.wrong.local': ['10.96.0.99'],
    'registry.k8s.io': ['34.96.108.209'],
  });
});

afterAll(async () => {
  for (const s of servers) s.close();
  await dns.close();
});

/** Runs a check on a ManualClock, moving it 100 ms per real event-loop turn until it answers. */
async function onManualClock(make: (clock: ManualClock) => Check): Promise<CheckResult> {
  const clock = new ManualClock(Date.UTC(2024, 10, 22, 12));
  return runOn(make(clock), clock);
}

async function runOn(check: Check, clock: ManualClock): Promise<CheckResult> {
  let result: CheckResult | undefined;
  let error: unknown;
  check.run({ startedMs: clock.now(), signal: new AbortController().signal }).then(
    (r) => {
      result = r;
    },
    (e) => {
      error = e;
    },
  );
  for (let i = 0; i < 200 && !result && !error; i++) {
    await new Promise((r) => setTimeout(r, 5));
    clock.advance(100);
  }
  if (error) throw error;
  if (!result) throw new Error('check never answered');
  return result;
}

const vip =
  (port: number, o: { ca?: string; dial?: () => Socket } = {}) =>
  (clock: ManualClock) =>
    serviceVipCheck({ host: '127.0.0.1', port, ca: o.ca ?? cert.cert, clock, dial: o.dial });

const fields = (r: CheckResult) => Object.fromEntries(r.groups[0].filter((f) => f[1] !== undefined));

describe('KubernetesServiceVIPUnreachable', () => {
  it('is reachable when TCP, TLS against the cluster CA (SNI kubernetes.default.svc) and any HTTP answer succeed', async () => {
    const r = await onManualClock(vip(apiPort));
    expect(r).toMatchObject({ status: 'False', reason: 'VIPReachable' });
    expect(fields(r)).toEqual({ target: `127.0.0.1:${apiPort}`, service: 'default/kubernetes' });
  });

  it('names each failing stage with Go’s error text', async () => {
    const refused = await closedPort();
    const cases: [string, (c: ManualClock) => Check, Record<string, unknown>][] = [
      [
        'refused',
        vip(refused),
        { stage: 'connect', error: `dial tcp 127.0.0.1:${refused}: connect: connection refused` },
      ],
      [
        'black-holed',
        vip(443, { dial: () => new Socket() }),
        { stage: 'connect', timeout: '3s', error: 'dial tcp 127.0.0.1:443: i/o timeout' },
      ],
      [
        'wrong CA',
        vip(apiPort, { ca: otherCa.cert }),
        { stage: 'tls', error: 'x509: certificate signed by unknown authority' },
      ],
      ['no TLS', vip(silentTcpPort), { stage: 'tls', timeout: '2s' }],
      ['no HTTP answer', vip(silentTlsPort), { stage: 'http', timeout: '2s' }],
    ];
    const reasons: string[] = [];
    for (const [name, make, expected] of cases) {
      const r = await onManualClock(make);
      expect(r.status, name).toBe('True');
      expect(fields(r), name).toMatchObject(expected);
      reasons.push(r.reason);
    }
    expect(reasons).toEqual([
      'VIPConnectionRefused',
      'VIPConnectTimeout',
      'VIPTLSFailed',
      'VIPTLSFailed',
      'VIPHTTPTimeout',
    ]);
  });
});

describe('APIEndpointUnreachable', () => {
  it('is True when any endpoint fails, listing the failing and the reachable ones', async () => {
    const refused = await closedPort();
    const seen: string[] = [];
    const make = (eps: number[]) => (clock: ManualClock) =>
      apiEndpointsCheck({
        endpoints: () => eps.map((port) => ({ host: '127.0.0.1', port })),
        ca: cert.cert,
        clock,
        onOutcome: (e, ok) => seen.push(`${e.port}:${ok}`),
      });
    const one = await onManualClock(make([apiPort, refused]));
    expect(one).toMatchObject({ status: 'True', reason: 'EndpointConnectionRefused' });
    expect(fields(one)).toMatchObject({ target: `127.0.0.1:${refused}`, reachable: `127.0.0.1:${apiPort}` });
    expect(seen.sort()).toEqual([`${apiPort}:true`, `${refused}:false`].sort());
    const none = await onManualClock(make([refused]));
    expect(fields(none).reachable).toBe('none');
    expect((await onManualClock(make([apiPort]))).reason).toBe('EndpointReachable');
  });
});

describe('ClusterDNSUnhealthy and NodeResolverUnhealthy', () => {
  const clusterDns = (domain: string) =>
    clusterDnsCheck({ server: async () => dns.server, clusterDomain: domain, expected: '10.96.0.1' });
  const run = (c: Check) => c.run({ startedMs: 0, signal: new AbortController().signal });

  it('resolves the kubernetes service to the VIP through a real query', async () => {
    const r = await run(clusterDns('cluster.local'));
    expect(r).toMatchObject({ status: 'False', reason: 'ClusterDNSResolving' });
    expect(fields(r)).toEqual({
      server: dns.server,
      name: 'kubernetes.default.svc.cluster.local',
      answer: '10.96.0.1',
    });
  });

  it('tells SERVFAIL, NXDOMAIN and a wrong address apart', async () => {
    expect((await run(clusterDns('servfail.local'))).reason).toBe('ClusterDNSServerFailure');
    expect((await run(clusterDns('nothing.local'))).reason).toBe('ClusterDNSNameNotFound');
    const wrong = await run(clusterDns('wrong.local'));
    expect(wrong.reason).toBe('ClusterDNSWrongAnswer');
    expect(fields(wrong)).toMatchObject({ answer: '10.96.0.99', expected: '10.96.0.1' });
  });

  it('reports no answer as a timeout with the attempts, without waiting on the wire', async () => {
    const r = await run(
      clusterDnsCheck({
        server: async () => '10.96.0.10',
        clusterDomain: 'cluster.local',
        expected: '10.96.0.1',
        lookup: async () => ({ kind: 'timeout' }),
      }),
    );
    expect(r.reason).toBe('ClusterDNSTimeout');
    expect(fields(r)).toMatchObject({ server: '10.96.0.10:53', timeout: '2s', attempts: 2 });
  });

  it('queries the first nameserver of the host’s resolv.conf', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kt-agent-dns-'));
    try {
      await mkdir(join(root, 'etc'));
      await writeFile(
        join(root, 'etc/resolv.conf'),
        `# generated\nsearch ec2.internal\nnameserver ${dns.server}\n`,
      );
      const host = new RootedHost(root);
      const ok = await run(nodeResolverCheck({ host, name: 'registry.k8s.io' }));
      expect(ok).toMatchObject({ status: 'False', reason: 'NodeResolverResolving' });
      expect(fields(ok)).toMatchObject({ server: dns.server, resolvConf: '/etc/resolv.conf' });
      const bad = await run(nodeResolverCheck({ host, name: 'nope.example.internal' }));
      expect(bad.reason).toBe('NodeResolverNameNotFound');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('IptablesRestoreFailing', () => {
  it('goes True when kube-proxy’s failure counter grows, with the newest error, and clears 10 min after a later sync', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kt-agent-ipt-'));
    let failures = 0;
    let lastSync = Date.parse('2023-03-13T17:12:00Z') / 1000;
    const port = await listen(
      createHttpServer((_req, res) =>
        res.end(
          `# TYPE kubeproxy_sync_proxy_rules_iptables_restore_failures_total counter\nkubeproxy_sync_proxy_rules_iptables_restore_failures_total ${failures}\nkubeproxy_sync_proxy_rules_last_timestamp_seconds ${lastSync}\n`,
        ),
      ),
    );
    try {
      const logDir = join(root, 'var/log/pods/kube-system_kube-proxy-abcde_0123/kube-proxy');
      await mkdir(logDir, { recursive: true });
      await writeFile(
        join(logDir, '0.log'),
        '2023-03-13T17:12:40.123456789Z stderr F E0313 17:12:40.123456       1 proxier.go:1525] "Failed to execute iptables-restore" err="exit status 1 (iptables-restore: line 8022 failed\\n)"\n',
      );
      const check = iptablesRestoreCheck({
        host: new RootedHost(root),
        metricsUrl: `http://127.0.0.1:${port}/metrics`,
      });
      const at = (iso: string) =>
        check.run({ startedMs: Date.parse(iso), signal: new AbortController().signal });
      // The first sample is only a baseline: the condition the agent started from stands.
      await expect(at('2023-03-13T17:11:52Z')).rejects.toEqual(new CheckNotRun('no baseline sample yet'));
      expect((await at('2023-03-13T17:12:22Z')).reason).toBe('IptablesRestoreSucceeding');
      failures = 2;
      const failing = await at('2023-03-13T17:12:52Z');
      expect(failing.reason).toBe('IptablesRestoreFailed');
      expect(fields(failing)).toMatchObject({
        failures: 2,
        window: '10m0s',
        first: '2023-03-13T17:12:52Z',
        failuresTotal: 2,
        error: 'exit status 1 (iptables-restore: line 8022 failed\n)',
      });
      lastSync = Date.parse('2023-03-13T17:13:40Z') / 1000;
      expect((await at('2023-03-13T17:20:22Z')).status).toBe('True'); // within 10 min
      expect((await at('2023-03-13T17:23:22Z')).reason).toBe('IptablesRestoreSucceeding');
      // kube-proxy restarted: a counter that dropped counts its new value as the increase.
      failures = 1;
      expect((await at('2023-03-14T17:58:22Z')).status).toBe('True');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('cannot run when kube-proxy’s metrics do not answer', async () => {
    const port = await closedPort();
    const check = iptablesRestoreCheck({
      host: new RootedHost('/nonexistent'),
      metricsUrl: `http://127.0.0.1:${port}/metrics`,
    });
    await expect(check.run({ startedMs: 0, signal: new AbortController().signal })).rejects.toThrow(
      /kube-proxy metrics/,
    );
  });
});

describe('PodNetworkPeersUnreachable', () => {
  const peersCheck = (port: number, peers: Peer[], dial?: () => Socket) => (clock: ManualClock) =>
    podNetworkPeersCheck({
      node: 'node-a',
      service: 'kubetriage/kubetriage-peer',
      port,
      peers: async () => peers,
      clock,
      dial,
    });

  it('passes when peers on other nodes send their whole 64 KiB, and skips its own node', async () => {
    const port = await listen(peerEchoServer());
    const r = await onManualClock(
      peersCheck(port, [
        { node: 'node-b', ip: '127.0.0.1' },
        { node: 'node-c', ip: '127.0.0.1' },
        { node: 'node-a', ip: '192.0.2.1' }, // itself: never dialled (it would time out)
      ]),
    );
    expect(r).toMatchObject({ status: 'False', reason: 'PeersReachable' });
    expect(fields(r)).toEqual({ service: 'kubetriage/kubetriage-peer', peers: 2 });
  });

  it('tells a connect that fails (no route to pods there) from a response that stalls (full-size packets dropped)', async () => {
    // Sends the head and one small segment, then nothing: what a path MTU blackhole leaves.
    const stalling = await listen(
      createTcpServer((s) => {
        s.on('error', () => {});
        s.once('data', () => s.write(`HTTP/1.1 200 OK\r\nContent-Length: 65536\r\n\r\n${'k'.repeat(1000)}`));
      }),
    );
    const stalled = await onManualClock(peersCheck(stalling, [{ node: 'node-b', ip: '127.0.0.1' }]));
    expect(stalled).toMatchObject({ status: 'True', reason: 'LargePacketsDropped' });
    expect(fields(stalled)).toMatchObject({ stalled: 'node-b', bytes: 1000, expected: 65536 });

    const refused = await closedPort();
    const down = await onManualClock(peersCheck(refused, [{ node: 'node-c', ip: '127.0.0.1' }]));
    expect(down).toMatchObject({ status: 'True', reason: 'PeersUnreachable' });
    expect(fields(down)).toMatchObject({
      unreachable: 'node-c',
      error: `dial tcp 127.0.0.1:${refused}: connect: connection refused`,
    });

    const blackholed = await onManualClock(
      peersCheck(8089, [{ node: 'node-d', ip: '127.0.0.1' }], () => new Socket()),
    );
    expect(fields(blackholed)).toMatchObject({
      unreachable: 'node-d',
      error: 'dial tcp 127.0.0.1:8089: i/o timeout',
    });
  });

  it('probes a peer that failed again on the next run, so one bad path among many fails run after run', async () => {
    const good = await listen(peerEchoServer());
    const refused = await closedPort();
    // Twelve peers, eight per run: by rotation alone the refusing one would be skipped every other run.
    const peers = Array.from({ length: 12 }, (_, i) => ({ node: `node-${i + 10}`, ip: `192.0.2.${i + 10}` }));
    let dialled = new Set<string>();
    const clock = new ManualClock(0);
    const check = podNetworkPeersCheck({
      node: 'node-a',
      service: 'kubetriage/kubetriage-peer',
      port: good,
      peers: async () => peers,
      clock,
      dial: (host) => {
        dialled.add(host);
        return createConnection({ host: '127.0.0.1', port: host === '192.0.2.10' ? refused : good });
      },
    });
    const runs: { reason: string; dialled: number }[] = [];
    for (let i = 0; i < 3; i++) {
      dialled = new Set();
      runs.push({ reason: (await runOn(check, clock)).reason, dialled: dialled.size });
    }
    expect(runs).toEqual([
      { reason: 'PeersUnreachable', dialled: 8 },
      { reason: 'PeersUnreachable', dialled: 8 },
      { reason: 'PeersUnreachable', dialled: 8 },
    ]);
  });

  it('cannot run with no peers on other nodes', async () => {
    const check = peersCheck(1, [{ node: 'node-a', ip: '127.0.0.1' }])(new ManualClock(0));
    await expect(check.run({ startedMs: 0, signal: new AbortController().signal })).rejects.toBeInstanceOf(
      CheckNotRun,
    );
  });
});
