/**
 * The node-level picture several patterns share: which nodes are in trouble (NotReady or
 * flapping), leaving out nodes an operator has cordoned (planned maintenance is not an
 * outage), and which workloads crash-loop on those nodes versus elsewhere.
 */
import type { Signal } from '../detect/signal.ts';
import { list, type SignalIndex } from './hypothesis.ts';

export interface NodeTrouble {
  /** Nodes NotReady now or flapping, not cordoned. */
  affected: Set<string>;
  notReady: Signal[];
  flapping: Signal[];
  spread: Signal | undefined;
  /** Crash-looping workloads (not the system's own), with how many of their nodes are affected. */
  loops: { signal: Signal; onAffected: number; elsewhere: number }[];
}

export function nodeTrouble(idx: SignalIndex): NodeTrouble {
  const notReady = idx.of('node-not-ready').filter((s) => s.facts.unschedulable !== true);
  const flapping = idx.of('node-flapping');
  // A lease that stopped renewing is the earliest sign, 25 s in, before the controller's 50 s.
  const silent = idx.of('node-heartbeat-lag').filter((s) => s.facts.unschedulable !== true);
  const affected = new Set(
    [...notReady, ...flapping, ...silent].map((s) => s.subject.replace(/^node\//, '')),
  );
  // Nodes that went NotReady and are Ready again (a reboot, a blip) are history, and a
  // cordoned node going down is maintenance: neither counts as trouble now.
  const loops = idx.of('crash-loop').map((signal) => {
    const nodes = list(signal.facts.nodes);
    const onAffected = nodes.filter((n) => affected.has(n)).length;
    return { signal, onAffected, elsewhere: nodes.length - onAffected };
  });
  return { affected, notReady, flapping, spread: idx.first('not-ready-spread'), loops };
}
