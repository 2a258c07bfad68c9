/**
 * ConntrackTableFull: `/proc/sys/net/netfilter/nf_conntrack_{count,max}` and the `drop` and
 * `insert_failed` counters of `/proc/net/stat/nf_conntrack` (one hex row per CPU). `True` at
 * 90 % full, or when packets were dropped within 5 min (which wins); `False` again below
 * 85 % with no drops for 5 min, so a table hovering at the line does not flap.
 */
import { rfc3339 } from '../../time/clock.ts';
import { goDuration } from '../../time/go-duration.ts';
import { type Check, CheckNotRun, healthy, problem } from '../check.ts';
import type { NodeHost } from '../host.ts';

const nearlyFull = 0.9;
const roomAgain = 0.85;
const dropWindowMs = 5 * 60_000;

/** Sum of the named columns over all CPU rows (the first line names the columns). */
export function statColumns(text: string, names: readonly string[]): number | undefined {
  const lines = text.trim().split('\n');
  const header = lines[0]?.trim().split(/\s+/) ?? [];
  const idx = names.map((n) => header.indexOf(n));
  if (idx.some((i) => i < 0)) return undefined;
  let total = 0;
  for (const line of lines.slice(1)) {
    const cols = line.trim().split(/\s+/);
    for (const i of idx) total += Number.parseInt(cols[i] ?? '0', 16) || 0;
  }
  return total;
}

export function conntrackCheck(o: { host: NodeHost }): Check {
  let lastDrops: number | undefined;
  /** Drop increases seen, with when; kept for the 5 min window. */
  let increases: { atMs: number; drops: number }[] = [];
  let problemSince: number | undefined;
  let wasProblem = false;
  return {
    type: 'ConntrackTableFull',
    kind: 'host',
    intervalMs: 30_000,
    timeoutMs: 1_000,
    resume(sinceMs) {
      // Restarted while True: still True at 85–90 % full, and `since` keeps the first sample.
      problemSince = sinceMs;
      wasProblem = true;
    },
    async run({ startedMs }) {
      const countText = await o.host.readText('/proc/sys/net/netfilter/nf_conntrack_count');
      const maxText = await o.host.readText('/proc/sys/net/netfilter/nf_conntrack_max');
      if (countText === undefined || maxText === undefined)
        throw new CheckNotRun('nf_conntrack is not loaded (no /proc/sys/net/netfilter/nf_conntrack_count)');
      const count = Number(countText.trim());
      const max = Number(maxText.trim());
      const statText = await o.host.readText('/proc/net/stat/nf_conntrack');
      const drops = statText ? statColumns(statText, ['drop', 'insert_failed']) : undefined;
      if (drops !== undefined) {
        if (lastDrops !== undefined && drops > lastDrops)
          increases.push({ atMs: startedMs, drops: drops - lastDrops });
        lastDrops = drops;
      }
      increases = increases.filter((i) => startedMs - i.atMs < dropWindowMs);
      const fill = max > 0 ? count / max : 0;
      const dropping = increases.length > 0;
      const isProblem = dropping || fill >= nearlyFull || (wasProblem && fill >= roomAgain);
      wasProblem = isProblem;
      if (!isProblem) {
        problemSince = undefined;
        return healthy('ConntrackHasRoom', 'conntrack table has room', [['max', max]]);
      }
      problemSince ??= startedMs;
      const since = rfc3339(problemSince);
      if (dropping)
        return problem('ConntrackDroppingPackets', 'conntrack table is full and dropping packets', [
          ['count', count],
          ['max', max],
          ['drops', increases.reduce((s, i) => s + i.drops, 0)],
          ['window', goDuration(dropWindowMs)],
          ['since', since],
        ]);
      return problem('ConntrackNearlyFull', 'conntrack table is above 90% full', [
        ['count', count],
        ['max', max],
        ['since', since],
      ]);
    },
  };
}
