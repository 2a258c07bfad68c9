/**
 * Pod-network emergence on a quiet cluster: the CNI's routing decides which pods reach
 * which, faults act on routes, sessions and tunnels, and the symptoms (unready pods, the
 * CNI agent's readiness, kube-proxy still syncing) follow from the model alone.
 */
import { describe, expect, it } from 'vitest';
import { resourceForKind } from '../api/resources.ts';
import { minute, type PodView, redditLikeBgp, runNetworkCase } from './network-fixture.ts';

const upgradeAt10m = [
  {
    at: '+10m',
    action: { type: 'upgrade', component: 'control-plane', from: 'v1.23.17', to: 'v1.24.10' },
  },
];

describe('pod network: healthy baselines stay healthy', () => {
  for (const [name, cni] of [
    ['calico BGP with route reflectors', redditLikeBgp],
    ['calico BGP full mesh', { kind: 'calico', mode: 'bgp' }],
    ['flannel VXLAN overlay', { kind: 'flannel', mode: 'overlay' }],
    ['AWS VPC CNI', { kind: 'aws-vpc-cni', mode: 'vpc', ipam: { perNode: 29 } }],
  ] as const) {
    it(`${name}: every pod is Ready and the agent runs on every node`, async () => {
      const w = await runNetworkCase({ cni }, 20 * minute);
      const pods = w.pods();
      expect(pods.filter((p) => !w.ready(p)).map((p) => p.metadata.name)).toEqual([]);
      const agents = pods.filter(
        (p) =>
          p.metadata.namespace === 'kube-system' &&
          /calico-node|kube-flannel|aws-node/.test(p.metadata.name ?? ''),
      );
      expect(agents.length).toBe(7);
      await w.stop();
    });
  }
});

describe('pod network: one agent that is CNI and service proxy at once', () => {
  it('Cilium replacing kube-proxy runs as one cilium DaemonSet, and the cluster comes up healthy', async () => {
    const w = await runNetworkCase(
      {
        cni: { kind: 'cilium', version: 'v1.19.4', mode: 'vpc' },
        serviceProxy: { kind: 'cilium', mode: 'ebpf', version: 'v1.19.4' },
      },
      20 * minute,
    );
    const daemonSets = w.sim.store
      .listObjects(resourceForKind('DaemonSet', 'apps')!, 'kube-system')
      .map((d) => d.metadata.name);
    expect(daemonSets.filter((n) => n === 'cilium')).toEqual(['cilium']);
    expect(daemonSets).not.toContain('kube-proxy');
    const pods = w.pods();
    expect(pods.filter((p) => !w.ready(p)).map((p) => p.metadata.name)).toEqual([]);
    expect(pods.filter((p) => p.metadata.name?.startsWith('cilium-')).length).toBe(7);
    await w.stop();
  });
});

describe('pod network: the 1.24 control-plane upgrade and a route-reflector peering on the master label', () => {
  it('cross-node pod traffic fails while same-node traffic, nodes and kube-proxy stay healthy', async () => {
    const w = await runNetworkCase({ timeline: upgradeAt10m }, 25 * minute);
    // kubeadm removed the old label from every node (kubernetes#107533).
    for (const n of w.nodes()) expect(n.metadata.labels?.['node-role.kubernetes.io/master']).toBeUndefined();
    const net = w.sim.world!.podNetwork!;
    const backends = w.app('backend').map((p) => p.spec?.nodeName ?? '');
    for (const f of w.app('frontend')) {
      const node = f.spec?.nodeName ?? '';
      const local = backends.filter((b) => b === node).length;
      // A frontend with no backend on its own node cannot reach one any more.
      if (local === 0) expect(w.ready(f)).toBe(false);
      for (const b of backends) expect(net.routed(node, b)).toBe(node === b);
    }
    expect(w.app('frontend').some((f) => !w.ready(f))).toBe(true);
    for (const n of w.nodes())
      expect(
        (n as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions?.find(
          (c) => c.type === 'Ready',
        )?.status,
      ).toBe('True');
    // No peers left at all: calico-node's -bird-ready passes (health.go: no peers, ready).
    const agents = w.pods().filter((p) => p.metadata.labels?.['k8s-app'] === 'calico-node');
    expect(agents.every(w.ready)).toBe(true);
    // kube-proxy keeps syncing: its pods stay Ready and its rules are untouched.
    const proxies = w.pods().filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-proxy');
    expect(proxies.every(w.ready)).toBe(true);
    await w.stop();
  });

  it('before the upgrade every pod reaches every node through the reflectors', async () => {
    const w = await runNetworkCase({ timeline: upgradeAt10m }, 9 * minute);
    const net = w.sim.world!.podNetwork!;
    const names = w.nodes().map((n) => n.metadata.name ?? '');
    for (const a of names) for (const b of names) expect(net.routed(a, b)).toBe(true);
    expect(w.app('frontend').every(w.ready)).toBe(true);
    await w.stop();
  });

  it('restoring the label (the fix) brings the routes back', async () => {
    const w = await runNetworkCase(
      {
        timeline: [
          ...upgradeAt10m,
          {
            at: '+20m',
            action: {
              type: 'label-nodes',
              nodes: { pools: ['control-plane'] },
              labels: { 'node-role.kubernetes.io/master': '' },
            },
          },
        ],
      },
      30 * minute,
    );
    expect(w.app('frontend').every(w.ready)).toBe(true);
    await w.stop();
  });
});

describe('pod network faults', () => {
  it('bgp-session-blocked: the node loses its routes, its calico-node reports BGP not established', async () => {
    const w = await runNetworkCase(
      {
        cni: { kind: 'calico', mode: 'bgp' },
        timeline: [{ at: '+10m', fault: { type: 'bgp-session-blocked', nodes: { names: ['worker-0'] } } }],
      },
      15 * minute,
    );
    const agent = w
      .pods()
      .find((p) => p.metadata.labels?.['k8s-app'] === 'calico-node' && p.spec?.nodeName === 'worker-0')!;
    expect(w.ready(agent)).toBe(false);
    const unhealthy = w
      .events()
      .find((e) => e.reason === 'Unhealthy' && e.involvedObject?.name === agent.metadata.name);
    expect(unhealthy?.message).toMatch(
      /^Readiness probe failed: calico\/node is not ready: BIRD is not ready: BGP not established with 10\.240\.0\.\d+(,10\.240\.0\.\d+){5}\n$/,
    );
    // The other agents keep one session each and stay Ready.
    const others = w.pods().filter((p) => p.metadata.labels?.['k8s-app'] === 'calico-node' && p !== agent);
    expect(others.every(w.ready)).toBe(true);
    const net = w.sim.world!.podNetwork!;
    expect(net.routed('worker-0', 'worker-1')).toBe(false);
    expect(net.routed('worker-1', 'worker-2')).toBe(true);
    await w.stop();
  });

  it('overlay-tunnel-blocked: cross-node traffic to and from the node fails; its agent stays Ready', async () => {
    const w = await runNetworkCase(
      {
        cni: { kind: 'flannel', mode: 'overlay' },
        timeline: [{ at: '+10m', fault: { type: 'overlay-tunnel-blocked', nodes: { names: ['worker-1'] } } }],
      },
      15 * minute,
    );
    const net = w.sim.world!.podNetwork!;
    expect(net.routed('worker-1', 'worker-2')).toBe(false);
    expect(net.routed('worker-2', 'worker-1')).toBe(false);
    expect(net.routed('worker-1', 'worker-1')).toBe(true);
    expect(net.routed('worker-0', 'worker-2')).toBe(true);
    const agents = w.pods().filter((p) => p.metadata.labels?.app === 'flannel');
    expect(agents.every(w.ready)).toBe(true);
    await w.stop();
  });

  it('path-mtu-drop: small packets pass, full-size ones between the node and the rest do not', async () => {
    const w = await runNetworkCase(
      {
        cni: { kind: 'calico', mode: 'overlay' },
        timeline: [
          { at: '+10m', fault: { type: 'path-mtu-drop', nodes: { names: ['worker-0'] }, pathMtu: 1400 } },
        ],
      },
      12 * minute,
    );
    const net = w.sim.world!.podNetwork!;
    expect(net.routed('worker-0', 'worker-1')).toBe(true);
    expect(net.largePacketsPass('worker-0', 'worker-1')).toBe(false);
    expect(net.largePacketsPass('worker-1', 'worker-2')).toBe(true);
    expect(net.largePacketsPass('worker-0', 'worker-0')).toBe(true);
    // Readiness probes and handshakes are small: nothing goes unready.
    expect(w.pods().filter((p: PodView) => !w.ready(p))).toEqual([]);
    await w.stop();
  });

  it('path-mtu-drop with peers: only the link between the two nodes shrinks, in both directions', async () => {
    const w = await runNetworkCase(
      {
        cni: { kind: 'calico', mode: 'overlay' },
        timeline: [
          {
            at: '+10m',
            fault: {
              type: 'path-mtu-drop',
              nodes: { names: ['worker-0'] },
              peers: { names: ['worker-1'] },
              pathMtu: 1400,
            },
          },
        ],
      },
      12 * minute,
    );
    const net = w.sim.world!.podNetwork!;
    expect(net.largePacketsPass('worker-0', 'worker-1')).toBe(false);
    expect(net.largePacketsPass('worker-1', 'worker-0')).toBe(false);
    expect(net.largePacketsPass('worker-0', 'worker-2')).toBe(true);
    expect(net.largePacketsPass('worker-2', 'worker-1')).toBe(true);
    await w.stop();
  });
});
