/** The API server answers, but slowly or with errors: a saturated or failing control plane. */
import { asEvidence, confidence, fmtTime, type Hypothesis, list, signalKey } from '../hypothesis.ts';
import type { FailurePattern } from '../pattern.ts';

export const controlPlaneDegraded: FailurePattern = {
  id: 'control-plane-degraded',
  title: 'API server slow or failing requests',
  evaluate(idx): Hypothesis | undefined {
    const d = idx.first('api-degraded');
    if (!d || idx.first('api-unreachable')) return undefined;
    return {
      pattern: 'control-plane-degraded',
      title: this.title,
      statement: `The API server answers slowly or with errors since ${fmtTime(d.sinceMs)} (median ${d.facts.p50Ms} ms, ${list(d.facts.statuses).join(', ') || 'no error statuses'}).`,
      confidence: confidence([0.55, list(d.facts.statuses).length > 0 && 0.15]),
      severity: 'warning',
      clusterLevel: true,
      sinceMs: d.sinceMs,
      supporting: [asEvidence(d)],
      contradicting: [],
      ruledOut: [{ pattern: 'control-plane-unreachable', why: 'it still answers' }],
      blastRadius: {},
      nextSteps: [
        { say: 'Look at the API server health checks', command: "kubectl get --raw='/readyz?verbose'" },
        {
          say: 'Find heavy clients (list storms, many watches)',
          command: 'kubectl get --raw /metrics | grep apiserver_request_total',
        },
      ],
      runbooks: [],
      prevention: [
        'Alert on API server latency and 5xx rate, and set API priority and fairness for batch clients',
      ],
      signals: [signalKey(d)],
    };
  },
};
