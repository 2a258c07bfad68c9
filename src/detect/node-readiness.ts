/**
 * Node readiness: which nodes are not Ready now, which flip between Ready and not, and how
 * a wave of NotReady nodes spreads (how many, since when, how fast, and what the nodes
 * have in common). Reads the Ready condition off Node objects and its recent changes off
 * the view's transitions; never rescans history per node.
 *
 * Emits:
 * - `node-not-ready` per node (subject `node/<n>`). Facts: status (False|Unknown), reason,
 *   message, notReadySeconds, unschedulable, clusterNotReady (nodes NotReady now), and the
 *   node's attributes: pool, nodeImage, kubeletVersion, osImage, kernelVersion,
 *   containerRuntimeVersion, zone ('' when unknown); causes (the message read by
 *   ready-causes.ts: pleg-unhealthy, runtime-down, cni-not-initialized…) and
 *   plegLastActiveSeconds when the message names the PLEG's last relist.
 * - `node-flapping` per node (subject `node/<n>`, warning) when Ready changed to or from
 *   True at least 3 times in 30 min. Facts: flips, windowMinutes, status (now), reasons
 *   (the Ready reasons seen), firstFlip (RFC 3339); causes, what the NotReady spells' messages
 *   gave (ready-causes.ts: pleg-unhealthy, kubelet-stopped-posting…), when the flips were
 *   watched (a node's Events say only that it changed, not why).
 * - `not-ready-spread` (subject `cluster`) when 2 or more nodes are NotReady now or went
 *   NotReady in the last hour. Facts: notReadyNow, totalNodes, notReadyFraction (0..1),
 *   wentNotReady30m, wentNotReady60m (distinct nodes whose Ready turned False/Unknown in
 *   that window), recoveredNow (of those, Ready again), firstOnset (RFC 3339),
 *   onsetSpanMinutes (first to last onset in the hour), nodesPerHour (onsets in the hour
 *   per hour since the first of them), pools, poolCounts (`pool=affected/total`),
 *   kubeletVersions, sharedAttributes (`name=value` all affected nodes have),
 *   distinguishingAttributes (`name=v1|v2` only affected nodes have, see
 *   node-attributes.ts), distinguishingAttributeNames.
 *
 * Severity of `node-not-ready` and `not-ready-spread`: critical when 2 or more nodes, or
 * 20 % of nodes, are NotReady now (one node down is routine; two at once rarely is),
 * else warning.
 */
import type { KubeObject } from '../kube/observations.ts';
import { nodeReadyKind } from '../observe/transition-log.ts';
import type { Transition } from '../observe/transitions.ts';
import { eventEvidence } from './event-records.ts';
import {
  conditionOf,
  distinguishingAttributes,
  isLeaving,
  type NodeAttributes,
  nodeAttributes,
  sharedAttributes,
} from './node-attributes.ts';
import { type ReadyCause, readyCauses } from './ready-causes.ts';
import { type ReadyEvents, readyEvents } from './ready-events.ts';
import { type Detector, type Evidence, type Signal, uniqueSorted } from './signal.ts';
import type { NodeAttributeFacts } from './signal-kinds.ts';
import { durationText, isoSeconds, timeMs } from './timestamps.ts';

/** Three flips in 30 min: more than one bad spell and its recovery, so not a single reboot. */
export const flapWindowMs = 30 * 60_000;
export const flapThreshold = 3;
/** How far back a wave of NotReady nodes is counted. */
export const spreadWindowMs = 60 * 60_000;
const spreadShortWindowMs = 30 * 60_000;

interface ReadyHistory {
  flips: Transition[];
  /** Earliest onset (Ready turning False/Unknown) within the spread window. */
  firstOnsetMs?: number;
  lastOnsetMs?: number;
}

function onsetTime(t: Transition): number {
  return timeMs(t.detail?.lastTransitionTime) ?? t.atMs;
}

/** One pass over the transitions: Ready flips and onsets of the last hour, per node. */
function readyHistory(transitions: Transition[], nowMs: number): Map<string, ReadyHistory> {
  const out = new Map<string, ReadyHistory>();
  const from = nowMs - spreadWindowMs;
  for (const t of transitions) {
    if (t.resource !== 'nodes' || t.field !== 'condition/Ready' || t.atMs < from || t.atMs > nowMs) continue;
    let h = out.get(t.key);
    if (!h) {
      h = { flips: [] };
      out.set(t.key, h);
    }
    const wasReady = t.from === 'True';
    const isReady = t.to === 'True';
    if (t.from !== undefined && wasReady !== isReady && t.atMs >= nowMs - flapWindowMs) h.flips.push(t);
    if (!isReady && (wasReady || t.from === undefined)) {
      const at = onsetTime(t);
      if (at >= from) {
        h.firstOnsetMs = Math.min(h.firstOnsetMs ?? at, at);
        h.lastOnsetMs = Math.max(h.lastOnsetMs ?? at, at);
      }
    }
  }
  return out;
}

interface NotReadyNode {
  node: KubeObject;
  status: 'False' | 'Unknown';
  reason: string;
  message: string;
  sinceMs: number;
}

export const nodeReadiness: Detector = (view, nowMs) => {
  const nodes = view.list('nodes').filter((n) => !isLeaving(n));
  const history = readyHistory(view.transitions.of(nodeReadyKind), nowMs);
  const notReady: NotReadyNode[] = [];
  for (const n of nodes) {
    const ready = conditionOf(n, 'Ready');
    if (!ready || ready.status === 'True') continue;
    const status = ready.status === 'False' ? 'False' : 'Unknown';
    const first = history.get(n.metadata.name)?.firstOnsetMs;
    notReady.push({
      node: n,
      status,
      reason: ready.reason ?? '',
      message: ready.message ?? '',
      sinceMs: timeMs(ready.lastTransitionTime) ?? first ?? nowMs,
    });
  }
  const critical = notReady.length >= 2 || (nodes.length > 0 && notReady.length / nodes.length >= 0.2);
  const out: Signal[] = notReady.map((x) => notReadySignal(x, nowMs, critical, notReady.length));
  out.push(...flappingSignals(nodes, history, readyEvents(view, nowMs, flapWindowMs)));
  const spread = spreadSignal(
    nodes,
    notReady,
    history,
    readyEvents(view, nowMs, spreadWindowMs),
    nowMs,
    critical,
  );
  if (spread) out.push(spread);
  return out;
};

function attributeFacts(a: NodeAttributes): NodeAttributeFacts {
  return {
    pool: a.pool ?? '',
    nodeImage: a.nodeImage ?? '',
    kubeletVersion: a.kubeletVersion ?? '',
    osImage: a.osImage ?? '',
    kernelVersion: a.kernelVersion ?? '',
    containerRuntimeVersion: a.containerRuntimeVersion ?? '',
    zone: a.zone ?? '',
  };
}

function notReadySignal(x: NotReadyNode, nowMs: number, critical: boolean, clusterNotReady: number): Signal {
  const name = x.node.metadata.name;
  const attrs = nodeAttributes(x.node);
  const forMs = nowMs - x.sinceMs;
  return {
    detector: 'node-readiness',
    kind: 'node-not-ready',
    subject: `node/${name}`,
    severity: critical ? 'critical' : 'warning',
    sinceMs: x.sinceMs,
    summary: `node ${name} is not Ready (${x.status}${x.reason ? `, ${x.reason}` : ''}) for ${durationText(forMs)}; see kubectl describe node ${name}`,
    scope: { nodes: [name], pools: attrs.pool ? [attrs.pool] : [] },
    facts: {
      status: x.status,
      reason: x.reason,
      message: x.message,
      notReadySeconds: Math.max(0, Math.floor(forMs / 1000)),
      unschedulable: Boolean((x.node.spec as { unschedulable?: boolean } | undefined)?.unschedulable),
      clusterNotReady,
      ...attributeFacts(attrs),
      ...readyCauses(x.reason, x.message),
    },
    evidence: [
      {
        source: 'object',
        ref: `node/${name}`,
        atMs: x.sinceMs,
        text: `Ready=${x.status} reason=${x.reason} since ${isoSeconds(x.sinceMs)}: ${x.message}`,
        raw: {
          kind: 'field',
          path: 'status.conditions[Ready]',
          value: `${x.status}/${x.reason}/${x.message}`,
        },
      },
    ],
  };
}

function flappingSignals(
  nodes: KubeObject[],
  history: Map<string, ReadyHistory>,
  events: Map<string, ReadyEvents>,
): Signal[] {
  const out: Signal[] = [];
  for (const n of nodes) {
    const name = n.metadata.name;
    const flips = history.get(name)?.flips ?? [];
    const told = events.get(name);
    const status = conditionOf(n, 'Ready')?.status ?? 'Unknown';
    if (flips.length < flapThreshold) {
      // Not watched long enough to see it: the node's Events may still tell it.
      if (told && told.flips >= flapThreshold) out.push(flappingFromEvents(name, status, told));
      continue;
    }
    out.push({
      detector: 'node-readiness',
      kind: 'node-flapping',
      subject: `node/${name}`,
      severity: 'warning',
      sinceMs: flips[0].atMs,
      summary: `node ${name} changed Ready ${flips.length} times in ${flapWindowMs / 60_000}m (now ${status}); check kubectl describe node ${name} and the kubelet's log`,
      scope: { nodes: [name] },
      facts: {
        flips: flips.length,
        windowMinutes: flapWindowMs / 60_000,
        status,
        reasons: uniqueSorted(flips.map((t) => t.detail?.reason ?? '').filter(Boolean)),
        firstFlip: isoSeconds(flips[0].atMs),
        causes: spellCauses(flips),
      },
      evidence: flips.slice(-5).map(
        (t): Evidence => ({
          source: 'transition',
          ref: `node/${name}`,
          atMs: t.atMs,
          text: `Ready ${t.from}→${t.to}${t.detail?.reason ? ` (${t.detail.reason})` : ''}`,
        }),
      ),
    });
  }
  return out;
}

/**
 * Why the node fell each time, in the words the Ready condition carried: a kubelet that posts
 * NotReady itself names its cause (PLEG, the runtime), a node the lifecycle controller marks
 * Unknown stopped posting at all. Those differ in what failed, so the flap keeps them.
 */
function spellCauses(flips: Transition[]): ReadyCause[] {
  const falls = flips.filter((t) => t.to !== 'True');
  const causes = falls.flatMap((t) => readyCauses(t.detail?.reason ?? '', t.detail?.message ?? '').causes);
  return [...new Set(causes.filter((c) => c !== 'ready'))].sort();
}

function flappingFromEvents(name: string, status: string, told: ReadyEvents): Signal {
  return {
    detector: 'node-readiness',
    kind: 'node-flapping',
    subject: `node/${name}`,
    severity: 'warning',
    sinceMs: told.firstMs,
    summary: `node ${name} changed Ready at least ${told.flips} times in ${flapWindowMs / 60_000}m by its Events (now ${status}); check kubectl describe node ${name} and the kubelet's log`,
    scope: { nodes: [name] },
    facts: {
      flips: told.flips,
      windowMinutes: flapWindowMs / 60_000,
      status,
      reasons: uniqueSorted(told.records.map((r) => r.reason)),
      firstFlip: isoSeconds(told.firstMs),
    },
    evidence: told.records.slice(0, 5).map(eventEvidence),
  };
}

function spreadSignal(
  nodes: KubeObject[],
  notReady: NotReadyNode[],
  history: Map<string, ReadyHistory>,
  events: Map<string, ReadyEvents>,
  nowMs: number,
  critical: boolean,
): Signal | undefined {
  const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
  const onsets = new Map<string, number>();
  for (const [name, h] of history)
    if (h.firstOnsetMs !== undefined && byName.has(name)) onsets.set(name, h.firstOnsetMs);
  // Onsets we did not watch (a fresh start, a forgotten ring) still show in the nodes' Events.
  for (const [name, told] of events)
    if (told.firstNotReadyMs !== undefined && byName.has(name) && !onsets.has(name))
      onsets.set(name, told.firstNotReadyMs);
  // Onsets whose transitions the ring has already forgotten still show on the node.
  for (const x of notReady)
    if (x.sinceMs >= nowMs - spreadWindowMs && !onsets.has(x.node.metadata.name))
      onsets.set(x.node.metadata.name, x.sinceMs);
  const affectedNames = new Set([...notReady.map((x) => x.node.metadata.name), ...onsets.keys()]);
  const affected = [...affectedNames].map((n) => byName.get(n)).filter((n): n is KubeObject => !!n);
  if (affected.length < 2) return undefined;

  const onsetTimes = [...onsets.values()];
  const notReadyNames = new Set(notReady.map((x) => x.node.metadata.name));
  const firstOnset = onsetTimes.length
    ? Math.min(...onsetTimes)
    : Math.min(...notReady.map((x) => x.sinceMs));
  const lastOnset = onsetTimes.length ? Math.max(...onsetTimes) : firstOnset;
  const went30 = onsetTimes.filter((t) => t >= nowMs - spreadShortWindowMs).length;
  const sinceFirstMs = Math.max(nowMs - firstOnset, 10 * 60_000);

  const allAttrs = nodes.map(nodeAttributes);
  const affectedAttrs = affected.map(nodeAttributes);
  const poolTotals = new Map<string, number>();
  for (const a of allAttrs) if (a.pool) poolTotals.set(a.pool, (poolTotals.get(a.pool) ?? 0) + 1);
  const poolAffected = new Map<string, number>();
  for (const a of affectedAttrs) if (a.pool) poolAffected.set(a.pool, (poolAffected.get(a.pool) ?? 0) + 1);
  const distinguishing = distinguishingAttributes(affectedAttrs, allAttrs);
  const names = affected.map((n) => n.metadata.name).sort();
  const pools = uniqueSorted(poolAffected.keys());
  return {
    detector: 'node-readiness',
    kind: 'not-ready-spread',
    subject: 'cluster',
    severity: critical ? 'critical' : 'warning',
    sinceMs: firstOnset,
    summary:
      `${notReady.length} of ${nodes.length} nodes NotReady now, ${onsets.size} went NotReady in the last hour` +
      (pools.length ? ` (pools ${pools.join(', ')})` : '') +
      `; see kubectl get nodes -o wide`,
    scope: { nodes: names, pools },
    facts: {
      notReadyNow: notReady.length,
      totalNodes: nodes.length,
      notReadyFraction: nodes.length ? round(notReady.length / nodes.length) : 0,
      wentNotReady30m: went30,
      wentNotReady60m: onsets.size,
      recoveredNow: [...onsets.keys()].filter((n) => !notReadyNames.has(n)).length,
      firstOnset: isoSeconds(firstOnset),
      onsetSpanMinutes: Math.round((lastOnset - firstOnset) / 60_000),
      nodesPerHour: round((onsets.size * 3_600_000) / sinceFirstMs),
      pools,
      poolCounts: pools.map((p) => `${p}=${poolAffected.get(p)}/${poolTotals.get(p)}`),
      kubeletVersions: uniqueSorted(affectedAttrs.map((a) => a.kubeletVersion ?? '').filter(Boolean)),
      sharedAttributes: sharedAttributes(affectedAttrs),
      distinguishingAttributes: distinguishing.entries,
      distinguishingAttributeNames: distinguishing.names,
    },
    evidence: affected
      .map((n) => ({ n, at: onsets.get(n.metadata.name) ?? firstOnset }))
      .sort((a, b) => a.at - b.at)
      .slice(0, 8)
      .map(
        ({ n, at }): Evidence => ({
          source: 'object',
          ref: `node/${n.metadata.name}`,
          atMs: at,
          text: `Ready=${conditionOf(n, 'Ready')?.status ?? 'Unknown'} since ${isoSeconds(at)}`,
        }),
      ),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
