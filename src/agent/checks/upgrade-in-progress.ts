/**
 * PackageUpgradeInProgress: is the node changing under its pods right now? A timer-driven
 * upgrade (unattended-upgrade, apt.systemd.daily) or any package manager running, seen in
 * the host's process table (`hostPID`). The event of each `→ True` is what the
 * periodic-onset detector reads: when the timer fired, its scheduled time and the delay.
 * `False` carries the last run's facts, which outlive the events.
 */
import { rfc3339 } from '../../time/clock.ts';
import { goDuration } from '../../time/go-duration.ts';
import { type Check, healthy, problem } from '../check.ts';
import type { HostProcess, NodeHost } from '../host.ts';
import { listValue } from '../logfmt.ts';
import { previousElapse } from '../on-calendar.ts';
import { lastRunOutcome, notablePackages, packageRuns } from '../package-history.ts';
import { scanUpgradeTimers } from '../upgrade-timers.ts';

const timerDriven = /\b(unattended-upgrade|apt\.systemd\.daily|dnf-automatic)\b/;
const packageManager = /^(\S*\/)?(apt|apt-get|aptitude|dpkg|dnf|yum|tdnf|zypper|rpm|rpm-ostree)(\s|$)/;

function isUpgradeProcess(p: HostProcess): boolean {
  const cmd = p.command.replace(/^(\S*\/)?(python3?|sh|bash)\s+/, '');
  return timerDriven.test(cmd) || packageManager.test(cmd);
}

export function upgradeInProgressCheck(o: { host: NodeHost; globs?: readonly string[] }): Check {
  return {
    type: 'PackageUpgradeInProgress',
    kind: 'host',
    intervalMs: 15_000,
    timeoutMs: 5_000,
    async run() {
      const running = (await o.host.processes()).filter(isUpgradeProcess).sort((a, b) => a.pid - b.pid);
      const runs = await packageRuns(o.host);
      const last = runs.at(-1);
      if (running.length) {
        const open = last && last.endedMs === undefined ? last : undefined;
        const packages = open?.packages ?? [];
        const byTimer = running.find((p) => timerDriven.test(p.command));
        if (byTimer) {
          const timers = (await scanUpgradeTimers(o.host, o.globs)).enabled;
          const timer = timers.find((t) => /apt-daily-upgrade|dnf-automatic/.test(t.timer)) ?? timers[0];
          const started = byTimer.startedMs ?? open?.startedMs;
          const scheduled =
            started !== undefined && timer?.onCalendar
              ? previousElapse(timer.onCalendar, started)
              : undefined;
          return problem(
            'UnattendedUpgradeRunning',
            'a package upgrade started by a systemd timer is running',
            [
              ['unit', timer?.unit ?? 'apt-daily-upgrade.service'],
              ['timer', timer?.timer],
              ['started', started !== undefined ? rfc3339(started) : undefined],
              ['scheduled', scheduled !== undefined ? rfc3339(scheduled) : undefined],
              [
                'delay',
                scheduled !== undefined && started !== undefined
                  ? goDuration(started - scheduled)
                  : undefined,
              ],
              ['packages', packages.length],
              ['notable', listValue(notablePackages(packages))],
            ],
          );
        }
        const p = running[0];
        return problem('PackageManagerRunning', 'a package manager is running outside any upgrade timer', [
          ['process', p.command.slice(0, 120)],
          ['pid', p.pid],
          ['started', p.startedMs !== undefined ? rfc3339(p.startedMs) : undefined],
          ['packages', packages.length],
          ['notable', listValue(notablePackages(packages))],
        ]);
      }
      const outcome = await lastRunOutcome(o.host, runs);
      if (!outcome)
        return healthy('NoUpgradeRunning', 'no package upgrade is running', [['lastRun', 'none']]);
      const { run, unit, result, endedMs } = outcome;
      return healthy('NoUpgradeRunning', 'no package upgrade is running', [
        ['lastRun', rfc3339(run.startedMs)],
        ['lastUnit', unit ?? run.commandline.slice(0, 120)],
        ['lastResult', result],
        ['lastDuration', endedMs !== undefined ? goDuration(endedMs - run.startedMs) : undefined],
        ['lastPackages', run.packages.length],
        ['lastNotable', listValue(notablePackages(run.packages))],
      ]);
    },
  };
}
