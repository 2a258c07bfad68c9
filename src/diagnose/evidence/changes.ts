/**
 * What changed before it broke: the `change` signals of the day before an onset, each
 * scored by how well its scope fits the blast radius (the same nodes, the same
 * namespaces), and whether it was fleet-wide (the control plane, a system DaemonSet, a
 * new DaemonSet on most nodes, or node versions on most nodes). Ordinary application rollouts elsewhere are background
 * churn and are left out unless they touch the blast radius.
 */
import type { Scope, SignalOf } from '../../detect/signal.ts';
import type { ChangeNote } from '../hypothesis.ts';
import { type SignalQuery, signalKey } from '../query.ts';

/** A change the day before can break things the next morning (an upgrade step resumed). */
export const changeLookbackMs = 24 * 3_600_000;
/** A change this soon after the first sign still counts: detection lags the cause. */
const afterOnsetSlackMs = 60_000;

export type ChangeSignal = SignalOf<'change'>;

/** Whether a change touched the whole fleet rather than a few objects. */
export function fleetWide(c: ChangeSignal): boolean {
  const f = c.facts;
  if (f.what === 'control-plane-version') return true;
  if (f.what === 'daemonset-image') return f.systemComponent || f.component !== '';
  // A new per-node agent lands on (nearly) every node at once.
  if (f.what === 'daemonset-created') return f.clusterNodes > 0 && f.count * 2 >= f.clusterNodes;
  if (f.what.startsWith('node-') && f.what !== 'node-removed')
    return f.count >= 2 && f.clusterNodes > 0 && f.count * 2 >= f.clusterNodes;
  return false;
}

/** 0..1: how much of the blast radius the change touched. */
export function scopeMatch(c: ChangeSignal, blast: Scope): number {
  const nodes = blast.nodes ?? [];
  const touched = new Set(c.facts.nodes);
  const nodeShare =
    nodes.length && touched.size ? nodes.filter((n) => touched.has(n)).length / nodes.length : 0;
  const ns = c.facts.namespace && (blast.namespaces ?? []).includes(c.facts.namespace) ? 1 : 0;
  const workload = c.facts.workload && (blast.workloads ?? []).includes(c.facts.workload) ? 1 : 0;
  return Math.max(nodeShare, ns, workload, fleetWide(c) ? 0.5 : 0);
}

export function changeAtMs(c: ChangeSignal): number {
  const at = Date.parse(c.facts.at);
  return Number.isFinite(at) ? at : c.sinceMs;
}

/** Changes in the day before `onsetMs`, best fitting first, then nearest the onset. */
export function changesBefore(q: SignalQuery, onsetMs: number, blast: Scope, max = 5): ChangeNote[] {
  return q
    .of('change')
    .map((c) => ({ c, atMs: changeAtMs(c), match: scopeMatch(c, blast) }))
    .filter(
      ({ atMs, match }) =>
        atMs <= onsetMs + afterOnsetSlackMs && atMs >= onsetMs - changeLookbackMs && match > 0,
    )
    .sort((a, b) => b.match - a.match || b.atMs - a.atMs)
    .slice(0, max)
    .map(({ c, atMs, match }) => ({
      signal: signalKey(c),
      atMs,
      text: c.summary,
      scopeMatch: Math.round(match * 100) / 100,
      fleetWide: fleetWide(c),
    }));
}
