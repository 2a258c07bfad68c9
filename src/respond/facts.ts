/**
 * The plain facts runbook plans are computed from: nodes, pods and PodDisruptionBudgets
 * trimmed to what a plan reads, plus label selectors as Kubernetes evaluates them. The
 * CLI reads them from the API (cluster-reader.ts); serve builds them from its view.
 */

export interface NodeFact {
  name: string;
  ready: boolean;
  unschedulable: boolean;
  labels: Record<string, string>;
  /** status.nodeInfo.bootID: changes on every boot, so a reboot can be told from a blip. */
  bootId?: string;
  /** metadata.creationTimestamp: a replacement machine's Node is newer than the restart. */
  createdMs?: number;
  /**
   * Enabled upgrade timers as kubetriage's node agent reports them (its
   * AutomaticUpgradeScheduled condition); undefined when no agent reports on this node.
   */
  upgradeTimers?: string[];
}

export interface PodFact {
  namespace: string;
  name: string;
  node?: string;
  phase: string;
  ready: boolean;
  terminating: boolean;
  labels: Record<string, string>;
  /** The controller that owns it (`DaemonSet`, `ReplicaSet`, …). */
  owner?: { kind: string; name: string };
  /** A static pod's mirror: the API cannot evict it. */
  mirror: boolean;
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface PdbFact {
  namespace: string;
  name: string;
  /**
   * policy/v1: an empty selector (`{}`) selects every pod in the budget's namespace; a
   * null or absent one selects none (undefined here).
   */
  selector?: LabelSelectorSpec;
  currentHealthy: number;
  desiredHealthy: number;
  disruptionsAllowed: number;
  expectedPods: number;
}

export const isControlPlane = (n: NodeFact): boolean =>
  'node-role.kubernetes.io/control-plane' in n.labels || 'node-role.kubernetes.io/master' in n.labels;

/** Pods a drain evicts: not DaemonSet pods (they come back at once), not mirrors, not finished. */
export function evictable(p: PodFact): boolean {
  return (
    p.owner?.kind !== 'DaemonSet' &&
    !p.mirror &&
    !p.terminating &&
    p.phase !== 'Succeeded' &&
    p.phase !== 'Failed'
  );
}

/**
 * A metav1.LabelSelector as LabelSelectorAsSelector evaluates it: every requirement holds,
 * so an empty selector matches everything. (A null selector, which matches nothing, is the
 * caller's to tell apart: it has no spec to pass here.)
 */
export function selectorMatches(sel: LabelSelectorSpec, labels: Record<string, string>): boolean {
  const ml = Object.entries(sel.matchLabels ?? {});
  const me = sel.matchExpressions ?? [];
  return ml.every(([k, v]) => labels[k] === v) && me.every((e) => requirementHolds(e, labels));
}

function requirementHolds(
  e: { key: string; operator: string; values?: string[] },
  labels: Record<string, string>,
): boolean {
  const has = e.key in labels;
  const v = labels[e.key];
  switch (e.operator) {
    case 'In':
      return has && (e.values ?? []).includes(v);
    case 'NotIn':
      return !has || !(e.values ?? []).includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}

export class SelectorSyntaxError extends Error {}

/**
 * A `-l`-style selector string (`a=b,c!=d,e in (x,y),f notin (z),g,!h`) as a selector spec,
 * so `--selector` means what it means to kubectl.
 */
export function parseSelector(text: string): LabelSelectorSpec {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: NonNullable<LabelSelectorSpec['matchExpressions']> = [];
  // Split on commas outside parentheses.
  const terms: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(cur);
      cur = '';
    } else cur += ch;
  }
  terms.push(cur);
  for (const raw of terms.map((t) => t.trim()).filter(Boolean)) {
    let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(raw);
    if (m) {
      matchExpressions.push({
        key: m[1],
        operator: m[2] === 'in' ? 'In' : 'NotIn',
        values: m[3].split(',').map((v) => v.trim()),
      });
      continue;
    }
    m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(raw);
    if (m) {
      if (m[2] === '!=') matchExpressions.push({ key: m[1], operator: 'NotIn', values: [m[3]] });
      else matchLabels[m[1]] = m[3];
      continue;
    }
    m = /^(!?)([\w./-]+)$/.exec(raw);
    if (m) {
      matchExpressions.push({ key: m[2], operator: m[1] ? 'DoesNotExist' : 'Exists' });
      continue;
    }
    throw new SelectorSyntaxError(`cannot read the selector term "${raw}"`);
  }
  if (!Object.keys(matchLabels).length && !matchExpressions.length)
    throw new SelectorSyntaxError('the selector is empty');
  return { matchLabels, matchExpressions };
}

/**
 * The PodDisruptionBudget that guards a pod (the eviction API allows at most one): one in
 * its namespace whose selector is set and matches it; `{}` guards every pod there.
 */
export function budgetOf(pod: PodFact, pdbs: readonly PdbFact[]): PdbFact | undefined {
  return pdbs.find(
    (b) =>
      b.namespace === pod.namespace && b.selector !== undefined && selectorMatches(b.selector, pod.labels),
  );
}
