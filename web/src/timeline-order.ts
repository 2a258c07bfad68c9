/**
 * The incident's timeline in the order things happened. The record is append-only in the
 * order kubetriage learned of them: the cluster changes that came before the onset are
 * attached after the incident opened, so read as appended the 09:30 node join came after
 * the 11:12 'opened'. Entries of one instant keep their recorded order (sort is stable).
 */
export function inTimeOrder<T extends { atMs: number }>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => a.atMs - b.atMs);
}
