/**
 * When an incident's trouble was actually on, as the rounds saw it: a list of periods kept
 * on the incident, opened by a round whose top hypothesis rests on trouble and closed by
 * the first round that shows none. An incident's status follows its cause, which can stay
 * present between outages (a daily timer still enabled keeps a scheduled-job incident
 * Identified for days); impact follows the symptoms, and three one-hour outages on three
 * mornings are three hours.
 *
 * Trouble is a signal the hypothesis rests on this round, or one about an object in its
 * blast radius, that is not context (periodic
 * onsets, changes: never trouble by themselves, signal-kinds.ts), not `info` (a state an
 * operator may choose, such as an upgrade timer being enabled), and not the node agent
 * reporting what the host is doing (a package upgrade running or failed, a reboot pending:
 * detect/node-agent.ts). Those explain a failure; they are not one: a failed upgrade stays
 * reported for a day while the node serves.
 */
import type { Signal } from '../detect/signal.ts';
import { signalKinds } from '../detect/signal-kinds.ts';
import type { Hypothesis } from '../diagnose/hypothesis.ts';
import { signalKey } from '../diagnose/query.ts';
import type { Incident } from './incident.ts';

export interface DegradedPeriod {
  startMs: number;
  /** Absent while it goes on. */
  endMs?: number;
}

/**
 * Whether the round's signals behind `top` show trouble. Without signals (a caller that
 * passes the diagnosis alone) a hypothesis that holds counts as trouble, as before.
 */
export function troubled(top: Hypothesis, signals: readonly Signal[]): boolean {
  if (signals.length === 0) return true;
  const behind = new Set(top.signals);
  const within = inBlastRadius(top);
  return signals.some(
    (s) =>
      (behind.has(signalKey(s)) || within.has(s.subject)) &&
      signalKinds[s.kind]?.role !== 'context' &&
      s.severity !== 'info' &&
      !hostStates.has(signalKey(s)),
  );
}

/**
 * The subjects (`node/<n>`, `workload/<ns>/<Kind>/<n>`, `service/<ns>/<n>`) the hypothesis
 * names as affected: a cause read from its context (a schedule, a timer) rests on no node's
 * NotReady, yet those nodes going NotReady is its trouble.
 */
function inBlastRadius(top: Hypothesis): Set<string> {
  const r = top.blastRadius;
  return new Set([
    ...(r.nodes ?? []).map((n) => `node/${n}`),
    ...(r.workloads ?? []).map((w) => `workload/${w}`),
    ...(r.services ?? []).map((v) => `service/${v}`),
  ]);
}

/** The node agent's reports of what the host is doing (detect/node-agent.ts). */
const hostStates = new Set(
  ['PackageUpgradeInProgress', 'PackageUpgradeFailed', 'AutomaticUpgradeScheduled', 'RebootRequired'].map(
    (type) => `agent-condition condition/${type}`,
  ),
);

/** Opens or closes the incident's current period; true when it changed the incident. */
export function noteDegraded(i: Incident, on: boolean, nowMs: number): boolean {
  const periods = i.degraded ?? [];
  const last = periods.at(-1);
  const going = last !== undefined && last.endMs === undefined;
  if (on === going) return false;
  if (on) i.degraded = [...periods, { startMs: nowMs }];
  else i.degraded = [...periods.slice(0, -1), { ...last!, endMs: nowMs }];
  return true;
}
