/**
 * Node failures that start at the same time of day on different days: a nightly job, a
 * daily package-upgrade timer, a maintenance window. Nothing in the cluster changed, so
 * the change detector sees nothing; the clock is the clue.
 *
 * Looks at node onsets over the last 14 days: Ready turning False/Unknown, and the node
 * agent's PackageUpgradeInProgress and PackageUpgradeFailed turning True, from the view's
 * onset memory plus what current nodes still show (a condition's lastTransitionTime, the
 * agent's `lastRun` of the last package upgrade). Other problem conditions are left out:
 * a network check failing at the same hour on two days follows whatever broke the
 * network (an upgrade step resumed at the same hour), and is no schedule. It slides a
 * 90 min window around the UTC clock and counts, per day, the onsets inside it (a window
 * that wraps past midnight counts the small hours with the evening before).
 *
 * A day takes part when its onsets in the window are at least three times what an even
 * spread over the day would put there (so a large cluster's random churn does not count).
 * It fires when two such days each have two or more nodes in the window, or three such
 * days share one node. Days are counted from the window's start, so one outage that runs
 * past midnight is one day, and two days' onsets in one window lie 22.5 h or more apart.
 *
 * Emits `periodic-onset` (subject `cluster`, warning). Facts: days (ISO dates that take
 * part), otherDays (days with onsets in the window that do not), windowStart, windowEnd
 * (HH:MM UTC of the first and last onset in the window), windowMinutes (90), nodes,
 * onsets (count in the window on those days), nodesPerDay (`YYYY-MM-DD=n`), conditions
 * (condition types that began in the window), firstOnset, lastOnset, nextWindowStart
 * (RFC 3339: the next windowStart after now), sharedAttributes, distinguishingAttributes,
 * distinguishingAttributeNames (see node-attributes.ts: what the affected nodes have and
 * the other nodes do not).
 */

import { parseAgentMessage } from '../kube/agent-message.ts';
import type { KubeObject } from '../kube/observations.ts';
import type { ClusterView } from '../observe/cluster-view.ts';
import { onsetDebounceMs } from '../observe/onsets.ts';
import {
  distinguishingAttributes,
  isLeaving,
  type NodeObject,
  nodeAttributes,
  sharedAttributes,
} from './node-attributes.ts';
import { type Detector, type Evidence, type Signal, uniqueSorted } from './signal.ts';
import { clockText, dayMs, isoSeconds, minuteOfDay, timeMs, utcDay } from './timestamps.ts';

export const periodWindowMinutes = 90;
export const periodLookbackMs = 14 * dayMs;
const concentrationFactor = 3;
/** The node going down, and the host changing under it: what a scheduled job shows as. */
const periodicConditions = new Set(['Ready', 'PackageUpgradeInProgress', 'PackageUpgradeFailed']);

interface Onset {
  node: string;
  atMs: number;
  condition: string;
  day: string;
  minute: number;
}

/** Onsets still visible on current nodes: they survive a restart of kubetriage. */
function onsetsOnNodes(nodes: KubeObject[]): { node: string; atMs: number; condition: string }[] {
  const out: { node: string; atMs: number; condition: string }[] = [];
  for (const n of nodes as NodeObject[]) {
    for (const c of n.status?.conditions ?? []) {
      if (!periodicConditions.has(c.type)) continue;
      const at = timeMs(c.lastTransitionTime);
      const problem = c.type === 'Ready' ? c.status !== 'True' : c.status === 'True';
      if (problem && at !== undefined) out.push({ node: n.metadata.name, atMs: at, condition: c.type });
      if (c.type === 'PackageUpgradeInProgress') {
        // The agent keeps the last run's start in the healthy message after the events expire.
        const f = parseAgentMessage(c.message ?? '').fields;
        const run = timeMs(f.lastRun ?? f.started);
        if (run !== undefined) out.push({ node: n.metadata.name, atMs: run, condition: c.type });
      }
    }
  }
  return out;
}

function collectOnsets(view: ClusterView, nodes: KubeObject[], nowMs: number): Onset[] {
  const raw = [...view.onsets.toArray(), ...onsetsOnNodes(nodes)].filter(
    (o) => periodicConditions.has(o.condition) && o.atMs <= nowMs && o.atMs >= nowMs - periodLookbackMs,
  );
  raw.sort((a, b) => a.atMs - b.atMs);
  // The memory and the node often tell of the same onset; keep one per debounce period.
  const last = new Map<string, number>();
  const out: Onset[] = [];
  for (const o of raw) {
    const key = `${o.node}\n${o.condition}`;
    const prev = last.get(key);
    if (prev !== undefined && o.atMs - prev < onsetDebounceMs) continue;
    last.set(key, o.atMs);
    out.push({
      node: o.node,
      atMs: o.atMs,
      condition: o.condition,
      day: utcDay(o.atMs),
      minute: minuteOfDay(o.atMs),
    });
  }
  return out;
}

interface WindowState {
  count: Map<string, number>;
  nodes: Map<string, Map<string, number>>;
}

function addTo(s: WindowState, o: Onset, delta: 1 | -1): void {
  s.count.set(o.day, (s.count.get(o.day) ?? 0) + delta);
  const nodes = s.nodes.get(o.day) ?? new Map<string, number>();
  const n = (nodes.get(o.node) ?? 0) + delta;
  if (n > 0) nodes.set(o.node, n);
  else nodes.delete(o.node);
  s.nodes.set(o.day, nodes);
}

interface Verdict {
  days: string[];
  entries: Onset[];
  score: number[];
}

/** Whether the onsets in one window make a recurrence, and how strong. */
function judge(entries: Onset[], dayTotals: Map<string, number>): Verdict | undefined {
  const byDay = new Map<string, Onset[]>();
  for (const e of entries) {
    const list = byDay.get(e.day) ?? [];
    list.push(e);
    byDay.set(e.day, list);
  }
  const taking: string[] = [];
  const multi: string[] = [];
  for (const [day, list] of byDay) {
    const expected = ((dayTotals.get(day) ?? 0) * periodWindowMinutes) / 1440;
    if (list.length < concentrationFactor * expected) continue;
    taking.push(day);
    if (new Set(list.map((e) => e.node)).size >= 2) multi.push(day);
  }
  let ok = multi.length >= 2;
  if (!ok && taking.length >= 3) {
    const daysOf = new Map<string, Set<string>>();
    for (const d of taking)
      for (const e of byDay.get(d)!) daysOf.set(e.node, (daysOf.get(e.node) ?? new Set()).add(d));
    ok = [...daysOf.values()].some((ds) => ds.size >= 3);
  }
  if (!ok) return undefined;
  const days = taking.sort();
  const inDays = entries.filter((e) => days.includes(e.day));
  return { days, entries, score: [multi.length, taking.length, inDays.length] };
}

function better(a: number[], b: number[] | undefined): boolean {
  if (!b) return true;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}

/** The best recurring window: slide 90 min over the clock, wrapping past midnight. */
function bestWindow(onsets: Onset[]): Verdict | undefined {
  const dayTotals = new Map<string, number>();
  for (const o of onsets) dayTotals.set(o.day, (dayTotals.get(o.day) ?? 0) + 1);
  const sorted = [...onsets].sort((a, b) => a.minute - b.minute || a.atMs - b.atMs);
  // The second lap of the clock: a window from 23:40 holds 00:10 of the next date, which
  // belongs to the night that began the day before.
  const ext = [
    ...sorted,
    ...sorted.map((o) => ({ ...o, minute: o.minute + 1440, day: utcDay(o.atMs - dayMs) })),
  ];
  const state: WindowState = { count: new Map(), nodes: new Map() };
  let best: Verdict | undefined;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (j < ext.length && ext[j].minute <= ext[i].minute + periodWindowMinutes) addTo(state, ext[j++], 1);
    // Cheap bound first: only windows that could beat the best are judged in full.
    let multi = 0;
    let taking = 0;
    for (const [day, n] of state.count) {
      if (n <= 0 || n < (concentrationFactor * (dayTotals.get(day) ?? 0) * periodWindowMinutes) / 1440)
        continue;
      taking++;
      if ((state.nodes.get(day)?.size ?? 0) >= 2) multi++;
    }
    if ((multi >= 2 || taking >= 3) && better([multi, taking, j - i], best?.score)) {
      const v = judge(ext.slice(i, j), dayTotals);
      if (v && better(v.score, best?.score)) best = v;
    }
    addTo(state, ext[i], -1);
  }
  return best;
}

export const periodicOnset: Detector = (view, nowMs) => {
  const nodes = view.list('nodes').filter((n) => !isLeaving(n));
  const best = bestWindow(collectOnsets(view, nodes, nowMs));
  if (!best) return [];
  const taking = best.entries.filter((e) => best.days.includes(e.day));
  const otherDays = uniqueSorted(best.entries.filter((e) => !best.days.includes(e.day)).map((e) => e.day));
  const names = uniqueSorted(best.entries.map((e) => e.node));
  const minutes = taking.map((e) => e.minute);
  const startMinute = Math.min(...minutes) % 1440;
  const endMinute = Math.max(...minutes) % 1440;
  const times = taking.map((e) => e.atMs);
  let next = Math.floor(nowMs / dayMs) * dayMs + startMinute * 60_000;
  if (next <= nowMs) next += dayMs;

  const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
  const affected = names
    .map((n) => byName.get(n))
    .filter((n): n is KubeObject => !!n)
    .map(nodeAttributes);
  const distinguishing = distinguishingAttributes(affected, nodes.map(nodeAttributes));
  const perDay = best.days.map(
    (d) => `${d}=${new Set(taking.filter((e) => e.day === d).map((e) => e.node)).size}`,
  );
  const window = `${clockText(startMinute)}–${clockText(endMinute)} UTC`;
  const signal: Signal = {
    detector: 'periodic-onset',
    kind: 'periodic-onset',
    subject: 'cluster',
    severity: 'warning',
    sinceMs: Math.min(...times),
    summary:
      `node problems began ${window} on ${best.days.length} days (${best.days.join(', ')}) on ${names.length} node(s)` +
      `${distinguishing.entries.length ? `, all ${distinguishing.entries[0]}` : ''}; next window from ${isoSeconds(next)}` +
      '; look for scheduled jobs on these nodes (systemctl list-timers)',
    scope: { nodes: names, pools: uniqueSorted(affected.map((a) => a.pool ?? '').filter(Boolean)) },
    facts: {
      days: best.days,
      otherDays,
      windowStart: clockText(startMinute),
      windowEnd: clockText(endMinute),
      windowMinutes: periodWindowMinutes,
      nodes: names,
      onsets: taking.length,
      nodesPerDay: perDay,
      conditions: uniqueSorted(best.entries.map((e) => e.condition)),
      firstOnset: isoSeconds(Math.min(...times)),
      lastOnset: isoSeconds(Math.max(...times)),
      nextWindowStart: isoSeconds(next),
      sharedAttributes: sharedAttributes(affected),
      distinguishingAttributes: distinguishing.entries,
      distinguishingAttributeNames: distinguishing.names,
    },
    evidence: best.days.map((d): Evidence => {
      const list = taking.filter((e) => e.day === d).sort((a, b) => a.atMs - b.atMs);
      return {
        source: 'transition',
        ref: `node/${list[0].node}`,
        atMs: list[0].atMs,
        text: `${d}: ${list.length} onset(s) on ${uniqueSorted(list.map((e) => e.node)).join(', ')} from ${clockText(list[0].minute)} UTC (${uniqueSorted(list.map((e) => e.condition)).join(', ')})`,
      };
    }),
  };
  return [signal];
};
