/**
 * How serve (and the live demo) run a runbook approved in the dashboard: the offer applied
 * through its own API client (a drain or a rollout check may outlast a watch poll), in the
 * cluster's time, holding the restart Lease as `<approver>@<this replica> <run>`.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiClient } from '../kube/api-client.ts';
import { applyOffer } from '../respond/apply-offer.ts';
import type { RunbookExecutor } from '../server/runbook-runs.ts';
import { type Clock, realClock } from '../time/clock.ts';

export function remediationExecutor(kc: KubeConfig, clusterClock: Clock, identity: string): RunbookExecutor {
  const api = new ApiClient(kc, { now: () => realClock.now(), requestTimeoutMs: 15_000 });
  return (offer, run, onStep, signal) =>
    applyOffer({
      api,
      clock: clusterClock,
      offer,
      holder: `${run.author}@${identity} ${run.id}`,
      onStep,
      signal,
    });
}
