/**
 * One node down: its kubelet stopped reporting or it says NotReady, and no other node
 * follows. Common and routine (a crashed machine, a full disk, a stuck kubelet); the
 * node lifecycle controller moves its pods after the toleration. Not cordoned ones: those
 * are being maintained.
 */
import { asEvidence, confidence, fmtTime, type Hypothesis, num, signalKey } from '../hypothesis.ts';
import { nodeTrouble } from '../node-trouble.ts';
import type { FailurePattern } from '../pattern.ts';

export const singleNode: FailurePattern = {
  id: 'kubelet-failure',
  title: 'A single node stopped reporting or is NotReady',
  evaluate(idx): Hypothesis | undefined {
    const t = nodeTrouble(idx);
    if (t.affected.size !== 1) return undefined;
    const [node] = [...t.affected];
    const sig = t.notReady.find((s) => s.subject === `node/${node}`) ?? t.flapping[0];
    if (!sig) return undefined;
    // Give a node a minute: a kubelet restart or a slow status update is not an outage.
    if (sig.kind === 'node-not-ready' && num(sig.facts.notReadySeconds) < 60) return undefined;
    const lag = idx.of('node-heartbeat-lag').find((s) => s.subject === `node/${node}`);
    const loopsHere = t.loops.filter((l) => l.onAffected > 0);
    return {
      pattern: 'kubelet-failure',
      title: this.title,
      statement: `Node ${node} is ${sig.facts.status === 'Unknown' ? 'not reporting (Unknown)' : 'NotReady'} since ${fmtTime(sig.sinceMs)}${sig.facts.reason ? ` (${sig.facts.reason})` : ''}; no other node is affected.`,
      confidence: confidence([0.5, lag && 0.1, t.flapping.length && 0.05, loopsHere.length > 0 && 0.05]),
      severity: 'warning',
      clusterLevel: true,
      sinceMs: sig.sinceMs,
      supporting: [asEvidence(sig), ...(lag ? [asEvidence(lag)] : [])],
      contradicting: [],
      ruledOut: [{ pattern: 'node-network', why: 'only one node is affected, with no spread to others' }],
      blastRadius: { nodes: [node] },
      nextSteps: [
        { say: 'Read its conditions and recent events', command: `kubectl describe node ${node}` },
        {
          say: 'See what ran there',
          command: `kubectl get pods -A -o wide --field-selector spec.nodeName=${node}`,
        },
        {
          say: 'Restart (or replace) it safely',
          command: `kubetriage remediate restart-nodes --nodes ${node} --dry-run`,
        },
      ],
      runbooks: ['restart-nodes'],
      prevention: ['Alert on a node NotReady for more than a few minutes, with its pods listed'],
      signals: [sig, ...(lag ? [lag] : [])].map(signalKey),
    };
  },
};
