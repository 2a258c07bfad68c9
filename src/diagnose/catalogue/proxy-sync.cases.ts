/** service-proxy-sync-failure: fires when kube-proxy's iptables-restore fails; loses to its look-alikes. */
import type { PatternTable } from '../cases.ts';
import {
  agent,
  change,
  dnsLookups,
  dnsPods,
  min,
  proxySync,
  t0,
  versionMix,
  versionSkew,
  vipUnreachable,
} from '../fixtures.ts';

const three = ['n1', 'n2', 'n3'];
const stale = proxySync({ staleNodes: three, lastSuccessfulSyncAgeSeconds: 900 });
const agentSees = agent('IptablesRestoreFailing', ['n1', 'n2'], { failures: 14 });
/** One node logged one failed restore and synced again since. */
const oneBlip = proxySync({ nodes: ['n4'], failingNowNodes: [], failures: 1 });

export const proxySyncCases: PatternTable = {
  pattern: 'service-proxy-sync-failure',
  cases: [
    // 0.5 + 0.1 agent + 0.15 skew + 0.1 rolled back + 0.1 stale
    {
      name: 'kube-proxy rolled back behind the kubelets: restores fail, rules stale on three nodes, the agent sees it too',
      signals: [stale, agentSees, versionSkew({ rollback: true })],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.1 + 0.1 = 0.7
    {
      name: 'restores fail, the agent sees it, rules stale on three nodes',
      signals: [stale, agentSees],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.15 + 0.1 = 0.75
    {
      name: 'kube-proxy outside the skew policy, restores fail and the agent sees it',
      signals: [proxySync(), agentSees, versionSkew()],
      expect: { fires: true, identified: true },
    },
    // 0.5 + 0.15 = 0.65
    {
      name: 'kube-proxy outside the skew policy, restores fail in its log',
      signals: [proxySync(), versionSkew()],
      expect: { fires: true, identified: false },
    },
    // 0.5 + 0.1 rolled back + 0.1 stale = 0.7
    {
      name: 'kube-proxy rolled back to an older patch: restores fail, rules stale on three nodes',
      signals: [stale, versionMix({ versions: ['v1.29.2', 'v1.29.4'], rollback: true })],
      expect: { fires: true, identified: true },
    },
    {
      name: 'kube-proxy outside the skew policy, but every node syncs its rules',
      signals: [versionSkew()],
      expect: { quiet: true },
    },
    {
      name: 'CoreDNS is OOM-killed on every replica while one node logged a single restore failure',
      signals: [oneBlip, dnsPods({ reasons: ['OOMKilled'], nodes: ['n5', 'n6'] }), dnsLookups()],
      expect: { losesTo: 'cluster-dns' },
    },
    {
      name: 'the VIP fails from every node after a kube-proxy image change, one node also logged a restore failure',
      signals: [
        vipUnreachable(three, { endpointReachableFromNodes: true }),
        oneBlip,
        change(
          'daemonset-image',
          {
            workload: 'kube-system/DaemonSet/kube-proxy',
            namespace: 'kube-system',
            component: 'service-proxy',
            systemComponent: true,
          },
          { sinceMs: t0 - 30 * min },
        ),
      ],
      expect: { losesTo: 'service-routing' },
    },
  ],
};
