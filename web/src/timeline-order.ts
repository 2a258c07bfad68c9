/**
 * The incident's timeline in the order things happened. The record is append-only in the
 * order kubetriage learned of them: the cluster changes that came before the onset are
 * attached after the incident opened, so read as appended the 09:30 node join came after
 * the 11:12 'opened'. Entries of one instant keep their recorded order (sort is stable).
 */
import type { ActionRecord, TimelineEntry } from './api-types.ts';

/** Changes and actions this long before the incident opened are part of its story (as the postmortem's lead-in). */
export const leadInMs = 24 * 3_600_000;

export function inTimeOrder<T extends { atMs: number }>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => a.atMs - b.atMs);
}

/**
 * The incident's timeline with the operators' actions logged on no incident (the upgrade
 * started before anything broke) that fall in its window: from a day before it opened,
 * as the postmortem takes them, until it was resolved. In time order.
 */
export function withLooseActions(
  i: { openedAtMs: number; resolvedAtMs?: number; timeline: readonly TimelineEntry[] },
  actions: readonly ActionRecord[],
): TimelineEntry[] {
  const loose = actions
    .filter(
      (a) => a.atMs >= i.openedAtMs - leadInMs && a.atMs <= (i.resolvedAtMs ?? Number.POSITIVE_INFINITY),
    )
    .map((a): TimelineEntry => ({ atMs: a.atMs, kind: 'action', text: a.text, author: a.author }));
  return inTimeOrder([...i.timeline, ...loose]);
}
