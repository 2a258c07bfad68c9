/**
 * AutomaticUpgradeScheduled: enabled systemd timers whose service runs a package upgrade,
 * with their schedule, random delay, last and next run. A standing hazard on a Kubernetes
 * node (DigitalOcean, 2023: a 06:00 timer upgraded systemd under the pods), so the schedule
 * lives in status where a detector that starts later still finds it.
 *
 * `nextRun` is the next calendar occurrence without the random delay (systemd's own draw is
 * only visible over D-Bus); `randomizedDelay` says how much later it may come.
 */
import { rfc3339 } from '../../time/clock.ts';
import { goDuration } from '../../time/go-duration.ts';
import { type Check, healthy, problem } from '../check.ts';
import type { NodeHost } from '../host.ts';
import { listValue } from '../logfmt.ts';
import { nextElapse, normalizedCalendar } from '../on-calendar.ts';
import { scanUpgradeTimers } from '../upgrade-timers.ts';

export function upgradeTimersCheck(o: { host: NodeHost; globs?: readonly string[] }): Check {
  return {
    type: 'AutomaticUpgradeScheduled',
    kind: 'host',
    intervalMs: 60_000,
    timeoutMs: 5_000,
    async run({ startedMs }) {
      const scan = await scanUpgradeTimers(o.host, o.globs);
      if (!scan.enabled.length)
        return healthy('NoUpgradeTimerEnabled', 'no enabled systemd timer runs unattended package upgrades', [
          ['disabled', scan.disabled.length ? listValue(scan.disabled) : 'none'],
        ]);
      const groups = scan.enabled.map((t) => {
        const next = t.onCalendar ? nextElapse(t.onCalendar, startedMs) : undefined;
        return [
          ['timer', t.timer],
          ['unit', t.unit],
          ['exec', t.exec],
          ['onCalendar', t.onCalendar ? normalizedCalendar(t.onCalendar) : undefined],
          ['randomizedDelay', goDuration(t.randomizedDelayMs)],
          ['persistent', t.persistent],
          ['lastTrigger', t.lastTriggerMs !== undefined ? rfc3339(t.lastTriggerMs) : undefined],
          ['nextRun', next !== undefined ? rfc3339(next) : undefined],
        ] as const;
      });
      return problem(
        'UpgradeTimerEnabled',
        `${scan.enabled.length} enabled systemd timer(s) run unattended package upgrades`,
        ...groups,
      );
    },
  };
}
