/**
 * `GET /api/incidents/:id/runbooks`: the plans of the runbooks the incident's root cause
 * offers, computed from what serve sees (its cluster view), for the dashboard to show
 * before anyone applies anything, with the options that aim each one (what an approval from
 * the dashboard applies). Each plan's `command` is the same run from a terminal; apply reads
 * the cluster afresh, so a plan here is a preview, never a promise.
 */
import { type Incident, rootCauseOf } from '../incident/incident.ts';
import type { KubeObject } from '../kube/observations.ts';
import {
  type BypassFacts,
  type DeploymentObject,
  type EndpointSliceObject,
  endpointsOf,
  planBypass,
  workloadFact,
} from '../respond/bypass-plan.ts';
import {
  nodeFact,
  pdbFact,
  podFact,
  type RawNode,
  type RawPdb,
  type RawPod,
} from '../respond/cluster-reader.ts';
import { nodeFixDefaults, planNodeFix } from '../respond/node-fix-plan.ts';
import type { RunbookOffer } from '../respond/offer.ts';
import { planRestartNodes, type RestartNodesFacts, restartDefaults } from '../respond/restart-nodes-plan.ts';

export type RunbookFacts = RestartNodesFacts & BypassFacts;

/** Facts from the objects serve's view holds (trimmed, so Deployments carry container names only). */
export function runbookFactsFrom(o: {
  nodes: readonly unknown[];
  pods: readonly unknown[];
  pdbs: readonly unknown[];
  deployments: readonly unknown[];
  endpointslices: readonly KubeObject[];
}): RunbookFacts {
  return {
    nodes: (o.nodes as RawNode[]).map(nodeFact),
    pods: (o.pods as RawPod[]).map(podFact),
    pdbs: (o.pdbs as RawPdb[]).map(pdbFact),
    workloads: (o.deployments as DeploymentObject[]).map(workloadFact),
    endpoints: endpointsOf(
      o.endpointslices.filter(
        (s) =>
          s.metadata.namespace === 'default' &&
          s.metadata.labels?.['kubernetes.io/service-name'] === 'kubernetes',
      ) as EndpointSliceObject[],
    ),
  };
}

/** The runbooks the incident's root cause offers, aimed and planned; those it cannot aim yet are left out. */
export function runbookOffersFor(incident: Incident, facts: RunbookFacts): RunbookOffer[] {
  const h = rootCauseOf(incident);
  const offers: RunbookOffer[] = [];
  const args = h.runbookArgs ?? {};
  for (const name of h.runbooks) {
    if (name === 'restart-nodes') {
      const known = new Set(facts.nodes.map((n) => n.name));
      // Records written before runbook arguments aimed at the blast radius.
      const aimed = args['restart-nodes']?.nodes ?? h.blastRadius.nodes ?? [];
      const nodes = aimed.filter((n) => known.has(n));
      const options = { ...restartDefaults, nodes };
      if (nodes.length) offers.push({ runbook: name, options, plan: planRestartNodes(facts, options) });
    } else if (name === 'node-fix') {
      const timer = args['node-fix']?.timer;
      if (timer) {
        const options = { ...nodeFixDefaults, timer };
        offers.push({ runbook: name, options, plan: planNodeFix(facts.nodes, options) });
      }
    } else if (name === 'bypass-service-host') {
      // Deployments already bypassed (by an earlier run, from here or a terminal) are done.
      const done = new Set(facts.workloads.filter((w) => w.bypassed).map((w) => `${w.namespace}/${w.name}`));
      const deployments = (args['bypass-service-host']?.deployments ?? []).filter((d) => !done.has(d));
      const options = { deployments, revert: false };
      if (deployments.length) offers.push({ runbook: name, options, plan: planBypass(facts, options) });
    }
  }
  return offers;
}
