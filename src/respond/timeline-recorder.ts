/**
 * Every runbook step worth remembering goes on the record: onto the incident's timeline
 * through serve's JSON API (`POST /api/incidents/:id/actions`) when the run belongs to an
 * incident, else into the store as an action not yet tied to one (the postmortem of
 * whichever incident covers that time picks it up). Waits are not recorded, only steps
 * done, warnings and stops: the timeline is for people.
 */
import type { IncidentStore } from '../incident/store/store.ts';
import type { RunbookName } from './plan.ts';
import type { StepEvent } from './step-events.ts';

export type StepRecorder = (e: StepEvent) => Promise<void>;

export function worthRecording(e: StepEvent): boolean {
  return e.status === 'done' || e.status === 'warning' || e.status === 'stopped';
}

export function stepText(runbook: RunbookName, e: StepEvent): string {
  const what = e.status === 'stopped' ? 'STOPPED' : e.status === 'warning' ? 'warning' : 'done';
  return `remediate ${runbook}: step ${e.n || '-'} ${e.action} ${e.target} ${what}: ${e.detail}`;
}

export class RecordingError extends Error {}

export function serveRecorder(o: {
  server: string;
  token: string;
  incident: string;
  author: string;
  runbook: RunbookName;
}): StepRecorder {
  const url = `${o.server.replace(/\/$/, '')}/api/incidents/${encodeURIComponent(o.incident)}/actions`;
  return async (e) => {
    if (!worthRecording(e)) return;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${o.token}` },
      body: JSON.stringify({
        text: stepText(o.runbook, e),
        author: o.author,
        at: new Date(e.atMs).toISOString(),
      }),
    });
    if (!res.ok)
      throw new RecordingError(
        `recording on ${o.incident} at ${o.server} failed: ${res.status} ${await res.text()}`,
      );
  };
}

export function storeRecorder(o: {
  store: IncidentStore;
  author: string;
  runbook: RunbookName;
}): StepRecorder {
  return async (e) => {
    if (!worthRecording(e)) return;
    await o.store.addAction({ atMs: e.atMs, author: o.author, text: stepText(o.runbook, e) });
  };
}
