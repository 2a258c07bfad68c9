/**
 * PackageUpgradeFailed: the last run did not end in success, or dpkg left packages
 * half-installed. Lasts until repaired (DigitalOcean, 2023: one reboot was sometimes not
 * enough). Precedence among reasons: UpgradeTimedOut, UpgradeExitedWithError,
 * PackagesHalfInstalled. A run still going is not judged yet.
 */
import { rfc3339 } from '../../time/clock.ts';
import { type Check, healthy, problem } from '../check.ts';
import type { NodeHost } from '../host.ts';
import { goDuration, listValue } from '../logfmt.ts';
import { halfInstalled, packageRuns, unitEnding, unitOfRun } from '../package-history.ts';

export function upgradeFailedCheck(o: { host: NodeHost }): Check {
  return {
    type: 'PackageUpgradeFailed',
    kind: 'host',
    intervalMs: 60_000,
    timeoutMs: 10_000,
    async run() {
      const runs = await packageRuns(o.host);
      const half = await halfInstalled(o.host);
      const halfFields = [
        ['halfInstalled', half.length],
        ['packages', listValue(half)],
      ] as const;
      // A finished run (End-Date) is judged by apt's Error line; an unfinished one by systemd's.
      const last = runs.findLast((r) => r.endedMs !== undefined || unitOfRun(r) !== undefined);
      const unit = last ? unitOfRun(last) : undefined;
      const ending =
        last && last.endedMs === undefined && unit
          ? await unitEnding(o.host, unit, last.startedMs)
          : undefined;
      if (last && ending?.result === 'timeout') {
        const stopped = ending.atMs;
        return problem(
          'UpgradeTimedOut',
          'the last package upgrade was stopped by systemd after its timeout',
          [
            ['unit', unit],
            ['started', rfc3339(last.startedMs)],
            ['stopped', stopped !== undefined ? rfc3339(stopped) : undefined],
            ['duration', stopped !== undefined ? goDuration(stopped - last.startedMs) : undefined],
            ['result', 'timeout'],
            ...halfFields,
          ],
        );
      }
      const exitCode = ending?.exitCode ?? (last?.error ? /code \((\d+)\)/.exec(last.error)?.[1] : undefined);
      if (last && (ending?.result === 'exit-code' || ending?.result === 'signal' || last.error)) {
        return problem('UpgradeExitedWithError', 'the last package upgrade exited with an error', [
          ['unit', unit ?? last.commandline.slice(0, 120)],
          ['started', rfc3339(last.startedMs)],
          [
            'stopped',
            last.endedMs !== undefined
              ? rfc3339(last.endedMs)
              : ending?.atMs !== undefined
                ? rfc3339(ending.atMs)
                : undefined,
          ],
          ['exitCode', exitCode],
          ...halfFields,
        ]);
      }
      if (half.length)
        return problem('PackagesHalfInstalled', 'packages are left half-installed', [...halfFields]);
      return healthy(
        'PackageStateConsistent',
        'the last package upgrade completed and no package is half-installed',
        [
          ['lastRun', last ? rfc3339(last.startedMs) : 'none'],
          ['lastResult', last ? 'success' : undefined],
        ],
      );
    },
  };
}
