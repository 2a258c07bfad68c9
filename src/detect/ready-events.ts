/**
 * A node's recent Ready history as its Events tell it, for when we were not watching: the
 * kubelet records `NodeReady` / `NodeNotReady` ("Node n status is now: NodeReady") each
 * time its Ready condition changes, and the node lifecycle controller records
 * `NodeNotReady` when it marks a silent node Unknown (kubernetes.md §3). Events live an
 * hour by default (`--event-ttl`), so a one-shot read still sees the flapping of the last
 * half hour that transitions only show to a feed that watched it happen.
 *
 * Events are aggregated (count, first and last seen), so flips are counted conservatively:
 * a record first seen before the window counts once, and NotReady records from the kubelet
 * and the controller about the same fall are not added up (the larger count is taken).
 */
import type { ClusterView } from '../observe/cluster-view.ts';
import type { EventRecord } from '../observe/event-ledger.ts';
import { recentEvents } from './event-records.ts';

export interface ReadyEvents {
  /** Ready changes the Events account for in the window (never more than they prove). */
  flips: number;
  /** When the first of them happened. */
  firstMs: number;
  /** Earliest NotReady in the window (an onset), if any. */
  firstNotReadyMs?: number;
  records: EventRecord[];
}

/** Occurrences of a record inside [fromMs, …]: all of them if it started inside, else one. */
const inWindow = (r: EventRecord, fromMs: number) => (r.firstMs >= fromMs ? r.count : 1);

export function readyEvents(view: ClusterView, nowMs: number, windowMs: number): Map<string, ReadyEvents> {
  const fromMs = nowMs - windowMs;
  const byNode = new Map<string, EventRecord[]>();
  for (const r of recentEvents(view, 'node-lifecycle', nowMs, windowMs)) {
    if (r.kind !== 'Node' || (r.reason !== 'NodeReady' && r.reason !== 'NodeNotReady')) continue;
    byNode.set(r.name, [...(byNode.get(r.name) ?? []), r]);
  }
  const out = new Map<string, ReadyEvents>();
  for (const [node, records] of byNode) {
    const ready = records.filter((r) => r.reason === 'NodeReady');
    const notReady = records.filter((r) => r.reason === 'NodeNotReady');
    const readyCount = ready.reduce((s, r) => s + inWindow(r, fromMs), 0);
    const notReadyCount = Math.max(0, ...notReady.map((r) => inWindow(r, fromMs)));
    // Each recovery follows a fall; a fall with no recovery after it is the state now.
    const flips = readyCount + Math.min(notReadyCount, readyCount + 1);
    const starts = records.map((r) => Math.max(r.firstMs, fromMs));
    const falls = notReady.map((r) => Math.max(r.firstMs, fromMs));
    out.set(node, {
      flips,
      firstMs: Math.min(...starts),
      ...(falls.length ? { firstNotReadyMs: Math.min(...falls) } : {}),
      records,
    });
  }
  return out;
}
