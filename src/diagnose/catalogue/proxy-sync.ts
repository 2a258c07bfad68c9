/**
 * kube-proxy cannot program its rules: iptables-restore fails on some nodes, the last
 * successful sync stops moving, and Services whose endpoints changed since go nowhere from
 * there, while every pod looks healthy. A version skew between kube-proxy and the kubelet,
 * or a rolled-back kube-proxy, is the usual reason. Restarting DNS makes it worse: new DNS
 * endpoints never reach nodes whose rules are stale.
 *
 * Told apart from: cluster DNS (its pods are fine; lookups fail because routing is stale)
 * and a broken path to the API server VIP (no restore failures are logged or counted).
 */
import { hitOn } from '../evidence/clauses.ts';
import { definePattern } from '../pattern.ts';
import { at, count, names, said } from '../slots.ts';

export const proxySync = definePattern((q) => {
  const sync = q.first('proxy-sync-failing');
  const agent = q.agent('IptablesRestoreFailing');
  const nodes = [...new Set([...(sync?.facts.nodes ?? []), ...(agent?.facts.nodes ?? [])])].sort();
  const skew = q
    .of('version-skew')
    .filter((s) => s.facts.component.includes('proxy') || s.facts.rule.includes('proxy'));
  const mix = q.of('version-mix').filter((s) => s.facts.component.includes('proxy'));
  const rollback = [...skew, ...mix].filter((s) => s.facts.rollback === true);
  const since = Math.min(
    sync?.sinceMs ?? Number.POSITIVE_INFINITY,
    agent?.sinceMs ?? Number.POSITIVE_INFINITY,
  );
  return [{ sync, agent, nodes, skew, mix, rollback, since: Number.isFinite(since) ? since : q.nowMs }];
})({
  id: 'service-proxy-sync-failure',
  family: 'service-networking',
  layer: 'service-network',
  title: 'kube-proxy cannot sync its rules',
  summary:
    'kube-proxy cannot program its rules: its iptables-restore calls exit with errors on a set of nodes, the last successful sync stops moving, and Services whose endpoints changed since go nowhere from there, while every pod looks healthy. A version skew between kube-proxy and the kubelet, or a rolled-back kube-proxy, is the usual reason. Restarting DNS makes it worse: new DNS endpoints never reach nodes whose rules are stale. Told apart from: cluster DNS (its pods are fine; lookups fail because routing is stale) and a broken path to the API server VIP (no restore failures are logged or counted).',
  clusterLevel: true,
  base: 0.5,
  requires: [
    {
      id: 'restores-fail',
      weight: 0,
      reason: "kube-proxy's iptables-restore failing (its log, its failure counter, or the node agent)",
      reads: ['proxy-sync-failing', 'agent-condition'],
      test: (c) => hitOn([c.sync, c.agent]),
    },
  ],
  supports: [
    {
      id: 'agent-confirms',
      weight: 0.1,
      reason: 'the node agent sees the restore failures on {agentNodes} node(s) too',
      reads: ['agent-condition'],
      test: (c) =>
        c.agent
          ? { signals: [c.agent], slots: { agentNodes: count(c.agent.facts.nodes.length, c.agent)! } }
          : undefined,
    },
    {
      id: 'version-skew',
      weight: 0.15,
      reason: 'kube-proxy breaks the version skew policy: {rule}',
      reads: ['version-skew'],
      test: (c) =>
        c.skew.length
          ? { signals: c.skew, slots: { rule: said(c.skew[0].facts.ruleText, c.skew[0])! } }
          : undefined,
    },
    {
      id: 'rolled-back',
      weight: 0.1,
      reason: 'kube-proxy is being rolled back to an older version than some nodes run',
      reads: ['version-skew', 'version-mix'],
      test: (c) => hitOn(c.rollback),
    },
    {
      id: 'rules-stale',
      weight: 0.1,
      reason: '{staleCount} node(s) have not synced their rules for minutes',
      reads: ['proxy-sync-failing'],
      test: (c) =>
        c.sync?.facts.staleNodes.length
          ? { signals: [c.sync], slots: { staleCount: count(c.sync.facts.staleNodes.length, c.sync)! } }
          : undefined,
    },
  ],
  against: [],
  severity: (c) =>
    c.sync?.severity === 'critical' || (c.sync?.facts.staleNodes.length ?? 0) >= 3 ? 'critical' : 'warning',
  onset: (c) => c.since,
  blastRadius: (c) => ({ nodes: c.nodes, namespaces: ['kube-system'] }),
  evidence: (c) => [c.sync, c.agent, ...c.skew, ...c.mix].filter((x) => x !== undefined),
  slots: {
    nodeCount: (c) => count(c.nodes.length, [c.sync, c.agent]),
    since: (c) => at(c.since, [c.sync, c.agent]),
    failures: (c) => (c.sync ? said(`${c.sync.facts.failures} failures`, c.sync) : undefined),
    error: (c) =>
      c.sync?.facts.errorText ? said(c.sync.facts.errorText.split('\n')[0].slice(0, 100), c.sync) : undefined,
    stale: (c) =>
      c.sync?.facts.staleNodes.length
        ? said(
            `${c.sync.facts.staleNodes.length} node(s) stopped syncing, so Services whose endpoints changed are unreachable from them`,
            c.sync,
          )
        : undefined,
    skew: (c) =>
      c.skew.length
        ? said(`kube-proxy ${c.skew[0].facts.versions.join(', ')} is outside the skew policy`, c.skew[0])
        : undefined,
    nodeCsv: (c) => said(c.nodes.slice(0, 20).join(','), [c.sync, c.agent]),
    versions: (c) => (c.skew.length ? names(c.skew[0].facts.versions, c.skew[0]) : undefined),
  },
  statement:
    'iptables-restore, run by kube-proxy, exits with errors on {nodeCount} node(s) since {since}[ ({failures})][: {error}][; {stale}][; {skew}].',
  nextSteps: [
    {
      say: 'Read the failure on the nodes',
      command:
        'kubectl -n kube-system logs -l k8s-app=kube-proxy --tail=50 --prefix | grep -A2 iptables-restore',
    },
    {
      say: 'Compare kube-proxy and kubelet versions per node',
      command:
        "kubectl get nodes -o custom-columns=NAME:.metadata.name,KUBELET:.status.nodeInfo.kubeletVersion && kubectl -n kube-system get ds kube-proxy -o jsonpath='{.spec.template.spec.containers[0].image}'",
    },
    {
      say: 'Bring kube-proxy back within the skew policy of the kubelets[ (now {versions})], then restart the affected nodes in sequence',
    },
    {
      say: 'Do not restart the DNS pods: new DNS endpoints never reach the nodes whose rules are stale',
    },
    {
      say: 'Restart the affected nodes in sequence, each back to Ready before the next',
      command: 'kubetriage remediate restart-nodes --nodes {nodeCsv} --max-unavailable 1 --dry-run',
    },
  ],
  runbooks: { 'restart-nodes': (c) => (c.nodes.length ? { nodes: c.nodes.slice(0, 20) } : undefined) },
  lookAlikes: ['cluster-dns', 'service-routing'],
  public: {
    components: ['Service networking'],
    title: 'Service networking degraded',
    cause: 'the service proxy cannot update routing rules on some nodes',
    outage: 'partial',
  },
  prevention: [
    "Alert on kube-proxy's iptables-restore failure counter and last-sync age, from the first failure",
    'Follow the version skew policy: upgrade kube-proxy with (never ahead of or far behind) the kubelet',
  ],
});
