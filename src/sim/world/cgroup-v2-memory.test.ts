/**
 * A runtime that reads its memory limit only from cgroup v1 files (OpenJDK before 8u372 and
 * 11.0.16, .NET before 5) finds none on a cgroup v2 node and sizes its heap from the
 * machine's memory: under its limit it is OOMKilled there again and again, while the same
 * container settles on cgroup v1 nodes. A node image that moves the OS to cgroup v2 (AKS 1.25
 * onto Ubuntu 22.04) brings the trouble node by node; nothing in the Node says cgroup, only
 * the image, OS and kubelet it reports. Nothing here scripts a symptom.
 */
import { describe, expect, it } from 'vitest';
import { minute, type NodeView, quietWorld, shop } from './memory-fixture.ts';

/** shop/cart under a 512Mi limit, settling at 300Mi where it can read the limit. */
const javaCart = (input: Record<string, unknown>) => {
  // No fault on the timeline: what follows is the simulator's own doing.
  input.expected = { category: 'healthy', rootCause: 'the behaviour under test' };
  const cart = shop(input).deployments.find((d) => d.name === 'cart')!;
  const [c] = cart.containers as Record<string, unknown>[];
  c.resources = { memory: '512Mi', limits: { memory: '512Mi' } };
  c.usage = { memory: '300Mi', cgroupV1Only: { rate: '50Mi/min' } };
};
const generalPool = (input: Record<string, unknown>) =>
  (input.cluster as { nodePools: Record<string, unknown>[] }).nodePools.find((p) => p.name === 'general')!;

const cartPods = (w: Awaited<ReturnType<typeof quietWorld>>) =>
  w.pods().filter((p) => p.metadata.labels?.app === 'cart' && p.status?.phase === 'Running');

describe('a runtime blind to cgroup v2 limits', () => {
  it('settles on cgroup v1 nodes: no restarts', async () => {
    const w = await quietWorld(javaCart, []);
    try {
      await w.at(30 * minute);
      for (const p of cartPods(w)) expect(p.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    } finally {
      w.sim.stop();
    }
  });

  it('on cgroup v2 nodes it is OOMKilled (137) from each start; other workloads are not', async () => {
    const w = await quietWorld((input) => {
      javaCart(input);
      generalPool(input).cgroup = 'v2';
    }, []);
    try {
      await w.at(30 * minute);
      const cart = cartPods(w);
      expect(cart.length).toBe(3);
      for (const p of cart) {
        // 212Mi of headroom at 50Mi/min: the limit is reached some 4 min after each start.
        const s = p.status?.containerStatuses?.[0];
        expect(s?.lastState?.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
        expect(s?.restartCount).toBeGreaterThanOrEqual(2);
      }
      const others = w.pods().filter((p) => p.metadata.labels?.app !== 'cart');
      for (const p of others)
        for (const s of p.status?.containerStatuses ?? []) expect(s.restartCount, p.metadata.name).toBe(0);
    } finally {
      w.sim.stop();
    }
  });

  it('a node image that moves to cgroup v2 reports its OS and kubelet; the runtime fails only on the nodes it reached', async () => {
    const upgraded = ['ip-10-0-1-0', 'ip-10-0-1-1', 'ip-10-0-1-2'];
    const w = await quietWorld(
      (input) => {
        javaCart(input);
        // Five replicas over six general nodes: some land on each side of the upgrade.
        shop(input).deployments.find((d) => d.name === 'cart')!.replicas = 5;
      },
      [
        {
          at: '+5m',
          action: {
            type: 'upgrade',
            component: 'node-image',
            to: '202306.13.0',
            osImage: 'Ubuntu 22.04.2 LTS',
            kernel: '5.15.0-1040-azure',
            kubeletVersion: 'v1.30.0-eks-036c24b',
            cgroup: 'v2',
            nodes: { names: upgraded },
            interval: '4m',
          },
        },
      ],
    );
    try {
      await w.at(60 * minute);
      for (const n of w.nodes()) {
        const info = (n as NodeView & { status?: { nodeInfo?: Record<string, string> } }).status?.nodeInfo;
        const isUpgraded = upgraded.includes(n.metadata.name ?? '');
        expect(info?.osImage, n.metadata.name).toBe(isUpgraded ? 'Ubuntu 22.04.2 LTS' : 'Amazon Linux 2');
        expect(info?.kubeletVersion, n.metadata.name).toBe(
          isUpgraded ? 'v1.30.0-eks-036c24b' : 'v1.29.0-eks-5e0fdde',
        );
      }
      const cart = cartPods(w);
      const onUpgraded = cart.filter((p) => upgraded.includes(p.spec?.nodeName ?? ''));
      const elsewhere = cart.filter((p) => !upgraded.includes(p.spec?.nodeName ?? ''));
      expect(onUpgraded.length).toBeGreaterThan(0);
      expect(elsewhere.length).toBeGreaterThan(0);
      for (const p of onUpgraded)
        expect(p.status?.containerStatuses?.[0]?.lastState?.terminated?.reason, p.metadata.name).toBe(
          'OOMKilled',
        );
      for (const p of elsewhere)
        expect(p.status?.containerStatuses?.[0]?.restartCount, p.metadata.name).toBe(0);
    } finally {
      w.sim.stop();
    }
  });
});
