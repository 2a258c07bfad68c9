/**
 * Reads the facts runbooks need straight from the API server (a runbook acts on the
 * cluster as it is now, not on a view that may lag): nodes, pods (all, or one node's),
 * PodDisruptionBudgets, trimmed to plain facts.
 */
import { parseAgentMessage } from '../kube/agent-message.ts';
import { type ApiClient, ApiRequestError } from '../kube/api-client.ts';
import type { LabelSelectorSpec, NodeFact, PdbFact, PodFact } from './facts.ts';

interface Meta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  creationTimestamp?: string;
  ownerReferences?: { kind: string; name: string; controller?: boolean }[];
}
interface Condition {
  type: string;
  status: string;
  message?: string;
}
export interface RawNode {
  metadata: Meta;
  spec?: { unschedulable?: boolean };
  status?: { conditions?: Condition[]; nodeInfo?: { bootID?: string } };
}
export interface RawPod {
  metadata: Meta;
  spec?: { nodeName?: string };
  status?: { phase?: string; conditions?: Condition[] };
}
export interface RawPdb {
  metadata: Meta;
  /** JSON may carry `selector: null`: it selects no pod, as an absent one does. */
  spec?: { selector?: LabelSelectorSpec | null };
  status?: {
    currentHealthy?: number;
    desiredHealthy?: number;
    disruptionsAllowed?: number;
    expectedPods?: number;
  };
}

const isTrue = (conds: Condition[] | undefined, type: string) =>
  conds?.some((c) => c.type === type && c.status === 'True') ?? false;

export function nodeFact(n: RawNode): NodeFact {
  return {
    name: n.metadata.name ?? '',
    ready: isTrue(n.status?.conditions, 'Ready'),
    unschedulable: Boolean(n.spec?.unschedulable),
    labels: n.metadata.labels ?? {},
    ...(n.status?.nodeInfo?.bootID ? { bootId: n.status.nodeInfo.bootID } : {}),
    ...(n.metadata.creationTimestamp ? { createdMs: Date.parse(n.metadata.creationTimestamp) } : {}),
    ...upgradeTimersOf(n.status?.conditions),
  };
}

/** The `timer=` fields of the agent's AutomaticUpgradeScheduled message (docs/node-agent-report.md). */
function upgradeTimersOf(conds: Condition[] | undefined): { upgradeTimers?: string[] } {
  const c = conds?.find((x) => x.type === 'AutomaticUpgradeScheduled');
  if (!c) return {};
  if (c.status !== 'True') return { upgradeTimers: [] };
  const timers = parseAgentMessage(c.message ?? '').groups.map((g) => g.timer);
  return { upgradeTimers: timers.filter((t): t is string => Boolean(t)) };
}

export function podFact(p: RawPod): PodFact {
  const owner = p.metadata.ownerReferences?.find((r) => r.controller) ?? p.metadata.ownerReferences?.[0];
  return {
    namespace: p.metadata.namespace ?? '',
    name: p.metadata.name ?? '',
    ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
    phase: p.status?.phase ?? 'Unknown',
    ready: isTrue(p.status?.conditions, 'Ready'),
    terminating: Boolean(p.metadata.deletionTimestamp),
    labels: p.metadata.labels ?? {},
    ...(owner ? { owner: { kind: owner.kind, name: owner.name } } : {}),
    mirror: 'kubernetes.io/config.mirror' in (p.metadata.annotations ?? {}),
  };
}

export function pdbFact(b: RawPdb): PdbFact {
  return {
    namespace: b.metadata.namespace ?? '',
    name: b.metadata.name ?? '',
    // `{}` is kept as it is: it selects every pod in the namespace.
    ...(b.spec?.selector ? { selector: b.spec.selector } : {}),
    currentHealthy: b.status?.currentHealthy ?? 0,
    desiredHealthy: b.status?.desiredHealthy ?? 0,
    disruptionsAllowed: b.status?.disruptionsAllowed ?? 0,
    expectedPods: b.status?.expectedPods ?? 0,
  };
}

export class ClusterReader {
  private readonly api: ApiClient;

  constructor(api: ApiClient) {
    this.api = api;
  }

  async nodes(): Promise<NodeFact[]> {
    const r = await this.api.getJson<{ items: RawNode[] }>('/api/v1/nodes');
    return r.body.items.map(nodeFact);
  }

  /** The Node, or undefined once it is gone. */
  async node(name: string): Promise<NodeFact | undefined> {
    try {
      return nodeFact((await this.api.getJson<RawNode>(`/api/v1/nodes/${encodeURIComponent(name)}`)).body);
    } catch (err) {
      if (err instanceof ApiRequestError && err.status === 404) return undefined;
      throw err;
    }
  }

  async pods(node?: string): Promise<PodFact[]> {
    const r = await this.api.getJson<{ items: RawPod[] }>(
      '/api/v1/pods',
      node ? { fieldSelector: `spec.nodeName=${node}` } : {},
    );
    return r.body.items.map(podFact);
  }

  async pdbs(): Promise<PdbFact[]> {
    const r = await this.api.getJson<{ items: RawPdb[] }>('/apis/policy/v1/poddisruptionbudgets');
    return r.body.items.map(pdbFact);
  }
}
