/**
 * The node-level picture several patterns share, computed once per round: which nodes are
 * in trouble (NotReady, flapping, or silent past two lease renewals), leaving out nodes an
 * operator has cordoned (planned maintenance is not an outage), and which workloads
 * crash-loop on those nodes versus elsewhere.
 */
import type { SignalOf } from '../../detect/signal.ts';
import type { SignalQuery } from '../query.ts';

export interface LoopPlacement {
  signal: SignalOf<'crash-loop'>;
  onAffected: number;
  elsewhere: number;
}

export interface NodeTrouble {
  /** Nodes NotReady now, flapping, or silent, not cordoned. */
  affected: Set<string>;
  notReady: SignalOf<'node-not-ready'>[];
  flapping: SignalOf<'node-flapping'>[];
  silent: SignalOf<'node-heartbeat-lag'>[];
  spread: SignalOf<'not-ready-spread'> | undefined;
  /** Crash-looping workloads, with how many of their nodes are affected. */
  loops: LoopPlacement[];
}

export const nodeName = (subject: string): string => subject.replace(/^node\//, '');

export function nodeTrouble(q: SignalQuery): NodeTrouble {
  return q.derive('node-trouble', () => {
    const notReady = q.of('node-not-ready').filter((s) => !s.facts.unschedulable);
    const flapping = q.of('node-flapping');
    // A lease that stopped renewing is the earliest sign, 25 s in, before the controller's 50 s.
    const silent = q.of('node-heartbeat-lag').filter((s) => !s.facts.unschedulable);
    const affected = new Set([...notReady, ...flapping, ...silent].map((s) => nodeName(s.subject)));
    const loops = q.of('crash-loop').map((signal) => {
      const onAffected = signal.facts.nodes.filter((n) => affected.has(n)).length;
      return { signal, onAffected, elsewhere: signal.facts.nodes.length - onAffected };
    });
    return { affected, notReady, flapping, silent, spread: q.first('not-ready-spread'), loops };
  });
}

/** The earliest `sinceMs` of some signals, or `fallback`. */
export function earliest(signals: readonly ({ sinceMs: number } | undefined)[], fallback: number): number {
  const times = signals.filter((s) => s !== undefined).map((s) => s!.sinceMs);
  return times.length ? Math.min(...times) : fallback;
}
