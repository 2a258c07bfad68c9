/**
 * Each node's node-agent condition of one type (`docs/node-agent-report.md`) with its
 * message fields (parsed by agent-message.ts) and its staleness: the shape the component
 * detectors need when they read one or two types node by node.
 */

import { parseAgentMessage } from '../kube/agent-message.ts';
import type { KubeObject } from '../kube/observations.ts';
import { agentStaleMs } from './node-agent.ts';
import type { NodeObject } from './node-attributes.ts';
import { timeMs } from './timestamps.ts';

/** Two 5 min heartbeats plus a minute (report format §1): past this a False proves nothing. */

export interface AgentCondition {
  node: string;
  type: string;
  status: string;
  reason: string;
  message: string;
  fields: Record<string, string>;
  heartbeatMs?: number;
  transitionMs?: number;
  /** lastHeartbeatTime older than 11 min, or absent. A stale True was true at its heartbeat. */
  stale: boolean;
}

/** The logfmt fields after the first `; ` (the summary is for people, never parsed). */
export function agentFields(message: string): Record<string, string> {
  return parseAgentMessage(message).fields;
}

/** Every node's condition of `type` as the agent wrote it; nodes without one are left out. */
export function agentConditions(nodes: readonly KubeObject[], type: string, nowMs: number): AgentCondition[] {
  const out: AgentCondition[] = [];
  for (const n of nodes) {
    const c = (n as KubeObject & NodeObject).status?.conditions?.find((x) => x.type === type);
    if (!c) continue;
    const heartbeatMs = timeMs(c.lastHeartbeatTime);
    out.push({
      node: n.metadata.name,
      type,
      status: c.status,
      reason: c.reason ?? '',
      message: c.message ?? '',
      fields: agentFields(c.message ?? ''),
      heartbeatMs,
      transitionMs: timeMs(c.lastTransitionTime),
      stale: heartbeatMs === undefined || nowMs - heartbeatMs > agentStaleMs,
    });
  }
  return out;
}

/** When the current streak began: the `since` field, else the transition time. */
export function agentSinceMs(c: AgentCondition): number | undefined {
  return timeMs(c.fields['since']) ?? c.transitionMs;
}

/**
 * The condition message inside an agent event, which NPD-style events quote:
 * `Node condition <T> is now: <S>, reason: <R>, message: "<JSON-escaped message>"`.
 */
export function eventConditionMessage(eventMessage: string): string | undefined {
  const at = eventMessage.indexOf('message: "');
  if (at < 0) return undefined;
  const quoted = eventMessage.slice(at + 9);
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return undefined;
  }
}
