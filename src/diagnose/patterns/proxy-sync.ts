/**
 * kube-proxy cannot program its rules (CircleCI 2023's shape): iptables-restore fails on
 * some nodes, the last successful sync stops moving, and Services whose endpoints changed
 * since go nowhere from there, while every pod looks healthy. A version skew between
 * kube-proxy and the kubelet, or a rolled-back kube-proxy, is the usual reason. DNS is not
 * the cause: restarting CoreDNS gives it endpoints the stale nodes never learn.
 */
import { asEvidence, confidence, fmtTime, type Hypothesis, list, num, signalKey } from '../hypothesis.ts';
import type { FailurePattern } from '../pattern.ts';

export const proxySync: FailurePattern = {
  id: 'service-proxy-sync-failure',
  title: 'kube-proxy cannot sync its rules',
  evaluate(idx): Hypothesis | undefined {
    const sync = idx.first('proxy-sync-failing');
    const agent = idx.agent('IptablesRestoreFailing');
    if (!sync && !agent) return undefined;
    const nodes = [...new Set([...list(sync?.facts.nodes), ...list(agent?.facts.nodes)])].sort();
    const stale = list(sync?.facts.staleNodes);
    const skew = idx
      .of('version-skew')
      .filter((s) => String(s.facts.component).includes('proxy') || String(s.facts.rule).includes('proxy'));
    const mix = idx.of('version-mix').filter((s) => String(s.facts.component).includes('proxy'));
    const rollback = [...skew, ...mix].some((s) => s.facts.rollback === true);
    const since = Math.min(
      sync?.sinceMs ?? Number.POSITIVE_INFINITY,
      agent?.sinceMs ?? Number.POSITIVE_INFINITY,
    );
    const outage = sync?.severity === 'critical' || stale.length >= 3;
    const supporting = [
      ...(sync ? [asEvidence(sync)] : []),
      ...(agent ? [asEvidence(agent)] : []),
      ...skew.map((s) => asEvidence(s)),
      ...mix.map((s) => asEvidence(s)),
    ];
    return {
      pattern: 'service-proxy-sync-failure',
      title: this.title,
      statement: `kube-proxy's iptables-restore fails on ${nodes.length} node(s) since ${fmtTime(since)} (${num(sync?.facts.failures) || 'several'} failures${sync?.facts.errorText ? `: ${String(sync.facts.errorText).slice(0, 80)}` : ''})${stale.length ? `; ${stale.length} node(s) stopped syncing, so Services whose endpoints changed are unreachable from them` : ''}${skew.length || rollback ? ', coinciding with a kube-proxy version skew from the upgrade' : ''}.`,
      confidence: confidence([
        0.5,
        agent && 0.1,
        skew.length > 0 && 0.15,
        rollback && 0.1,
        stale.length > 0 && 0.1,
      ]),
      severity: outage ? 'critical' : 'warning',
      clusterLevel: true,
      sinceMs: since,
      supporting,
      contradicting: [],
      ruledOut: [
        {
          pattern: 'cluster-dns',
          why: 'DNS is not the cause; do not restart CoreDNS or node-local-dns: new DNS endpoints never reach nodes whose rules are stale, and DNS then fails everywhere',
        },
        {
          pattern: 'service-routing',
          why: 'the rules are stale because restores fail, which kube-proxy logs and counts',
        },
      ],
      blastRadius: { nodes, namespaces: ['kube-system'] },
      nextSteps: [
        {
          say: 'Read the failure on one node',
          command: `kubectl -n kube-system logs -l k8s-app=kube-proxy --tail=50 --prefix | grep -A2 'Failed to execute iptables-restore'`,
        },
        {
          say: 'Compare kube-proxy and kubelet versions per node',
          command:
            "kubectl get nodes -o custom-columns=NAME:.metadata.name,KUBELET:.status.nodeInfo.kubeletVersion && kubectl -n kube-system get ds kube-proxy -o jsonpath='{.spec.template.spec.containers[0].image}'",
        },
        { say: 'Align kube-proxy with the kubelet version, then restart affected nodes one at a time' },
        {
          say: 'Staggered restart of the affected nodes',
          command: `kubetriage remediate restart-nodes --nodes ${nodes.slice(0, 20).join(',')} --max-unavailable 1 --dry-run`,
        },
      ],
      runbooks: ['restart-nodes'],
      prevention: [
        "Alert on kube-proxy's iptables-restore failure counter and last-sync age, from the first failure",
        'Follow the version skew policy: upgrade kube-proxy with (never ahead of or far behind) the kubelet',
      ],
      signals: [sync, agent, ...skew, ...mix].filter((s) => s !== undefined).map(signalKey),
    };
  },
};
