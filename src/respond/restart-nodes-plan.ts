/**
 * The staggered node restart, planned: which nodes, in which order and batches, and for
 * each one cordon → drain through the eviction API (PodDisruptionBudgets decide) →
 * restart (a provider hook, or deleting the Node so its pool replaces the machine) →
 * wait Ready → wait for its pods → uncordon. Nodes already NotReady go first: they are
 * out anyway, so restarting them costs no capacity. Pure: the same facts give the same
 * plan, which is what `--dry-run` prints and what apply performs.
 */
import {
  budgetOf,
  evictable,
  isControlPlane,
  type NodeFact,
  type PdbFact,
  type PodFact,
  parseSelector,
  selectorMatches,
} from './facts.ts';
import { numbered, type PlanStep, type RunbookPlan, shellWord } from './plan.ts';

export type RestartMechanism = 'replace' | 'command';

export interface RestartNodesOptions {
  /** A label selector for the nodes (`--selector`), or… */
  selector?: string;
  /** …the nodes by name (`--nodes`). */
  nodes?: string[];
  /** How many nodes may be out (cordoned, draining, restarting) at once. */
  maxUnavailable: number;
  /** `replace`: delete the Node and let its pool bring a new machine; `command`: run the hook. */
  mechanism: RestartMechanism;
  /** The provider hook, `{node}` replaced by the node's name (mechanism `command`). */
  restartCommand?: string;
  /** Start even when too much of the cluster is already down. */
  force: boolean;
  /** Refuse to start when more than this share of nodes is NotReady (default 50). */
  maxDownPercent: number;
  drainTimeoutMs: number;
  readyTimeoutMs: number;
  podsTimeoutMs: number;
  /** Delete pods whose budget still blocks them after the drain timeout (never by default). */
  forceDrain: boolean;
}

export const restartDefaults = {
  maxUnavailable: 1,
  mechanism: 'replace',
  force: false,
  maxDownPercent: 50,
  drainTimeoutMs: 10 * 60_000,
  readyTimeoutMs: 15 * 60_000,
  podsTimeoutMs: 10 * 60_000,
  forceDrain: false,
} as const satisfies Partial<RestartNodesOptions>;

export interface RestartNodesFacts {
  nodes: readonly NodeFact[];
  pods: readonly PodFact[];
  pdbs: readonly PdbFact[];
}

/** The run's Lease: one per cluster, so two restarts never overlap. */
export const restartLease = { namespace: 'kube-system', name: 'kubetriage-restart-nodes' } as const;

/** The nodes the options name, NotReady ones first, then by name. */
export function restartTargets(
  nodes: readonly NodeFact[],
  o: Pick<RestartNodesOptions, 'selector' | 'nodes'>,
): NodeFact[] {
  const sel = o.selector ? parseSelector(o.selector) : undefined;
  const named = o.nodes ? new Set(o.nodes) : undefined;
  return nodes
    .filter((n) => (!sel || selectorMatches(sel, n.labels)) && (!named || named.has(n.name)))
    .sort((a, b) => Number(a.ready) - Number(b.ready) || a.name.localeCompare(b.name));
}

/** Batches of `maxUnavailable`, in target order. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += Math.max(1, size)) out.push(items.slice(i, i + Math.max(1, size)));
  return out;
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)}m`;

export function restartCommandLine(o: RestartNodesOptions): string {
  const parts = ['kubetriage', 'remediate', 'restart-nodes'];
  if (o.selector) parts.push('--selector', shellWord(o.selector));
  if (o.nodes) parts.push('--nodes', shellWord(o.nodes.join(',')));
  parts.push('--max-unavailable', String(o.maxUnavailable));
  if (o.mechanism === 'command' && o.restartCommand)
    parts.push('--restart-command', shellWord(o.restartCommand));
  if (o.force) parts.push('--force');
  if (o.forceDrain) parts.push('--force-drain');
  return parts.join(' ');
}

export function planRestartNodes(facts: RestartNodesFacts, o: RestartNodesOptions): RunbookPlan {
  const targets = restartTargets(facts.nodes, o);
  const warnings: string[] = [];
  const steps: Omit<PlanStep, 'n'>[] = [];
  const lease = `lease/${restartLease.namespace}/${restartLease.name}`;
  steps.push({
    action: 'lock',
    target: lease,
    detail: 'take the restart Lease (refuse if another run holds it; resume its progress if it crashed)',
  });
  const down = facts.nodes.filter((n) => !n.ready);
  const downPct = facts.nodes.length ? (100 * down.length) / facts.nodes.length : 0;
  steps.push({
    action: 'check',
    target: 'cluster',
    detail: `${down.length}/${facts.nodes.length} nodes NotReady (refuse above ${o.maxDownPercent}% without --force)`,
  });

  let refusal: string | undefined;
  if (o.nodes) {
    const known = new Set(facts.nodes.map((n) => n.name));
    const missing = o.nodes.filter((n) => !known.has(n));
    if (missing.length) warnings.push(`no such node: ${missing.join(', ')} (left out)`);
  }
  if (!targets.length)
    refusal = `no node matches ${o.selector ? `--selector ${o.selector}` : `--nodes ${o.nodes?.join(',') ?? ''}`}; check with: kubectl get nodes --show-labels`;
  else if (downPct > o.maxDownPercent && !o.force)
    refusal = `${down.length} of ${facts.nodes.length} nodes are already NotReady (${Math.round(downPct)}% > ${o.maxDownPercent}%): restarting more could take the cluster down; look at why (kubectl get nodes), or pass --force`;

  const cp = targets.filter(isControlPlane);
  if (cp.length)
    warnings.push(
      `${cp.length} control-plane node(s) among the targets: ${cp.map((n) => n.name).join(', ')}`,
    );
  if (o.mechanism === 'replace')
    warnings.push(
      'each node is deleted and its pool (managed node group, autoscaler, auto-repair) must bring a replacement; without one, use --restart-command',
    );

  // What each drain meets: budgets that allow no disruption now, pods nothing will recreate.
  const blocked = new Map<string, { pdb: PdbFact; nodes: Set<string> }>();
  for (const n of targets) {
    for (const p of facts.pods.filter((p) => p.node === n.name && evictable(p))) {
      if (!p.owner)
        warnings.push(
          `pod ${p.namespace}/${p.name} on ${n.name} has no controller: evicting it deletes it for good`,
        );
      const b = budgetOf(p, facts.pdbs);
      if (b && b.disruptionsAllowed <= 0 && p.ready) {
        const key = `${b.namespace}/${b.name}`;
        const entry = blocked.get(key) ?? { pdb: b, nodes: new Set<string>() };
        entry.nodes.add(n.name);
        blocked.set(key, entry);
      }
    }
  }
  for (const [key, { pdb, nodes }] of blocked)
    warnings.push(
      `PodDisruptionBudget ${key} allows no disruption now (${pdb.currentHealthy} healthy, needs ${pdb.desiredHealthy}): draining ${[...nodes].join(', ')} waits for it (up to ${minutes(o.drainTimeoutMs)}), then ${o.forceDrain ? 'deletes the blocked pods (--force-drain)' : 'stops'}`,
    );

  const groups = batches(targets, o.maxUnavailable);
  groups.forEach((group, bi) => {
    const tag = groups.length > 1 && o.maxUnavailable > 1 ? ` (batch ${bi + 1}/${groups.length})` : '';
    for (const n of group) {
      const node = `node/${n.name}`;
      const onIt = facts.pods.filter((p) => p.node === n.name && evictable(p));
      steps.push({ action: 'cordon', target: node, detail: `mark ${n.name} unschedulable${tag}` });
      steps.push({
        action: 'drain',
        target: node,
        detail: `evict ${onIt.length} pod(s) through the eviction API, honouring PodDisruptionBudgets (retry every 5s, up to ${minutes(o.drainTimeoutMs)}); DaemonSet pods stay`,
      });
      steps.push({
        action: 'restart',
        target: node,
        detail:
          o.mechanism === 'command'
            ? `run the restart hook: ${(o.restartCommand ?? '').replaceAll('{node}', n.name)}`
            : `delete Node ${n.name}; its pool replaces the machine`,
      });
      steps.push({
        action: 'wait-ready',
        target: node,
        detail:
          o.mechanism === 'command'
            ? `wait until ${n.name} has booted again (new boot id) and is Ready (up to ${minutes(o.readyTimeoutMs)}); stop if not`
            : `wait until a replacement node joins and is Ready (up to ${minutes(o.readyTimeoutMs)}); stop if none`,
      });
      steps.push({
        action: 'wait-pods',
        target: node,
        detail: `wait until the pods on it are Ready (up to ${minutes(o.podsTimeoutMs)}) and no node already done has gone NotReady; stop on regression`,
      });
      if (o.mechanism === 'command')
        steps.push({ action: 'uncordon', target: node, detail: `mark ${n.name} schedulable again` });
    }
  });
  steps.push({ action: 'unlock', target: lease, detail: 'release the Lease with the run summary' });

  return {
    runbook: 'restart-nodes',
    title: `Staggered restart of ${targets.length} node(s), ${o.maxUnavailable} at a time`,
    command: restartCommandLine(o),
    targets: targets.map((n) => n.name),
    steps: numbered(steps),
    warnings,
    ...(refusal ? { refusal } : {}),
  };
}
