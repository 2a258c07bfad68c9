import { describe, expect, it } from 'vitest';
import { AgentState } from '../../agent/agent-state.ts';
import { NodeAgent } from '../../agent/node-agent.ts';
import { Reporter } from '../../agent/reporter.ts';
import { setupAgent } from '../../agent/setup.ts';
import { VirtualClock } from '../../time/virtual-clock.ts';
import { minute, runNetworkCase } from './network-fixture.ts';

type NodeView = {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
};

describe('the node agent in the simulator', () => {
  it('is the shipped NodeAgent (src/agent) with the checks setupAgent assembles, run at their own intervals', async () => {
    const w = await runNetworkCase({}, 10 * minute);
    const agents = w.sim.runner!.agents.agents();
    expect([...agents.keys()].sort()).toEqual(
      w
        .nodes()
        .map((n) => n.metadata.name)
        .sort(),
    );
    const [node, agent] = [...agents][0];
    expect(agent).toBeInstanceOf(NodeAgent);
    expect(agent.reporter).toBeInstanceOf(Reporter);
    // The same assembly on a machine with nothing on it: the checks the DaemonSet always has.
    const bare = await setupAgent({
      host: {
        readText: async () => undefined,
        list: async () => [],
        mtimeMs: async () => undefined,
        processes: async () => [],
      },
      clock: new VirtualClock(),
      api: {
        getJson: async () => ({ status: 200, body: {}, latencyMs: 0 }) as never,
        setEndpoints() {},
        noteVip() {},
        noteEndpoint() {},
      },
      serviceVip: { host: '10.96.0.1', port: 443 },
      apiEndpoints: [{ host: '10.0.0.10', port: 6443 }],
      discoverEndpoints: false,
      nodeResolverName: 'registry.k8s.io',
      upgradeTimerGlobs: [],
      state: AgentState.kept({ dir: undefined, clock: new VirtualClock() }, undefined),
    });
    const ran = [...agent.runs.keys()];
    for (const check of bare.checks) expect(ran, `${node}: ${check.type}`).toContain(check.type);
    // The kubelet's /healthz from its config file, kube-proxy's metrics from its log directory.
    expect(ran).toContain('KubeletUnhealthy');
    expect(ran).toContain('IptablesRestoreFailing');
    // Every check on its own timer: 10 min of VIP checks every 10 s, upgrade checks every 60 s.
    expect(agent.runs.get('KubernetesServiceVIPUnreachable')).toBeGreaterThanOrEqual(60);
    expect(agent.runs.get('PackageUpgradeFailed')).toBeGreaterThanOrEqual(10);
    expect(agent.runs.get('PackageUpgradeFailed')).toBeLessThanOrEqual(11);
    await w.stop();
  });

  it('writes what the checks saw on the Node, through the store, as on a node', async () => {
    const w = await runNetworkCase({}, 3 * minute);
    const n = w.nodes()[0] as NodeView;
    const c = (type: string) => n.status?.conditions?.find((x) => x.type === type);
    expect(c('KubernetesServiceVIPUnreachable')).toMatchObject({ status: 'False', reason: 'VIPReachable' });
    expect(c('ClusterDNSUnhealthy')).toMatchObject({ status: 'False', reason: 'ClusterDNSResolving' });
    expect(c('NodeResolverUnhealthy')?.message).toContain('server=127.0.0.53:53');
    expect(c('RebootRequired')).toMatchObject({ status: 'False', reason: 'RunningNewestKernel' });
    expect(c('PackageUpgradeInProgress')).toMatchObject({ status: 'False', reason: 'NoUpgradeRunning' });
    await w.stop();
  });

  it('fetches from the peer-echo pods on the other machines: a path that drops full-size packets stalls', async () => {
    const w = await runNetworkCase(
      {
        timeline: [
          { at: '+5m', fault: { type: 'path-mtu-drop', nodes: { names: ['worker-0'] }, pathMtu: 1400 } },
        ],
      },
      8 * minute,
    );
    const peers = (name: string) =>
      (w.nodes().find((n) => n.metadata.name === name) as NodeView).status?.conditions?.find(
        (x) => x.type === 'PodNetworkPeersUnreachable',
      );
    expect(peers('worker-1')).toMatchObject({ status: 'True', reason: 'LargePacketsDropped' });
    expect(peers('worker-1')?.message).toMatch(/stalled=worker-0 bytes=0 expected=65536/);
    expect(peers('worker-0')?.message).toMatch(/stalled=\S*worker-1/);
    await w.stop();
  });

  it('carries its state volume across a reboot: the kernel the timer installed shows as KernelChanged and previousKernel', async () => {
    const w = await runNetworkCase(
      {
        timeline: [
          {
            at: '+0s',
            fault: {
              type: 'node-scheduled-job',
              nodes: { names: ['worker-0'] },
              job: {
                name: 'apt-daily-upgrade.timer',
                onCalendar: '*-*-* 18:02:00',
                runtime: { min: '1m', max: '1m' },
                changes: { kernel: '5.4.0-150-generic', packages: ['linux-image-5.4.0-150-generic'] },
              },
              breaks: { when: 'always', probability: 0, effect: 'kubelet-stopped' },
            },
          },
          { at: '+6m', fault: { type: 'node-reboot', nodes: { names: ['worker-0'] }, downtime: '1m' } },
        ],
      },
      12 * minute,
    );
    const n = w.nodes().find((x) => x.metadata.name === 'worker-0') as NodeView;
    const reboot = n.status?.conditions?.find((x) => x.type === 'RebootRequired');
    expect(reboot).toMatchObject({ status: 'False', reason: 'RunningNewestKernel' });
    expect(reboot?.message).toMatch(/running=5\.4\.0-150-generic .*previousKernel=5\.4\.0-144-generic/);
    const changed = w
      .events()
      .filter((e) => e.reason === 'KernelChanged' && e.involvedObject?.name === 'worker-0');
    expect(changed.map((e) => e.message)).toEqual([
      expect.stringMatching(
        /^kernel changed across a reboot; from=5\.4\.0-144-generic to=5\.4\.0-150-generic /,
      ),
    ]);
    await w.stop();
  });
});
