/**
 * The API server does not answer (Berkeley data100 2019's shape): every probe and every
 * watch fails from where kubetriage runs, while what it last saw of the data plane was
 * running. Nothing self-heals in this state (no controller can act), and restarting nodes
 * cannot help: the nodes are not the problem.
 */
import { asEvidence, confidence, fmtTime, type Hypothesis, list, signalKey } from '../hypothesis.ts';
import type { FailurePattern } from '../pattern.ts';

export const controlPlaneUnreachable: FailurePattern = {
  id: 'control-plane-unreachable',
  title: 'API server unreachable while the data plane keeps running',
  evaluate(idx): Hypothesis | undefined {
    const api = idx.first('api-unreachable');
    if (!api) return undefined;
    const reflectors = list(api.facts.reflectorsFailing);
    const kinds = list(api.facts.errorKinds);
    const nodesWereFine = !idx.first('not-ready-spread');
    return {
      pattern: 'control-plane-unreachable',
      title: this.title,
      statement: `The API server has not answered since ${fmtTime(api.sinceMs)} (${kinds.join(', ') || 'no answer'}); ${reflectors.length ? `${reflectors.length} watches fail too` : 'watches fail too'}. The nodes and pods last seen were running; nothing can be rescheduled or healed until the control plane answers.`,
      confidence: confidence([
        0.6,
        reflectors.length > 0 && 0.15,
        kinds.length > 0 && 0.1,
        nodesWereFine && 0.1,
      ]),
      severity: 'critical',
      clusterLevel: true,
      sinceMs: api.sinceMs,
      supporting: [asEvidence(api)],
      contradicting: [],
      ruledOut: [
        {
          pattern: 'node-network',
          why: nodesWereFine
            ? 'the nodes were Ready at the last successful list; it is the endpoint that stopped answering'
            : 'some nodes were already unhealthy, but losing the API server everywhere is above the nodes',
        },
        {
          pattern: 'control-plane-degraded',
          why: 'the API server does not answer at all, it is not merely slow',
        },
      ],
      blastRadius: {},
      nextSteps: [
        {
          say: 'Confirm from another network that the endpoint is down (not just the path from here)',
          command: "kubectl get --raw='/livez?verbose' --request-timeout=5s",
        },
        {
          say: "Check the provider's status page and open a ticket with the control-plane endpoint and the time it stopped",
        },
        {
          say: 'Do not restart nodes: running pods keep serving, and restarted ones cannot be rescheduled without an API server',
        },
        { say: 'If it lasts, stand up a replacement cluster and move the workloads and storage' },
      ],
      runbooks: [],
      prevention: [
        'Monitor the API server endpoint from outside the cluster and alert within a minute of failure',
      ],
      signals: [signalKey(api)],
    };
  },
};
