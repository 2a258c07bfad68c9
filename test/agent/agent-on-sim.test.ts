/**
 * Acceptance: the real agent's reports land on the simulator's nodes, and kubetriage's
 * detectors read them exactly as they read the simulator's own producer.
 *
 * The situation is Runway's (2024-11-22): the kubernetes service VIP is black-holed while
 * the API endpoint answers. The simulator plays it in the runway-2024 scenario with its own
 * agent model; here the real agent plays it on a static simulated cluster, with a dialer that
 * never connects to 10.96.0.1 standing in for the broken VIP, the simulator's HTTPS address as
 * the direct endpoint, and a temp dir as each node's host (an enabled apt-daily-upgrade timer).
 * Both clusters are read through kubetriage's live feed, and the node-agent detector must give
 * the same signal for both.
 */
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentState } from '../../src/agent/agent-state.ts';
import { ApiPaths } from '../../src/agent/api-paths.ts';
import { dialTcp } from '../../src/agent/net-probe.ts';
import { NodeAgent } from '../../src/agent/node-agent.ts';
import { setupAgent } from '../../src/agent/setup.ts';
import { nodeAgent } from '../../src/detect/node-agent.ts';
import { ofKind, type Signal, type SignalOf } from '../../src/detect/signal.ts';
import type { AgentConditionType } from '../../src/kube/node-agent-conditions.ts';
import { ClusterView } from '../../src/observe/cluster-view.ts';
import { ManualClock } from '../../src/time/manual-clock.ts';
import { apiClientFor, syncedLiveFeed } from '../support/live-feed.ts';
import { scenarioAt } from '../support/scenario-moment.ts';
import { type SimCluster, startSimCluster } from '../support/sim-cluster.ts';
import { waitFor } from '../support/wait-for.ts';
import { type TempHost, tempHost } from './temp-host.ts';

let ours: SimCluster;
let theirs: SimCluster;
let fakeHost: TempHost;
const put: TempHost['put'] = (...args) => fakeHost.put(...args);

beforeAll(async () => {
  [ours, theirs] = await Promise.all([
    startSimCluster({ workers: 3 }),
    // The VIP broke at 11:12 (onset in the scenario); by 11:20 every node's agent has said so.
    scenarioAt('runway-2024', '2024-11-22T11:20:00Z'),
  ]);
  fakeHost = await tempHost('kt-agent-sim-');
  await put('etc/systemd/system/timers.target.wants/apt-daily-upgrade.timer', '');
  await put(
    'lib/systemd/system/apt-daily-upgrade.timer',
    '[Timer]\nOnCalendar=*-*-* 6:00\nRandomizedDelaySec=60m\n',
  );
  await put(
    'lib/systemd/system/apt-daily-upgrade.service',
    '[Service]\nExecStart=/usr/lib/apt/apt.systemd.daily install\n',
  );
  await put('etc/apt/apt.conf.d/20auto-upgrades', 'APT::Periodic::Unattended-Upgrade "1";\n');
  await put('proc/sys/kernel/osrelease', '6.1.0-12-amd64\n');
  await put('boot/vmlinuz-6.1.0-12-amd64', '');
});

afterAll(async () => {
  await Promise.all([ours?.stop(), theirs?.stop()]);
  await fakeHost?.remove();
});

/** Reads a cluster through the live feed and runs the node-agent detector at `nowMs`. */
async function agentSignals(c: SimCluster, nowMs: number): Promise<Signal[]> {
  const view = new ClusterView();
  const feed = await syncedLiveFeed(c, view);
  try {
    return nodeAgent(view, nowMs);
  } finally {
    await feed.stop();
  }
}

/** The agent-condition signal for one condition type. */
function byType(signals: Signal[], type: AgentConditionType): SignalOf<'agent-condition'> | undefined {
  return ofKind(signals, 'agent-condition').find((s) => s.facts.type === type);
}

describe('the node agent on a simulated cluster', () => {
  it('writes conditions the detectors read as they read the simulator’s own reports', async () => {
    const simUrl = new URL(ours.url);
    const nodes = (
      await apiClientFor(ours).getJson<{ items: { metadata: { name: string } }[] }>('/api/v1/nodes')
    ).body.items.map((n) => n.metadata.name);
    expect(nodes.length).toBeGreaterThanOrEqual(3);
    // Agent time is a ManualClock moved along with the real I/O, so the 3-failure debounce
    // (10 s apart) takes a few real seconds, not 30.
    const clock = new ManualClock(Date.now());
    const blackHoleVip = (host: string, port: number) =>
      host === '10.96.0.1' ? new Socket() : dialTcp(host, port);
    const agents: NodeAgent[] = [];
    const stops: (() => void)[] = [];
    for (const node of nodes) {
      const kc = apiClientFor(ours).kc;
      const api = new ApiPaths({ kc, now: () => clock.now(), viaVip: false });
      const setup = await setupAgent({
        host: fakeHost.host,
        clock,
        api,
        serviceVip: { host: '10.96.0.1', port: 443 },
        apiEndpoints: [{ host: simUrl.hostname, port: Number(simUrl.port) }],
        discoverEndpoints: false,
        ca: ours.sim.caPem,
        clusterDns: '127.0.0.1:1', // cluster DNS is not part of this comparison
        upgradeTimerGlobs: [],
        dial: blackHoleVip,
        state: await AgentState.open({ dir: undefined, clock }),
      });
      const agent = new NodeAgent({
        node,
        clock,
        checks: setup.checks.filter((c) => c.type !== 'ClusterDNSUnhealthy'),
        api,
      });
      await agent.start();
      agents.push(agent);
      stops.push(setup.stop);
    }
    const vipWritten = () =>
      agents.every((a) =>
        a.reporter
          .conditions()
          .some((c) => c.type === 'KubernetesServiceVIPUnreachable' && c.status === 'True'),
      );
    for (let i = 0; i < 400 && !(vipWritten() && agents.every((a) => a.events.delivered >= 2)); i++) {
      clock.advance(250);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(vipWritten()).toBe(true);
    await Promise.all(agents.map((a) => a.reporter.flushNow()));
    for (const a of agents) await a.stop();
    for (const s of stops) s();

    const mine = await agentSignals(ours, clock.now());
    const sims = await agentSignals(theirs, Date.parse('2024-11-22T11:20:00Z'));

    // The Runway reading: the VIP fails on every node while the endpoint answers on every node.
    const type = 'KubernetesServiceVIPUnreachable';
    const mineVip = byType(mine, type);
    const simVip = byType(sims, type);
    expect(simVip).toBeDefined();
    expect(mineVip).toBeDefined();
    const shape = (s: SignalOf<'agent-condition'> | undefined) => ({
      severity: s?.severity,
      fraction: s?.facts.fraction,
      reasons: s?.facts.reasons,
      stages: s?.facts.stages,
      services: s?.facts.services,
      targets: s?.facts.targets,
      errors: s?.facts.errors,
      staleNodes: s?.facts.staleNodes,
    });
    expect(shape(mineVip)).toEqual(shape(simVip));
    expect(mineVip?.facts.nodes).toEqual(nodes.slice().sort());
    expect(byType(mine, 'APIEndpointUnreachable')).toBeUndefined();
    expect(byType(sims, 'APIEndpointUnreachable')).toBeUndefined();
    // Host facts land too: the upgrade timer with its schedule.
    expect(byType(mine, 'AutomaticUpgradeScheduled')?.facts).toMatchObject({
      timers: ['apt-daily-upgrade.timer'],
      schedules: ['*-*-* 06:00:00'],
      randomizedDelay: '1h0m0s',
    });

    // …and the transition events, in the contract's shape, for kubectl describe node.
    const events = (
      await apiClientFor(ours).getJson<{
        items: {
          reason: string;
          type: string;
          involvedObject: { kind: string; name: string };
          source: { component: string };
        }[];
      }>('/api/v1/namespaces/default/events')
    ).body.items.filter((e) => e.source?.component === 'kubetriage-agent');
    const vipEvents = events.filter((e) => e.reason === 'VIPConnectTimeout');
    expect(vipEvents.map((e) => e.involvedObject.name).sort()).toEqual(nodes.slice().sort());
    expect(vipEvents.every((e) => e.type === 'Warning' && e.involvedObject.kind === 'Node')).toBe(true);
    await waitFor('nothing queued', () => agents.every((a) => a.events.pending === 0));
  });
});
