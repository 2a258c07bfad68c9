/**
 * The generic workload patterns a real cluster needs so the cluster-level ones are not
 * forced: an app that crash-loops for its own reasons (its pods fail wherever they run,
 * with one reason and exit code: a finding for its owners, not a cluster incident), and a
 * bad rollout (the failures began right after the workload's own change).
 */
import type { Signal } from '../../detect/signal.ts';
import { asEvidence, confidence, fmtTime, type Hypothesis, list, signalKey } from '../hypothesis.ts';
import { nodeTrouble } from '../node-trouble.ts';
import type { FailurePattern } from '../pattern.ts';

const rolloutWindowMs = 30 * 60_000;

function rolloutBefore(loop: Signal, changes: Signal[]): Signal | undefined {
  return changes.find(
    (c) =>
      c.facts.what === 'rollout' &&
      c.subject === loop.subject &&
      c.sinceMs <= loop.sinceMs + 60_000 &&
      c.sinceMs >= loop.sinceMs - rolloutWindowMs,
  );
}

/** Each workload's own trouble, as findings. */
export function workloadFindings(idx: Parameters<FailurePattern['evaluate']>[0]): Hypothesis[] {
  const t = nodeTrouble(idx);
  const changes = idx.of('change');
  // Pods whose logs show they cannot reach the API server fail for the cluster's reasons.
  const apiStarved = new Set(list(idx.first('in-cluster-api-unreachable')?.facts.pods));
  const out: Hypothesis[] = [];
  for (const l of t.loops) {
    const s = l.signal;
    // Pods failing only on troubled nodes are the node pattern's evidence, not an app finding.
    if (l.onAffected > 0 && l.elsewhere === 0) continue;
    const prefix = `${s.facts.namespace}/${s.facts.workloadName}-`;
    if ([...apiStarved].some((p) => p.startsWith(prefix))) continue;
    const rollout = rolloutBefore(s, changes);
    const ns = String(s.facts.namespace);
    const name = String(s.facts.workloadName);
    const kind = String(s.facts.workloadKind);
    const reasons = list(s.facts.reasonCodes);
    if (rollout) {
      out.push({
        pattern: 'bad-rollout',
        title: 'A rollout broke its workload',
        statement: `${kind} ${ns}/${name} started failing (${reasons.join(', ')}) right after its rollout at ${fmtTime(rollout.sinceMs)}.`,
        confidence: confidence([0.6, list(s.facts.exitCodes).length === 1 && 0.1]),
        severity: 'warning',
        clusterLevel: false,
        sinceMs: s.sinceMs,
        supporting: [asEvidence(rollout), asEvidence(s)],
        contradicting: [],
        ruledOut: [{ pattern: 'node-network', why: 'the failures follow the new version, not nodes' }],
        blastRadius: s.scope,
        nextSteps: [
          {
            say: 'Read the new pods’ last words',
            command: `kubectl logs -n ${ns} deploy/${name} --previous --tail=50`,
          },
          { say: 'Roll back', command: `kubectl rollout undo -n ${ns} deployment/${name}` },
        ],
        runbooks: [],
        prevention: ['Gate rollouts on readiness and error rate (progressive delivery)'],
        signals: [signalKey(rollout), signalKey(s)],
      });
      continue;
    }
    out.push({
      pattern: 'app-bug',
      title: 'An application crash-loops for its own reasons',
      statement: `${kind} ${ns}/${name} crash-loops (${reasons.join(', ') || 'restarts'}) on ${list(s.facts.nodes).length} node(s) while other workloads there run: the application's own failure.`,
      confidence: confidence([0.55, list(s.facts.exitCodes).length === 1 && 0.15, l.onAffected === 0 && 0.1]),
      severity: 'info',
      clusterLevel: false,
      sinceMs: s.sinceMs,
      supporting: [asEvidence(s)],
      contradicting: [],
      ruledOut: [{ pattern: 'node-network', why: 'other pods on the same nodes run fine' }],
      blastRadius: s.scope,
      nextSteps: [
        { say: 'Read why it exits', command: `kubectl logs -n ${ns} deploy/${name} --previous --tail=50` },
        { say: 'See its restarts and last state', command: `kubectl describe pods -n ${ns} -l app=${name}` },
      ],
      runbooks: [],
      prevention: ["Route the workload's crash-loop alerts to its owners"],
      signals: [signalKey(s)],
    });
  }
  return out;
}
