/**
 * What the three node-resource patterns (memory, disk, PIDs) share: the case (nodes short of
 * the resource, and which of them stopped reporting), the requirement, the clause that the
 * starved kubelet took its node down, the clause that trouble elsewhere has no shortage,
 * and the slots. Each pattern file adds the evidence particular to its resource.
 */
import { hitOn } from '../evidence/clauses.ts';
import { type PressureCase, type PressureResource, pressureOn } from '../evidence/pressure.ts';
import type { Clause } from '../pattern.ts';
import type { SignalQuery } from '../query.ts';
import { at, count, names, said } from '../slots.ts';

export function pressureCases(resource: PressureResource) {
  return (q: SignalQuery): PressureCase[] => [pressureOn(q, resource)];
}

export function shortOn(resource: PressureResource): Clause<PressureCase> {
  return {
    id: `${resource}-short-on-nodes`,
    weight: 0,
    reason: `nodes short of ${resource === 'pid' ? 'process IDs' : resource} (a pressure condition, evictions${resource === 'memory' ? ', the OOM killer' : resource === 'disk' ? ', failing image GC or pulls out of space' : ''})`,
    reads: ['node-pressure'],
    test: (c) => hitOn(c.signals),
  };
}

export function starvedNodesDown(weight: number): Clause<PressureCase> {
  return {
    id: 'starved-nodes-down',
    weight,
    reason: '{downCount} of the short nodes stopped reporting or went NotReady',
    reads: ['node-not-ready', 'node-heartbeat-lag', 'node-flapping'],
    test: (c) =>
      c.down.length
        ? { signals: c.downSignals, slots: { downCount: count(c.down.length, c.downSignals)! } }
        : undefined,
  };
}

export function troubleWithoutShortage(weight: number): Clause<PressureCase> {
  return {
    id: 'trouble-without-shortage',
    weight,
    reason: '{otherCount} other node(s) in trouble show no shortage',
    reads: ['node-not-ready', 'node-heartbeat-lag', 'node-flapping', 'node-pressure'],
    test: (c, q) => {
      if (c.troubleElsewhere.length === 0 || c.troubleElsewhere.length < c.down.length) return undefined;
      const others = q
        .of('node-not-ready')
        .filter((s) => c.troubleElsewhere.includes(s.subject.replace(/^node\//, '')));
      return others.length
        ? { signals: others, slots: { otherCount: count(c.troubleElsewhere.length, others)! } }
        : undefined;
    },
  };
}

export function evictingFor(
  resource: PressureResource,
  weight: number,
  names_: readonly string[],
): Clause<PressureCase> {
  return {
    id: `evicting-for-${resource}`,
    weight,
    reason: 'the kubelet evicted {evictions} pod(s) to reclaim it',
    reads: ['node-pressure'],
    test: (c) => {
      const s = c.signals.filter(
        (x) => x.facts.evictions > 0 && x.facts.evictedResources.some((r) => names_.includes(r)),
      );
      const n = s.reduce((a, x) => a + x.facts.evictions, 0);
      return s.length ? { signals: s, slots: { evictions: count(n, s)! } } : undefined;
    },
  };
}

export const pressureSlots = {
  nodeCount: (c: PressureCase) => count(c.nodes.length, c.signals),
  nodes: (c: PressureCase) => names(c.nodes, c.signals),
  firstNode: (c: PressureCase) => said(c.nodes[0], c.signals),
  onset: (c: PressureCase) => at(c.onset, c.signals),
  down: (c: PressureCase) =>
    c.down.length ? said(`${c.down.length} of them stopped reporting`, c.downSignals) : undefined,
  downCsv: (c: PressureCase) => said(c.down.join(','), c.downSignals),
  consumers: (c: PressureCase) => names(c.consumers, c.signals, 4),
  evictions: (c: PressureCase) => {
    const n = c.signals.reduce((a, x) => a + x.facts.evictions, 0);
    return n ? said(`the kubelet evicted ${n} pod(s)`, c.signals) : undefined;
  },
};

export function pressureBlast(c: PressureCase) {
  return {
    nodes: c.nodes,
    namespaces: [...new Set(c.signals.flatMap((s) => s.facts.evictedNamespaces))].sort(),
  };
}
