/**
 * Applies an offered runbook with the options it was offered with, the way
 * `kubetriage remediate … --yes` would: each apply reads the cluster afresh, re-plans,
 * refuses or stops on its own safety checks, and reports every step.
 */
import type { ApiClient } from '../kube/api-client.ts';
import type { Clock } from '../time/clock.ts';
import { applyBypass } from './bypass-apply.ts';
import { applyNodeFix } from './node-fix-apply.ts';
import { restarterFor } from './node-restarters.ts';
import { planDigest, type RunbookOffer } from './offer.ts';
import { applyRestartNodes } from './restart-nodes-apply.ts';
import type { StepHandler } from './step-events.ts';

export interface ApplyOfferOptions {
  api: ApiClient;
  clock: Clock;
  offer: RunbookOffer;
  /** Who holds the restart Lease: unique per run. */
  holder: string;
  onStep: StepHandler;
  /** Stops the run between steps (a restart keeps its Lease until it expires, as after a crash). */
  signal?: AbortSignal;
}

export async function applyOffer(o: ApplyOfferOptions): Promise<void> {
  const { api, clock, offer, onStep, signal } = o;
  // What runs is what was offered and approved: the plan's digest, checked after apply re-reads.
  const approvedDigest = planDigest(offer.plan);
  switch (offer.runbook) {
    case 'restart-nodes': {
      const { options } = offer;
      const restarter = restarterFor(options, api);
      await applyRestartNodes({
        api,
        clock,
        holder: o.holder,
        options,
        restarter,
        onStep,
        signal,
        approvedDigest,
      });
      return;
    }
    case 'node-fix':
      await applyNodeFix({ api, clock, options: offer.options, onStep, signal, approvedDigest });
      return;
    case 'bypass-service-host':
      await applyBypass({ api, clock, options: offer.options, onStep, signal, approvedDigest });
      return;
  }
}
