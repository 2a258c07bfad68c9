/**
 * PackageUpgradeFailed: the last run did not end in success, or dpkg left packages
 * half-installed. Lasts until repaired (DigitalOcean, 2023: one reboot was sometimes not
 * enough). Precedence among reasons: UpgradeTimedOut, UpgradeExitedWithError,
 * PackagesHalfInstalled. A run whose ending is unknown (still going, or killed on a node
 * whose ending no text log records) is not judged: an earlier failure stands, and it is
 * never called a success.
 */
import { rfc3339 } from '../../time/clock.ts';
import { goDuration } from '../../time/go-duration.ts';
import { type Check, healthy, problem } from '../check.ts';
import type { NodeHost } from '../host.ts';
import { listValue } from '../logfmt.ts';
import {
  halfInstalled,
  lastRunOutcome,
  type PackageRun,
  packageRuns,
  type RunOutcome,
  runOutcome,
} from '../package-history.ts';

/** The newest run whose ending is known. */
async function lastJudged(host: NodeHost, runs: readonly PackageRun[]): Promise<RunOutcome | undefined> {
  for (let i = runs.length - 1; i >= 0; i--) {
    const outcome = await runOutcome(host, runs[i]);
    if (outcome.result !== 'unknown') return outcome;
  }
  return undefined;
}

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
      const latest = await lastRunOutcome(o.host, runs);
      // False only once a later run succeeds: one not judged yet leaves an earlier failure standing.
      const judged = latest?.result === 'unknown' ? await lastJudged(o.host, runs) : latest;
      if (judged?.result === 'timeout') {
        const { run, endedMs } = judged;
        return problem(
          'UpgradeTimedOut',
          'the last package upgrade was stopped by systemd after its timeout',
          [
            ['unit', judged.unit],
            ['started', rfc3339(run.startedMs)],
            ['stopped', endedMs !== undefined ? rfc3339(endedMs) : undefined],
            ['duration', endedMs !== undefined ? goDuration(endedMs - run.startedMs) : undefined],
            ['result', 'timeout'],
            ...halfFields,
          ],
        );
      }
      if (judged && judged.result !== 'success') {
        const { run, endedMs } = judged;
        return problem('UpgradeExitedWithError', 'the last package upgrade exited with an error', [
          ['unit', judged.unit ?? run.commandline.slice(0, 120)],
          ['started', rfc3339(run.startedMs)],
          ['stopped', endedMs !== undefined ? rfc3339(endedMs) : undefined],
          ['exitCode', judged.exitCode],
          ...halfFields,
        ]);
      }
      if (half.length)
        return problem('PackagesHalfInstalled', 'packages are left half-installed', [...halfFields]);
      return healthy(
        'PackageStateConsistent',
        'the last package upgrade completed and no package is half-installed',
        [
          ['lastRun', latest ? rfc3339(latest.run.startedMs) : 'none'],
          ['lastResult', latest?.result],
        ],
      );
    },
  };
}
