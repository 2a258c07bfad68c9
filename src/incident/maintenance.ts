/**
 * Scheduled maintenance, as Atlassian Statuspage keeps it: an announced window
 * (`scheduled_for` to `scheduled_until`) of planned work on some components, whose status
 * moves Scheduled → In progress → Verifying → Completed. With `autoStart` and
 * `autoComplete` (Statuspage's `scheduled_auto_in_progress` and
 * `scheduled_auto_completed`) it moves at the window's start and end by itself; a person
 * may move it earlier (finished early: Completed; checking: Verifying). While it is in
 * progress its components read "Under maintenance" on the status page.
 * https://developer.statuspage.io/#operation/postPagesPageIdIncidents (scheduled incidents)
 */
import type { ComponentName } from '../diagnose/hypothesis.ts';

export const maintenanceStatuses = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;
export type MaintenanceStatus = (typeof maintenanceStatuses)[number];

/** A public word on the maintenance, like an incident's status update. */
export interface MaintenanceUpdate {
  atMs: number;
  status: MaintenanceStatus;
  message: string;
  /** `kubetriage` for the automatic ones at the window's start and end. */
  author: string;
  /** The named API token that posted it (TimelineEntry.via). */
  via?: string;
}

export interface Maintenance {
  /** `MNT-0001`, per cluster. */
  id: string;
  name: string;
  status: MaintenanceStatus;
  scheduledForMs: number;
  scheduledUntilMs: number;
  components: ComponentName[];
  autoStart: boolean;
  autoComplete: boolean;
  createdAtMs: number;
  /** Who scheduled it. */
  author: string;
  /** Oldest first; append-only. */
  updates: MaintenanceUpdate[];
}

const order = (s: MaintenanceStatus): number => maintenanceStatuses.indexOf(s);

/** The status the window's clock gives `m` at `nowMs`: never backwards, only where it moves by itself. */
export function dueStatus(m: Maintenance, nowMs: number): MaintenanceStatus {
  let s = m.status;
  if (s === 'scheduled' && m.autoStart && nowMs >= m.scheduledForMs) s = 'in_progress';
  if (order(s) >= order('in_progress') && s !== 'completed' && m.autoComplete && nowMs >= m.scheduledUntilMs)
    s = 'completed';
  return s;
}

/** In progress or being verified: its components are under maintenance now. */
export function isUnderway(status: MaintenanceStatus): boolean {
  return status === 'in_progress' || status === 'verifying';
}

/** The words kubetriage posts when the window's clock moves a maintenance. */
export function automaticMessage(status: MaintenanceStatus): string {
  switch (status) {
    case 'scheduled':
      return 'This maintenance is scheduled.';
    case 'in_progress':
      return 'Scheduled maintenance is currently in progress. We will provide updates as necessary.';
    case 'verifying':
      return 'Verification is currently underway for the maintenance items.';
    case 'completed':
      return 'The scheduled maintenance has been completed.';
  }
}

/** The maintenance underway at `atMs` that covers any of `components`, if one does. */
export function maintenanceCovering(
  list: readonly Maintenance[],
  components: readonly ComponentName[],
  atMs: number,
): Maintenance | undefined {
  return list.find(
    (m) =>
      isUnderway(dueStatus(m, atMs)) &&
      atMs >= m.scheduledForMs &&
      m.components.some((c) => components.includes(c)),
  );
}

/** The sequence number inside a maintenance id (`MNT-0007` → 7). */
export function maintenanceSeq(id: string): number {
  const m = /(\d+)$/.exec(id);
  return m ? Number(m[1]) : 0;
}

export function maintenanceId(seq: number): string {
  return `MNT-${String(seq).padStart(4, '0')}`;
}
