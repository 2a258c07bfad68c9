/**
 * `GET /api/incidents/:id/runbooks`: the plans of the runbooks the incident's root cause
 * offers, computed from what serve sees (its cluster view), for the dashboard to show
 * before anyone applies anything. Each plan's `command` is what applies it; apply reads
 * the cluster afresh, so a plan here is a preview, never a promise.
 */
import { type Incident, rootCauseOf } from '../incident/incident.ts';
import { planBypass, type WorkloadFact } from '../respond/bypass-plan.ts';
import { nodeFact, pdbFact, podFact } from '../respond/cluster-reader.ts';
import type { NodeFact, PdbFact, PodFact } from '../respond/facts.ts';
import { nodeFixDefaults, planNodeFix } from '../respond/node-fix-plan.ts';
import type { RunbookPlan } from '../respond/plan.ts';
import { planRestartNodes, restartDefaults } from '../respond/restart-nodes-plan.ts';

export interface RunbookFacts {
  nodes: NodeFact[];
  pods: PodFact[];
  pdbs: PdbFact[];
  workloads: WorkloadFact[];
  /** The kubernetes service's endpoints, `ip:port`. */
  endpoints: string[];
}

interface RawObject {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { template?: { spec?: { containers?: { name: string }[] } } };
  endpoints?: { addresses?: string[] }[];
  ports?: { port?: number }[];
}

/** Facts from the objects serve's view holds (trimmed, so Deployments carry container names only). */
export function runbookFactsFrom(o: {
  nodes: readonly unknown[];
  pods: readonly unknown[];
  pdbs: readonly unknown[];
  deployments: readonly unknown[];
  endpointslices: readonly unknown[];
}): RunbookFacts {
  const raw = (xs: readonly unknown[]) => xs as RawObject[];
  return {
    nodes: raw(o.nodes).map((n) => nodeFact(n as Parameters<typeof nodeFact>[0])),
    pods: raw(o.pods).map((p) => podFact(p as Parameters<typeof podFact>[0])),
    pdbs: raw(o.pdbs).map((b) => pdbFact(b as Parameters<typeof pdbFact>[0])),
    workloads: raw(o.deployments).map((d) => ({
      namespace: d.metadata?.namespace ?? '',
      name: d.metadata?.name ?? '',
      containers: d.spec?.template?.spec?.containers ?? [],
    })),
    endpoints: raw(o.endpointslices)
      .filter(
        (s) =>
          s.metadata?.namespace === 'default' &&
          s.metadata.labels?.['kubernetes.io/service-name'] === 'kubernetes',
      )
      .flatMap((s) =>
        (s.endpoints ?? []).flatMap((e) =>
          (e.addresses ?? []).map((a) => `${a}:${s.ports?.[0]?.port ?? 443}`),
        ),
      ),
  };
}

/** The plans for what the incident's root cause offers; runbooks it cannot aim yet are left out. */
export function runbookPlansFor(incident: Incident, facts: RunbookFacts): RunbookPlan[] {
  const h = rootCauseOf(incident);
  const plans: RunbookPlan[] = [];
  for (const name of h.runbooks) {
    if (name === 'restart-nodes') {
      const known = new Set(facts.nodes.map((n) => n.name));
      const nodes = (h.blastRadius.nodes ?? []).filter((n) => known.has(n));
      if (nodes.length) plans.push(planRestartNodes(facts, { ...restartDefaults, nodes }));
    } else if (name === 'node-fix') {
      const timer = h.nextSteps
        .map((s) => /disable-timer\s+([\w@.:-]+\.timer)/.exec(s.command ?? '')?.[1])
        .find((t) => t !== undefined);
      if (timer) plans.push(planNodeFix(facts.nodes, { ...nodeFixDefaults, timer }));
    } else if (name === 'bypass-service-host') {
      const deployments = (h.blastRadius.workloads ?? []).flatMap((w) => {
        const [ns, kind, n] = w.split('/');
        return kind === 'Deployment' && n ? [`${ns}/${n}`] : [];
      });
      if (deployments.length) plans.push(planBypass(facts, { deployments, revert: false }));
    }
  }
  return plans;
}
