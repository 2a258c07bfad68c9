/**
 * The status page model, in the shape of Atlassian Statuspage's public summary
 * (`/api/v2/summary.json`: page, status indicator, components, incidents with their
 * updates) so that anything that already reads a Statuspage can read ours.
 *
 * Component states follow Statuspage: operational, degraded_performance, partial_outage,
 * major_outage. An open incident puts its components in a state by its severity (an
 * unreachable control plane is a major outage: nothing can be changed or scheduled); one
 * in Monitoring only degrades them; single-workload findings degrade Workloads. The worst
 * state wins per component. Scheduled maintenances follow Statuspage too: upcoming and
 * underway ones are listed in `scheduled_maintenances`, and while one is underway its
 * components read `under_maintenance` (planned work explains what they show), and the
 * banner says so when nothing else is wrong.
 */

import type { Hypothesis } from '../diagnose/hypothesis.ts';
import { type Incident, type IncidentStatus, rootCauseOf } from '../incident/incident.ts';
import { dueStatus, isUnderway, type Maintenance, type MaintenanceStatus } from '../incident/maintenance.ts';
import { rfc3339 } from '../time/clock.ts';
import {
  type ComponentName,
  componentNames,
  componentsOf,
  publicTitle,
  publicWordsOf,
} from './public-words.ts';

export type ComponentState = 'operational' | 'degraded_performance' | 'partial_outage' | 'major_outage';
export type Indicator = 'none' | 'minor' | 'major' | 'critical' | 'maintenance';
/** What a component shows on the page: a state, or planned work underway. */
export type ShownState = ComponentState | 'under_maintenance';

export interface StatusPage {
  page: { name: string; updated_at: string };
  status: { indicator: Indicator; description: string };
  /**
   * `description` says a component's state is not known (kubetriage cannot read the
   * cluster): its status is then the mildest that is not Operational, never green.
   */
  components: { name: ComponentName; status: ShownState; description?: string }[];
  incidents: PublicIncident[];
  /** Upcoming and underway, earliest window first (Statuspage's summary has the same list). */
  scheduled_maintenances: PublicMaintenance[];
  /** Resolved within the history window, newest first. */
  past_incidents: PublicIncident[];
}

export interface PublicIncident {
  id: string;
  name: string;
  status: IncidentStatus;
  impact: 'none' | 'minor' | 'major' | 'critical';
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
  components: ComponentName[];
  incident_updates: { status: IncidentStatus; body: string; created_at: string }[];
}

/** A scheduled maintenance as Statuspage publishes one: an incident with a window. */
export interface PublicMaintenance {
  id: string;
  name: string;
  status: MaintenanceStatus;
  impact: 'maintenance';
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
  scheduled_for: string;
  scheduled_until: string;
  components: ComponentName[];
  incident_updates: { status: MaintenanceStatus; body: string; created_at: string }[];
}

export const componentStates = [
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
] as const satisfies readonly ComponentState[];
const order: readonly ComponentState[] = componentStates;
const worst = (a: ComponentState, b: ComponentState): ComponentState =>
  order.indexOf(a) >= order.indexOf(b) ? a : b;

function stateOf(i: Incident): ComponentState {
  if (i.status === 'resolved') return 'operational';
  if (i.status === 'monitoring') return 'degraded_performance';
  if (i.severity !== 'critical') return 'degraded_performance';
  return publicWordsOf(i).outage === 'major' ? 'major_outage' : 'partial_outage';
}

const impactOf: Record<ComponentState, PublicIncident['impact']> = {
  operational: 'none',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
};

function affected(i: Incident): ComponentName[] {
  const own = componentsOf(i);
  const touchesApps =
    (rootCauseOf(i).blastRadius.workloads?.length ?? 0) + (rootCauseOf(i).blastRadius.services?.length ?? 0) >
    0;
  const named = Object.keys(operatorStates(i)) as ComponentName[];
  const all: ComponentName[] = touchesApps && !own.includes('Workloads') ? [...own, 'Workloads'] : own;
  return [...all, ...named.filter((c) => !all.includes(c))];
}

/** The component states the operator set with the latest update that set any. */
function operatorStates(i: Incident): Partial<Record<ComponentName, ComponentState>> {
  const u = i.updates.findLast((x) => x.components && Object.keys(x.components).length);
  const out: Partial<Record<ComponentName, ComponentState>> = {};
  for (const [name, state] of Object.entries(u?.components ?? {}))
    if (componentNames.includes(name as ComponentName) && order.includes(state as ComponentState))
      out[name as ComponentName] = state as ComponentState;
  return out;
}

/** One open incident's states per component: kubetriage's estimate, then the operator's word. */
function incidentStates(i: Incident): Map<ComponentName, ComponentState> {
  const s = stateOf(i);
  const [own, ...rest] = affected(i);
  const m = new Map<ComponentName, ComponentState>([[own, s]]);
  // Applications suffer through the root cause: degraded, not the cause's own state.
  for (const c of rest) m.set(c, 'degraded_performance');
  for (const [c, st] of Object.entries(operatorStates(i))) m.set(c as ComponentName, st);
  return m;
}

/** One incident as the public page shows it. */
export function publicIncident(i: Incident): PublicIncident {
  const updates = [...i.updates].reverse();
  return {
    id: i.id,
    name: publicTitle(i),
    status: i.status,
    impact: impactOf[i.status === 'resolved' ? stateOfAtWorst(i) : stateOf(i)],
    created_at: rfc3339(i.openedAtMs),
    updated_at: rfc3339(i.updates.at(-1)?.atMs ?? i.openedAtMs),
    resolved_at: i.resolvedAtMs === undefined ? null : rfc3339(i.resolvedAtMs),
    components: affected(i),
    incident_updates: updates.map((u) => ({
      status: u.status,
      body: u.message,
      created_at: rfc3339(u.atMs),
    })),
  };
}

/** What a resolved incident was at its worst, for its impact in the history. */
function stateOfAtWorst(i: Incident): ComponentState {
  return stateOf({ ...i, status: 'investigating' });
}

/** What single-workload findings say: each one (not info) degrades Workloads. */
export function findingStates(
  findings: readonly Hypothesis[],
): Partial<Record<ComponentName, ComponentState>> {
  return findings.some((f) => f.severity !== 'info') ? { Workloads: 'degraded_performance' } : {};
}

/** The worse state per component of two readings. */
export function worstStates(
  a: Partial<Record<ComponentName, ComponentState>>,
  b: Partial<Record<ComponentName, ComponentState>>,
): Partial<Record<ComponentName, ComponentState>> {
  const out = { ...a };
  for (const [c, st] of Object.entries(b) as [ComponentName, ComponentState][])
    out[c] = out[c] ? worst(out[c], st) : st;
  return out;
}

export interface StatusPageInput {
  name: string;
  nowMs: number;
  incidents: readonly Incident[];
  findings?: readonly Hypothesis[];
  /** How far back resolved incidents are listed (default 7 days). */
  historyMs?: number;
  /** What the cluster shows is down now (observed-components.ts); the worse of it and the incidents' wins. */
  observed?: Partial<Record<ComponentName, ComponentState>>;
  /** Why kubetriage cannot see the cluster now (incident/sight.ts); unset while it can. */
  unseen?: string;
  /** Every scheduled maintenance kept; the page lists the upcoming and underway ones. */
  maintenances?: readonly Maintenance[];
}

/** The maintenance as published at `nowMs`: its status by the window's clock. */
export function publicMaintenance(m: Maintenance, nowMs: number): PublicMaintenance {
  const status = dueStatus(m, nowMs);
  const completed =
    status === 'completed' ? (m.updates.findLast((u) => u.status === 'completed')?.atMs ?? nowMs) : undefined;
  return {
    id: m.id,
    name: m.name,
    status,
    impact: 'maintenance',
    created_at: rfc3339(m.createdAtMs),
    updated_at: rfc3339(m.updates.at(-1)?.atMs ?? m.createdAtMs),
    resolved_at: completed === undefined ? null : rfc3339(completed),
    scheduled_for: rfc3339(m.scheduledForMs),
    scheduled_until: rfc3339(m.scheduledUntilMs),
    components: [...m.components],
    incident_updates: [...m.updates].reverse().map((u) => ({
      status: u.status,
      body: u.message,
      created_at: rfc3339(u.atMs),
    })),
  };
}

export function buildStatusPage(o: StatusPageInput): StatusPage {
  const states = new Map<ComponentName, ComponentState>(componentNames.map((c) => [c, 'operational']));
  const open = o.incidents.filter((i) => i.status !== 'resolved');
  for (const i of open) for (const [c, s] of incidentStates(i)) states.set(c, worst(states.get(c)!, s));
  for (const [c, st] of Object.entries(o.observed ?? {}))
    if (states.has(c as ComponentName))
      states.set(c as ComponentName, worst(states.get(c as ComponentName)!, st));
  for (const [c, st] of Object.entries(findingStates(o.findings ?? [])))
    states.set(c as ComponentName, worst(states.get(c as ComponentName)!, st));
  // Nothing seen is nothing known: a component no incident or observation names is not
  // called operational while the cluster cannot be read.
  const unknown = new Set(o.unseen ? componentNames.filter((c) => states.get(c) === 'operational') : []);
  for (const c of unknown) states.set(c, 'degraded_performance');
  const maintenances = (o.maintenances ?? [])
    .map((m) => publicMaintenance(m, o.nowMs))
    .filter((m) => m.status !== 'completed')
    .sort((a, b) => a.scheduled_for.localeCompare(b.scheduled_for) || a.id.localeCompare(b.id));
  // Underway maintenance names its components; what kubetriage cannot see stays unknown.
  const maintained = new Set(
    maintenances
      .filter((m) => isUnderway(m.status))
      .flatMap((m) => m.components.filter((c) => !unknown.has(c))),
  );
  const others = componentNames.filter((c) => !maintained.has(c)).map((c) => states.get(c)!);
  const overall = others.reduce(worst, 'operational');
  const indicator: Indicator =
    overall === 'operational' && maintained.size ? 'maintenance' : impactOf[overall];
  const since = o.nowMs - (o.historyMs ?? 7 * 86_400_000);
  const byNewest = (a: Incident, b: Incident) => b.openedAtMs - a.openedAtMs;
  // What last changed on the page: a public update, an incident opening, or its resolution
  // (which turns its components operational even when no update was published).
  const updatedAt = Math.max(
    0,
    ...o.incidents.flatMap((i) => [i.updates.at(-1)?.atMs ?? 0, i.openedAtMs, i.resolvedAtMs ?? 0]),
  );
  return {
    page: { name: o.name, updated_at: rfc3339(updatedAt || o.nowMs) },
    status: {
      indicator,
      description: o.unseen
        ? `Status unknown: ${o.unseen}`
        : indicator === 'maintenance'
          ? 'Service Under Maintenance'
          : describeOverall(overall),
    },
    components: componentNames.map((name) => ({
      name,
      status: maintained.has(name) ? 'under_maintenance' : states.get(name)!,
      ...(unknown.has(name) ? { description: `Status unknown: ${o.unseen}` } : {}),
    })),
    incidents: [...open].sort(byNewest).map(publicIncident),
    scheduled_maintenances: maintenances,
    past_incidents: o.incidents
      .filter((i) => i.status === 'resolved' && (i.resolvedAtMs ?? 0) >= since)
      .sort(byNewest)
      .map(publicIncident),
  };
}

function describeOverall(s: ComponentState): string {
  switch (s) {
    case 'operational':
      return 'All Systems Operational';
    case 'degraded_performance':
      return 'Minor Service Outage';
    case 'partial_outage':
      return 'Partial System Outage';
    case 'major_outage':
      return 'Major System Outage';
  }
}
