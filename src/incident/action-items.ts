/**
 * A postmortem's action items: the follow-up work a team commits to after an incident,
 * each with an owner, a due date and a status, kept in the incident store beside the
 * incident and edited from the dashboard or the API.
 *
 * Types are the Google SRE book's (Example Postmortem, sre.google/sre-book/example-postmortem:
 * prevent, mitigate, process) plus `detect`, the item that makes the next one visible sooner,
 * which the SRE workbook and most templates ask for separately. "Other" is left out: an item
 * that fits none of the four is usually two items, or not one.
 *
 * kubetriage does not put its own advice into this list. The diagnosis's prevention advice
 * is offered as suggestions (`suggestedActionItems`) that a person accepts, which stores them
 * under that person's name: a list nobody agreed to, with no owner, is the list that never
 * gets done, and a draft that wrote into the record whenever it was read would make reading
 * it a change.
 */
import { type Incident, rootCauseOf } from './incident.ts';

export const actionItemTypes = ['prevent', 'mitigate', 'detect', 'process'] as const;
export type ActionItemType = (typeof actionItemTypes)[number];

export const actionItemStatuses = ['open', 'done'] as const;
export type ActionItemStatus = (typeof actionItemStatuses)[number];

export interface ActionItem {
  /** Assigned by the store. */
  id: number;
  incidentId: string;
  text: string;
  type: ActionItemType;
  /** A person or team; absent until someone takes it. */
  owner?: string;
  /** An RFC 3339 full-date (`2024-03-31`): a day, in no time zone, as trackers keep them. */
  dueDate?: string;
  status: ActionItemStatus;
  createdAtMs: number;
  /** Who added it, as the client claimed (TimelineEntry.author)... */
  createdBy: string;
  /** ...and the named API token that really did (TimelineEntry.via). */
  createdVia?: string;
  updatedAtMs: number;
  updatedBy: string;
  updatedVia?: string;
}

/** What a person gives when adding one; the store assigns the id. */
export interface NewActionItem {
  incidentId: string;
  text: string;
  type: ActionItemType;
  owner?: string;
  dueDate?: string;
  status?: ActionItemStatus;
  atMs: number;
  author: string;
  via?: string;
}

/** A change to one: fields left out stay as they were; `null` clears owner or due date. */
export interface ActionItemChange {
  text?: string;
  type?: ActionItemType;
  owner?: string | null;
  dueDate?: string | null;
  status?: ActionItemStatus;
  atMs: number;
  author: string;
  via?: string;
}

/** The item as it is after `change`, by `change`'s author: what every backend writes. */
export function changedActionItem(item: ActionItem, change: ActionItemChange): ActionItem {
  const next: ActionItem = {
    ...item,
    ...(change.text !== undefined ? { text: change.text } : {}),
    ...(change.type !== undefined ? { type: change.type } : {}),
    ...(change.status !== undefined ? { status: change.status } : {}),
    updatedAtMs: change.atMs,
    updatedBy: change.author,
  };
  if (change.owner === null) delete next.owner;
  else if (change.owner !== undefined) next.owner = change.owner;
  if (change.dueDate === null) delete next.dueDate;
  else if (change.dueDate !== undefined) next.dueDate = change.dueDate;
  if (change.via) next.updatedVia = change.via;
  else delete next.updatedVia;
  return next;
}

/** A freshly added item as stored, before it has an id. */
export function newActionItem(a: NewActionItem): Omit<ActionItem, 'id'> {
  return {
    incidentId: a.incidentId,
    text: a.text,
    type: a.type,
    ...(a.owner ? { owner: a.owner } : {}),
    ...(a.dueDate ? { dueDate: a.dueDate } : {}),
    status: a.status ?? 'open',
    createdAtMs: a.atMs,
    createdBy: a.author,
    ...(a.via ? { createdVia: a.via } : {}),
    updatedAtMs: a.atMs,
    updatedBy: a.author,
    ...(a.via ? { updatedVia: a.via } : {}),
  };
}

/** One thing the diagnosis advises doing, not yet accepted as an action item. */
export interface SuggestedActionItem {
  text: string;
  type: ActionItemType;
}

/**
 * The root cause's prevention advice that no stored item says yet (compared without case
 * or surrounding space, so an accepted suggestion stops being offered). The patterns'
 * prevention lists are about keeping the failure from recurring or catching it sooner; an
 * alert is `detect`, the rest `prevent`, and the person accepting can change it.
 */
export function suggestedActionItems(i: Incident, stored: readonly ActionItem[]): SuggestedActionItem[] {
  const said = new Set(stored.map((a) => sameText(a.text)));
  const out: SuggestedActionItem[] = [];
  for (const text of rootCauseOf(i).prevention) {
    if (said.has(sameText(text))) continue;
    said.add(sameText(text));
    out.push({ text, type: /\b(alert|monitor|page|detect)/i.test(text) ? 'detect' : 'prevent' });
  }
  return out;
}

const sameText = (s: string) => s.trim().toLowerCase();
