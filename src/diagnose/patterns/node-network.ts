/**
 * Node-level network or DNS fault spreading across nodes (AirMap 2018's shape).
 *
 * Required: two or more nodes in trouble (NotReady or flapping), not cordoned.
 * Supporting: nodes flap (a link that comes and goes, not a dead machine); crash loops of
 * several unrelated workloads sitting on those nodes while their pods elsewhere run; lookups
 * or the VIP failing from those nodes only; onsets spread out over time.
 * Against: the API server unreachable for us too (control plane), onsets at the same time
 * of day (a scheduled job), every node at once.
 */
import type { Evidence } from '../../detect/signal.ts';
import {
  asEvidence,
  confidence,
  earliest,
  fmtTime,
  type Hypothesis,
  list,
  num,
  signalKey,
} from '../hypothesis.ts';
import { nodeTrouble } from '../node-trouble.ts';
import type { FailurePattern } from '../pattern.ts';

export const nodeNetwork: FailurePattern = {
  id: 'node-network',
  title: 'Node-level network or DNS fault spreading across nodes',
  evaluate(idx, nowMs): Hypothesis | undefined {
    const t = nodeTrouble(idx);
    if (t.affected.size < 2) return undefined;
    const nodes = [...t.affected].sort();
    const onNodes = t.loops.filter((l) => l.onAffected > 0);
    const system = new Set(['kube-system']);
    const appLoops = onNodes.filter((l) => !system.has(String(l.signal.facts.namespace)));
    const healthyElsewhere = onNodes.filter((l) => l.elsewhere === 0);
    const dnsAgent = idx.agent('ClusterDNSUnhealthy') ?? idx.agent('NodeResolverUnhealthy');
    const dnsNodes = list(dnsAgent?.facts.nodes).filter((n) => t.affected.has(n));
    const spreadOverTime =
      num(t.spread?.facts.onsetSpanMinutes) >= 10 ||
      num(t.spread?.facts.wentNotReady60m) > num(t.spread?.facts.notReadyNow);
    const totalNodes = num(t.spread?.facts.totalNodes);
    const everyNode = totalNodes > 0 && num(t.spread?.facts.notReadyNow) >= totalNodes;
    const api = idx.first('api-unreachable');
    const periodic = idx.first('periodic-onset');
    const rollouts = idx.of('change').filter((c) => c.facts.what === 'rollout');
    const firstOnset = earliest([...t.notReady, ...t.flapping, t.spread], nowMs);
    const rolloutBefore = rollouts.filter(
      (c) => c.sinceMs <= firstOnset && c.sinceMs > firstOnset - 30 * 60_000,
    );

    const supporting: Evidence[] = [
      ...(t.spread ? [asEvidence(t.spread)] : []),
      ...t.flapping.slice(0, 3).map((s) => asEvidence(s)),
      ...t.notReady.slice(0, 3).map((s) => asEvidence(s)),
      ...appLoops
        .slice(0, 4)
        .map((l) =>
          asEvidence(
            l.signal,
            `${l.signal.summary} (on ${l.onAffected} affected node(s), ${l.elsewhere} other)`,
          ),
        ),
      ...(dnsAgent && dnsNodes.length ? [asEvidence(dnsAgent)] : []),
    ];
    const contradicting: Evidence[] = [
      ...(api ? [asEvidence(api, `the API server is unreachable for kubetriage too: ${api.summary}`)] : []),
      ...(periodic
        ? [asEvidence(periodic, `onsets recur at the same time of day: ${periodic.summary}`)]
        : []),
      ...(everyNode && t.spread
        ? [asEvidence(t.spread, 'every node went NotReady at once, which points above the nodes')]
        : []),
      ...rolloutBefore.map((c) => asEvidence(c, `a rollout shortly before the first onset: ${c.summary}`)),
    ];
    const c = confidence([
      0.35,
      t.flapping.length > 0 && 0.15,
      appLoops.length >= 2 && 0.15,
      healthyElsewhere.length >= 1 && 0.05,
      spreadOverTime && 0.1,
      dnsNodes.length > 0 && 0.1,
      rolloutBefore.length === 0 && 0.05,
      api && -0.4,
      periodic && -0.3,
      everyNode && -0.2,
    ]);
    const ruledOut = [
      {
        pattern: 'app-bug',
        why:
          appLoops.length >= 2
            ? `${appLoops.length} unrelated workloads fail, on the same ${nodes.length} nodes; an application bug would follow one app, not nodes`
            : 'the failures follow nodes, not one application',
      },
      {
        pattern: 'bad-rollout',
        why: rolloutBefore.length
          ? `${rolloutBefore.length} rollout(s) preceded the first onset; check them, but they cannot make nodes NotReady`
          : 'no rollout in the 30 minutes before the first onset, and rollouts do not make nodes NotReady',
      },
      {
        pattern: 'cluster-dns',
        why: idx.first('dns-pods-unhealthy')
          ? 'cluster DNS pods are unhealthy too, but only lookups from the affected nodes fail'
          : 'cluster DNS pods are Ready; lookups fail only from pods on the affected nodes',
      },
      {
        pattern: 'kubelet-failure',
        why: `${nodes.length} nodes are affected and their pods fail too; a kubelet restart does not fix the node's network`,
      },
    ];
    return {
      pattern: 'node-network',
      title: this.title,
      statement: `A node-level network/DNS fault affects ${nodes.length} node(s) (${nodes.slice(0, 6).join(', ')}${nodes.length > 6 ? ', …' : ''}) since ${fmtTime(firstOnset)}: they ${t.flapping.length ? 'flip between Ready and NotReady' : 'are NotReady'}${appLoops.length ? ` and ${appLoops.length} workloads crash-loop on them` : ''}; pods on other nodes run.`,
      confidence: c,
      severity: nodes.length >= 2 ? 'critical' : 'warning',
      clusterLevel: true,
      sinceMs: firstOnset,
      supporting,
      contradicting,
      ruledOut,
      blastRadius: {
        nodes,
        namespaces: [...new Set(appLoops.map((l) => String(l.signal.facts.namespace)))].sort(),
        pools: list(t.spread?.facts.pools),
      },
      nextSteps: [
        { say: 'See which nodes flap and since when', command: 'kubectl get nodes -o wide' },
        {
          say: `Look at one affected node's conditions and events`,
          command: `kubectl describe node ${nodes[0]}`,
        },
        {
          say: 'Restart the affected nodes one at a time (cordon, drain with PDBs, reboot, wait Ready, uncordon)',
          command: `kubetriage remediate restart-nodes --nodes ${nodes.join(',')} --max-unavailable 1 --dry-run`,
        },
        { say: 'Watch restarted nodes for recurrence before the next', command: 'kubectl get nodes -w' },
      ],
      runbooks: ['restart-nodes'],
      prevention: [
        'Alert on nodes flapping Ready/NotReady, not only on NotReady lasting 15 minutes',
        'Track the node image/kernel networking bug upstream and roll a fixed image',
      ],
      signals: [
        ...t.notReady,
        ...t.flapping,
        ...appLoops.map((l) => l.signal),
        ...(t.spread ? [t.spread] : []),
      ].map(signalKey),
    };
  },
};
