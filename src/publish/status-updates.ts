/**
 * Automatic status-page updates from the incident lifecycle: each time an incident's status
 * moves (opened as Investigating, Identified, Monitoring, Resolved, or back), one public
 * update in plain words. Updates posted by hand are kept as written; an automatic one is
 * added only when the status differs from the latest update, so a person's update is
 * never repeated or contradicted by a template.
 */
import type { Incident, StatusUpdate } from '../incident/incident.ts';
import { componentsOf, publicCause } from './public-words.ts';

export const autoAuthor = 'kubetriage';

function duration(ms: number): string {
  const min = Math.max(1, Math.round(ms / 60_000));
  if (min < 120) return `${min} minutes`;
  const h = Math.floor(min / 60);
  return `${h} h ${min % 60} min`;
}

export function publicMessage(i: Incident, atMs: number): string {
  const area = componentsOf(i).join(' and ').toLowerCase();
  switch (i.status) {
    case 'investigating':
      return `We are investigating a problem affecting ${area}. Some applications may be unavailable or slow.`;
    case 'identified':
      return `The cause has been identified: ${publicCause(i)}. We are working on a fix.`;
    case 'monitoring':
      return 'The symptoms have cleared. We are monitoring to make sure the problem does not return.';
    case 'resolved':
      return `This incident has been resolved. It lasted ${duration((i.resolvedAtMs ?? atMs) - i.openedAtMs)}.`;
  }
}

/** The update to post now, if the incident's status has moved since its latest update. */
export function autoUpdate(i: Incident, atMs: number): StatusUpdate | undefined {
  const last = i.updates.at(-1);
  if (last && last.status === i.status) return undefined;
  return { atMs, status: i.status, message: publicMessage(i, atMs), author: autoAuthor };
}
