/** change-induced-regression: fires on cluster-wide trouble right after a fleet-wide change; loses to any specific mechanism. */
import type { PatternTable } from '../cases.ts';
import {
  change,
  crashLoop,
  flapping,
  hour,
  min,
  notReady,
  proxySync,
  serviceErrors,
  spread,
  t0,
  versionSkew,
  vipUnreachable,
} from '../fixtures.ts';

const three = ['n1', 'n2', 'n3'];
const four = ['n1', 'n2', 'n3', 'n4'];
const all = Array.from({ length: 12 }, (_, i) => `n${i + 1}`);
const upgrade = (sinceMs: number) =>
  change('control-plane-version', { from: 'v1.28.9', to: 'v1.29.4' }, { sinceMs });
/** Ingress 503s on the shop's front end since 5 min ago. */
const shop503 = serviceErrors('shop/web');
const wave = [
  notReady('n1'),
  flapping('n2'),
  flapping('n3'),
  spread(three, { onsetSpanMinutes: 25, notReadyNow: 1, wentNotReady60m: 3 }),
];
const appsOnThem = [crashLoop('api', 'pilot', ['n1', 'n2']), crashLoop('api', 'tiles', ['n2', 'n3'])];
const systemDaemonSet = (
  name: string,
  component: 'cni' | 'service-proxy',
  sinceMs: number,
  nodes: string[] = [],
) =>
  change(
    'daemonset-image',
    {
      workload: `kube-system/DaemonSet/${name}`,
      namespace: 'kube-system',
      component,
      systemComponent: true,
      nodes,
    },
    { sinceMs },
  );

export const changeInducedCases: PatternTable = {
  pattern: 'change-induced-regression',
  cases: [
    // 0.45 + 0.05 within 30 min: named, never sure
    {
      name: 'ingress 503s on the shop 20 min after the control plane upgrade',
      signals: [shop503, upgrade(t0 - 25 * min)],
      expect: { fires: true, identified: false },
    },
    // 0.45 + 0.1 covers the nodes + 0.05 close = 0.6, over node-network at 0.55
    {
      name: 'nodes flap NotReady 20 min after the CNI DaemonSet rolled a new image to every node',
      signals: [
        ...four.map((n) => flapping(n)),
        spread(four),
        systemDaemonSet('calico-node', 'cni', t0 - 40 * min, all),
      ],
      expect: { fires: true, identified: false },
    },
    {
      name: 'ingress 503s on the shop four hours after the control plane upgrade',
      signals: [shop503, upgrade(t0 - 4 * hour)],
      expect: { losesTo: 'cause-not-identified' },
    },
    {
      name: 'ingress 503s on the shop, nothing changed before',
      signals: [shop503],
      expect: { losesTo: 'cause-not-identified' },
    },
    {
      name: 'the control plane upgraded and nothing broke',
      signals: [upgrade(t0 - 25 * min)],
      expect: { quiet: true },
    },
    {
      name: 'nodes flap an hour after half the fleet took a new kernel; several apps fail there',
      signals: [
        ...wave,
        ...appsOnThem,
        change('node-kernel', { nodes: all.slice(0, 6), count: 6 }, { sinceMs: t0 - 80 * min }),
      ],
      expect: { losesTo: 'node-image-regression' },
    },
    {
      name: 'nodes flap one after another and apps fail there; the control plane was upgraded five hours before',
      signals: [...wave, ...appsOnThem, upgrade(t0 - 5 * hour)],
      expect: { losesTo: 'node-network' },
    },
    {
      name: 'the VIP fails from every node right after kube-proxy rolled a new image',
      signals: [
        vipUnreachable(three, { endpointReachableFromNodes: true }),
        systemDaemonSet('kube-proxy', 'service-proxy', t0 - 20 * min),
      ],
      expect: { losesTo: 'service-routing' },
    },
    {
      name: 'kube-proxy rolled back behind the kubelets: restores fail on five nodes',
      signals: [
        proxySync(
          { nodes: all.slice(0, 5), failingNowNodes: all.slice(0, 5), staleNodes: all.slice(0, 5) },
          { severity: 'critical' },
        ),
        versionSkew({ rollback: true }),
        systemDaemonSet('kube-proxy', 'service-proxy', t0 - 40 * min),
      ],
      expect: { losesTo: 'service-proxy-sync-failure' },
    },
  ],
};
