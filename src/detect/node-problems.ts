/**
 * Node conditions beyond the kubelet's own: whatever node-problem-detector (KernelDeadlock,
 * ReadonlyFilesystem, FrequentKubeletRestart, FrequentContainerdRestart, CorruptDockerOverlay2…)
 * or another node daemon sets, and NetworkUnavailable (set by the cloud route controller or
 * the CNI when the node's pod network is not configured). Any condition type that is not
 * the kubelet's (Ready and the pressure conditions) nor kubetriage's agent's counts when it
 * is True: its writer decided it is a problem, and new types need no code here.
 *
 * Emits one `node-problem` per condition type True on some node (subject
 * `condition/<type>`). Critical on 2 or more nodes that are 20 % of the cluster or more (the
 * same spread rule as NotReady nodes), else warning. Facts: see NodeProblemFacts.
 */
import { agentConditionTypes } from '../kube/node-agent-conditions.ts';
import { isLeaving, type NodeCondition, type NodeObject } from './node-attributes.ts';
import type { Detector, Evidence, Signal } from './signal.ts';
import { uniqueSorted } from './signal.ts';
import { isoSeconds, timeMs } from './timestamps.ts';

const kubeletTypes = new Set(['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure', 'OutOfDisk']);
const agentTypes = new Set<string>(agentConditionTypes);

export function isProblemCondition(c: NodeCondition): boolean {
  return c.status === 'True' && !kubeletTypes.has(c.type) && !agentTypes.has(c.type);
}

export const nodeProblems: Detector = (view, nowMs) => {
  const nodes = (view.list('nodes') as NodeObject[]).filter((n) => !isLeaving(n));
  const byType = new Map<string, { node: string; c: NodeCondition }[]>();
  for (const n of nodes)
    for (const c of n.status?.conditions ?? []) {
      if (!isProblemCondition(c)) continue;
      const list = byType.get(c.type) ?? [];
      list.push({ node: n.metadata.name, c });
      byType.set(c.type, list);
    }
  const out: Signal[] = [];
  for (const [type, list] of [...byType].sort((a, b) => a[0].localeCompare(b[0]))) {
    const names = uniqueSorted(list.map((x) => x.node));
    const since = list.map((x) => timeMs(x.c.lastTransitionTime)).filter((t): t is number => t !== undefined);
    const firstMs = since.length ? Math.min(...since) : nowMs;
    const fraction = nodes.length ? Math.round((names.length / nodes.length) * 1000) / 1000 : 0;
    out.push({
      detector: 'node-problems',
      kind: 'node-problem',
      subject: `condition/${type}`,
      severity: names.length >= 2 && fraction >= 0.2 ? 'critical' : 'warning',
      sinceMs: firstMs,
      summary:
        `${type} on ${names.length} node(s) (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}): ${list[0].c.reason ?? ''} ${list[0].c.message ?? ''}`.trim() +
        `; see kubectl describe node ${names[0]}`,
      scope: { nodes: names },
      facts: {
        type,
        nodes: names,
        count: names.length,
        fraction,
        reasons: uniqueSorted(list.map((x) => x.c.reason ?? '').filter(Boolean)),
        messages: uniqueSorted(list.map((x) => (x.c.message ?? '').slice(0, 300)).filter(Boolean)).slice(
          0,
          3,
        ),
        firstSince: isoSeconds(firstMs),
      },
      evidence: list.slice(0, 5).map(
        ({ node, c }): Evidence => ({
          source: 'object',
          ref: `node/${node}`,
          atMs: timeMs(c.lastTransitionTime),
          text: `${c.type}=True (${c.reason ?? ''}): ${c.message ?? ''}`.slice(0, 300),
          raw: {
            kind: 'field',
            path: `status.conditions[${c.type}]`,
            value: `${c.status}/${c.reason ?? ''}/${c.message ?? ''}`,
          },
        }),
      ),
    });
  }
  return out;
};
