/**
 * The agent across container restarts and node reboots, each "container" a new NodeAgent
 * over the same state directory (the pod's emptyDir). A temp dir plays the node's host (its
 * /proc, /boot, os-release and apt history), the simulator plays the API, and a closed port
 * plays the API while this node cannot reach it. Agent time is a ManualClock; the waits are
 * for real I/O only.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentState } from '../../src/agent/agent-state.ts';
import { ApiPaths } from '../../src/agent/api-paths.ts';
import { type Check, type CheckResult, healthy, problem } from '../../src/agent/check.ts';
import { NodeAgent } from '../../src/agent/node-agent.ts';
import { setupAgent } from '../../src/agent/setup.ts';
import { parseAgentMessage } from '../../src/kube/agent-message.ts';
import type { ApiResponse } from '../../src/kube/api-client.ts';
import { rfc3339 } from '../../src/time/clock.ts';
import { ManualClock } from '../../src/time/manual-clock.ts';
import { apiClientFor } from '../support/live-feed.ts';
import { type SimCluster, startSimCluster } from '../support/sim-cluster.ts';
import { waitFor } from '../support/wait-for.ts';
import { type TempHost, tempHost } from './temp-host.ts';

let cluster: SimCluster;
let nodes: string[];
let unreachable: string;
let fakeHost: TempHost;
let hostRoot: string;
let stateDir: string;
let logs: string[];

/** The agent's writes as the API sees them, in order. */
class RecordingPaths extends ApiPaths {
  readonly sent: { method: string; path: string; body: unknown }[] = [];

  override send<T>(...args: Parameters<ApiPaths['send']>): Promise<ApiResponse<T>> {
    this.sent.push({ method: args[0], path: args[1], body: structuredClone(args[2]) });
    return super.send<T>(...args);
  }
}

beforeAll(async () => {
  cluster = await startSimCluster({ workers: 2 });
  nodes = (
    await apiClientFor(cluster).getJson<{ items: { metadata: { name: string } }[] }>('/api/v1/nodes')
  ).body.items.map((n) => n.metadata.name);
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  unreachable = `127.0.0.1:${(s.address() as AddressInfo).port}`;
  await new Promise((r) => s.close(r));
});

afterAll(async () => {
  await cluster?.stop();
});

beforeEach(async () => {
  fakeHost = await tempHost();
  hostRoot = fakeHost.root;
  stateDir = await mkdtemp(join(tmpdir(), 'kt-agent-state-'));
  logs = [];
  return async () => {
    await fakeHost.remove();
    await rm(stateDir, { recursive: true, force: true });
  };
});

const put: TempHost['put'] = (...args) => fakeHost.put(...args);

const at = (iso: string) => Date.parse(iso);
const bootA = 'a1d04e77-5c3b-4f19-8e2a-6b9d3c7f1e20';
const bootB = '7f3c9a41-0d2e-4b8e-9c55-2f1e8d6a0b13';

/** The node running `kernel` in boot `bootId`, up since `booted`. */
async function boot(kernel: string, bootId: string, booted: string): Promise<void> {
  await put('proc/sys/kernel/osrelease', `${kernel}\n`);
  await put('proc/sys/kernel/random/boot_id', `${bootId}\n`);
  await put('proc/stat', `cpu  1 2 3\nbtime ${at(booted) / 1000}\nprocesses 4242\n`);
  await put(`boot/vmlinuz-${kernel}`, '');
}

/** Debian 12 as DigitalOcean's nodes were: /etc/os-release a relative link into /usr/lib. */
async function debian(point: string): Promise<void> {
  await put(
    'usr/lib/os-release',
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nID=debian\n',
  );
  await rm(join(hostRoot, 'etc/os-release'), { force: true });
  await mkdir(join(hostRoot, 'etc'), { recursive: true });
  await symlink('../usr/lib/os-release', join(hostRoot, 'etc/os-release'));
  await put('etc/debian_version', `${point}\n`);
}

interface Started {
  agent: NodeAgent;
  api: RecordingPaths;
  state: AgentState;
  clock: ManualClock;
  stop(): Promise<void>;
}

/**
 * One container of the agent pod on `node`: the real setup over the temp host and the state
 * dir, with only the host checks it needs (or `checks` in their place).
 */
async function startAgent(o: {
  node: string;
  reachable: boolean;
  startMs: number;
  checks?: Check[];
  /** List the default/kubernetes EndpointSlice too. */
  discover?: boolean;
}): Promise<Started> {
  const clock = new ManualClock(o.startMs);
  const api = new RecordingPaths({ kc: apiClientFor(cluster).kc, now: () => clock.now(), viaVip: false });
  const state = await AgentState.open({ dir: stateDir, clock, log: (m) => logs.push(m) });
  const sim = new URL(cluster.url);
  const [host, port] = o.reachable ? [sim.hostname, sim.port] : unreachable.split(':');
  const setup = await setupAgent({
    host: fakeHost.host,
    clock,
    api,
    apiEndpoints: [{ host, port: Number(port) }],
    discoverEndpoints: o.discover ?? false,
    upgradeTimerGlobs: [],
    state,
  });
  const agent = new NodeAgent({
    node: o.node,
    clock,
    checks: o.checks ?? setup.checks.filter((c) => c.type === 'RebootRequired'),
    watches: setup.watches,
    api,
    state,
    log: (m) => logs.push(m),
  });
  await agent.start();
  return {
    agent,
    api,
    state,
    clock,
    stop: async () => {
      setup.stop();
      await agent.stop();
    },
  };
}

/** Moves agent time on in steps, letting the real I/O behind each step settle, until `done`. */
async function runUntil(a: Started, what: string, done: () => boolean, stepMs = 250): Promise<void> {
  await waitFor(what, () => {
    if (!done()) a.clock.advance(stepMs);
    return done();
  });
}

/** RebootRequired as this container's own checks found it (not as the last one left it). */
const reboot = (a: Started) => a.agent.reporter.conditions().find((c) => c.type === 'RebootRequired');
const queued = (a: Started, reason: string) =>
  a.agent.events.snapshot().events.filter((e) => e.reason === reason);

interface SimEvent {
  reason: string;
  message: string;
  firstTimestamp: string;
  involvedObject: { name: string };
}

async function simEvents(node: string, reason: string): Promise<SimEvent[]> {
  return (
    await apiClientFor(cluster).getJson<{ items: SimEvent[] }>('/api/v1/namespaces/default/events')
  ).body.items.filter((e) => e.involvedObject.name === node && e.reason === reason);
}

describe('the agent across reboots and container restarts', () => {
  it('reports KernelChanged once, from the boot the state volume saw, and names it in RebootRequired', async () => {
    const node = nodes[0];
    await debian('12.1');
    await boot('6.1.0-12-amd64', bootA, '2023-10-05T11:00:00Z');

    // First start: nothing kept, so nothing to compare with.
    let a = await startAgent({ node, reachable: false, startMs: at('2023-10-05T11:02:40Z') });
    await runUntil(a, 'first RebootRequired', () => reboot(a) !== undefined);
    expect(a.agent.events.snapshot().events).toEqual([]);
    expect(parseAgentMessage(reboot(a)?.message ?? '').fields).not.toHaveProperty('previousKernel');
    await a.stop();

    // apt-daily-upgrade installs 6.1.0-13 at 06:31; the node comes back on it at 07:53:30.
    await put(
      'var/log/apt/history.log',
      'Start-Date: 2023-10-08  06:23:10\nCommandline: /usr/bin/unattended-upgrade\nUpgrade: linux-image-6.1.0-13-amd64:amd64 (6.1.55-1), systemd:amd64 (252.12-1~deb12u1, 252.17-1~deb12u1)\n',
    );
    await boot('6.1.0-13-amd64', bootB, '2023-10-08T07:53:30Z');
    // The kernel file keeps the package's build time; dpkg.log says when it was installed.
    await put('boot/vmlinuz-6.1.0-13-amd64', '', at('2023-09-20T12:00:00Z'));
    await put(
      'var/log/dpkg.log',
      '2023-10-08 06:31:11 status half-configured linux-image-6.1.0-13-amd64:amd64 6.1.55-1\n2023-10-08 06:31:12 status installed linux-image-6.1.0-13-amd64:amd64 6.1.55-1\n',
    );
    a = await startAgent({ node, reachable: false, startMs: at('2023-10-08T07:54:02Z') });
    await runUntil(a, 'RebootRequired after the reboot', () => reboot(a) !== undefined);
    const kernelChanged = queued(a, 'KernelChanged');
    expect(kernelChanged).toHaveLength(1);
    expect(kernelChanged[0]).toMatchObject({ type: 'Normal', atMs: at('2023-10-08T07:53:30Z') });
    expect(kernelChanged[0].message).toBe(
      'kernel changed across a reboot; from=6.1.0-12-amd64 to=6.1.0-13-amd64 previousBootID=a1d04e77-5c3b-4f19-8e2a-6b9d3c7f1e20 bootID=7f3c9a41-0d2e-4b8e-9c55-2f1e8d6a0b13 booted=2023-10-08T07:53:30Z installedBy=apt-daily-upgrade.service installedAt=2023-10-08T06:31:12Z',
    );
    expect(queued(a, 'OSImageChanged')).toEqual([]);
    expect(reboot(a)).toMatchObject({ status: 'False', reason: 'RunningNewestKernel' });
    expect(parseAgentMessage(reboot(a)?.message ?? '').fields).toMatchObject({
      running: '6.1.0-13-amd64',
      bootID: bootB,
      booted: '2023-10-08T07:53:30Z',
      previousKernel: '6.1.0-12-amd64',
      previousBootID: bootA,
    });
    await a.stop();

    // A container restart without a reboot, now with the API back: the kept event is
    // delivered at its boot time, and no second one is made.
    a = await startAgent({ node, reachable: true, startMs: at('2023-10-08T08:10:00Z') });
    await runUntil(a, 'the kept KernelChanged delivered', () => a.agent.events.pending === 0);
    const delivered = await simEvents(node, 'KernelChanged');
    expect(delivered.map((e) => e.firstTimestamp)).toEqual(['2023-10-08T07:53:30Z']);
    expect(delivered[0].message).toBe(kernelChanged[0].message);
    // RebootRequired still names the boot before this one.
    expect(parseAgentMessage(reboot(a)?.message ?? '').fields.previousKernel).toBe('6.1.0-12-amd64');

    // A point release lands without a reboot: OSImageChanged at the next look (60 s).
    await put('etc/debian_version', '12.2\n');
    await runUntil(a, 'OSImageChanged delivered', () => a.agent.events.delivered >= 2, 1_000);
    const osChanged = await simEvents(node, 'OSImageChanged');
    expect(osChanged).toHaveLength(1);
    expect(osChanged[0].message).toBe(
      `OS image changed; from="Debian GNU/Linux 12 (bookworm) 12.1" to="Debian GNU/Linux 12 (bookworm) 12.2" bootID=${bootB}`,
    );
    expect(osChanged[0].firstTimestamp).toBe('2023-10-08T08:11:00Z');
    await a.stop();

    // And once more: nothing new to say.
    a = await startAgent({ node, reachable: true, startMs: at('2023-10-08T08:30:00Z') });
    await runUntil(a, 'RebootRequired written', () => a.agent.reporter.writes >= 1);
    await a.stop();
    expect(a.agent.events.delivered).toBe(0);
    expect(await simEvents(node, 'KernelChanged')).toHaveLength(1);
    expect(await simEvents(node, 'OSImageChanged')).toHaveLength(1);
  });

  it('delivers what it saw while the API was unreachable after a restart: the PATCH, then the events oldest first at their times', async () => {
    const node = nodes[1];
    await boot('6.1.0-12-amd64', bootA, '2023-10-05T11:00:00Z');
    const idle = healthy('NoUpgradeRunning', 'no package upgrade is running', [['lastRun', 'none']]);
    const running = problem(
      'UnattendedUpgradeRunning',
      'a package upgrade started by a systemd timer is running',
      [['unit', 'apt-daily-upgrade.service']],
    );
    const done = healthy('NoUpgradeRunning', 'no package upgrade is running', [
      ['lastRun', '2023-10-08T06:23:04Z'],
      ['lastResult', 'timeout'],
    ]);
    const scripted = (results: CheckResult[]): Check => {
      let i = 0;
      return {
        type: 'PackageUpgradeInProgress',
        kind: 'host',
        intervalMs: 15_000,
        timeoutMs: 5_000,
        run: async () => results[Math.min(i++, results.length - 1)],
      };
    };

    // The network is down: three checks, two transitions, every write fails.
    const t0 = at('2023-10-08T06:23:01Z');
    const a = await startAgent({
      node,
      reachable: false,
      startMs: t0,
      checks: [scripted([idle, running, done])],
    });
    await runUntil(a, 'three checks', () => (a.agent.runs.get('PackageUpgradeInProgress') ?? 0) >= 3);
    expect(a.agent.events.pending).toBe(2);
    await a.stop();
    expect(a.api.sent.some((s) => s.method === 'POST')).toBe(false);

    // A new container with the API back: the kept conditions are its starting point.
    const b = await startAgent({
      node,
      reachable: true,
      startMs: t0 + 40 * 60_000,
      checks: [scripted([done])],
    });
    await runUntil(b, 'the kept events delivered', () => b.agent.events.delivered >= 2);
    const writes = b.api.sent.map((s) => `${s.method} ${s.path}`);
    expect(writes.slice(0, 3)).toEqual([
      `PATCH /api/v1/nodes/${node}/status`,
      'POST /api/v1/namespaces/default/events',
      'POST /api/v1/namespaces/default/events',
    ]);
    const patched = (
      b.api.sent[0].body as { status: { conditions: { type: string; lastTransitionTime: string }[] } }
    ).status.conditions.find((c) => c.type === 'PackageUpgradeInProgress');
    // The transition the API never saw keeps its time (the third check, 30 s in).
    expect(patched?.lastTransitionTime).toBe(rfc3339(t0 + 30_000));
    const posted = b.api.sent
      .filter((s) => s.method === 'POST')
      .map((s) => {
        const e = s.body as { reason: string; type: string; firstTimestamp: string };
        return `${e.firstTimestamp} ${e.type} ${e.reason}`;
      });
    expect(posted).toEqual([
      `${rfc3339(t0 + 15_000)} Warning UnattendedUpgradeRunning`,
      `${rfc3339(t0 + 30_000)} Normal NoUpgradeRunning`,
    ]);
    expect((await simEvents(node, 'UnattendedUpgradeRunning')).map((e) => e.firstTimestamp)).toEqual([
      rfc3339(t0 + 15_000),
    ]);
    await b.stop();
    // Delivered, so not kept any more.
    const file = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8'));
    expect(file.outbox.events).toEqual([]);
    expect(file.conditions.map((c: { type: string }) => c.type)).toEqual(['PackageUpgradeInProgress']);
  });

  it('keeps the API endpoints it listed, so a container restarted with its configured path broken still writes', async () => {
    const sim = new URL(cluster.url);
    // The simulator publishes a made-up address; aim it at the simulator itself, as the apiserver's
    // endpoint reconciler publishes its own.
    await apiClientFor(cluster).send(
      'PATCH',
      '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes',
      {
        endpoints: [{ addresses: [sim.hostname], conditions: { ready: true } }],
        ports: [{ name: 'https', port: Number(sim.port), protocol: 'TCP' }],
      },
      { contentType: 'application/merge-patch+json' },
    );
    await boot('6.1.0-12-amd64', bootA, '2023-10-05T11:00:00Z');
    const a = await startAgent({
      node: nodes[1],
      reachable: true,
      discover: true,
      startMs: at('2024-11-22T12:00:00Z'),
    });
    await a.stop();
    const kept = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8'));
    expect(kept.apiEndpoints).toEqual([{ host: sim.hostname, port: Number(sim.port) }]);

    // Only a dead address configured now: the kept one carries the writes.
    const b = await startAgent({
      node: nodes[1],
      reachable: false,
      discover: true,
      startMs: at('2024-11-22T12:10:00Z'),
    });
    await runUntil(b, 'RebootRequired written', () => b.agent.reporter.writes >= 1);
    expect(b.api.lastUsed).toBe(`${sim.hostname}:${sim.port}`);
    await b.stop();
  });

  it('starts over a corrupt state file with a log, and leaves a good one', async () => {
    await boot('6.1.0-12-amd64', bootA, '2023-10-05T11:00:00Z');
    await writeFile(join(stateDir, 'state.json'), '{"version":1,"outbox":{"events":[{"rea');
    const a = await startAgent({ node: nodes[0], reachable: false, startMs: at('2023-10-05T11:02:40Z') });
    await runUntil(a, 'RebootRequired', () => reboot(a) !== undefined);
    await a.stop();
    expect(logs).toContain('agent state is not JSON; ignoring it');
    const again = await AgentState.open({ dir: stateDir, clock: a.clock });
    expect(again.loaded.host).toMatchObject({ kernel: '6.1.0-12-amd64', bootId: bootA });
    expect(again.loaded.conditions.map((c) => c.reason)).toEqual(['RunningNewestKernel']);
  });
});
