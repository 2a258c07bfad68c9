/**
 * The host checks against a fake node: a temp dir laid out like the host's filesystem
 * (systemd units, apt's history, dpkg status, /proc, /boot), read through RootedHost exactly
 * as the DaemonSet reads the real one under /host.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TempHost, tempHost } from '../../../test/agent/temp-host.ts';
import { parseAgentMessage } from '../../kube/agent-message.ts';
import type { Check, CheckResult } from '../check.ts';
import type { NodeHost, RootedHost } from '../host.ts';
import { conditionMessage } from '../logfmt.ts';
import { conntrackCheck } from './conntrack.ts';
import { rebootRequiredCheck } from './reboot-required.ts';
import { upgradeFailedCheck } from './upgrade-failed.ts';
import { upgradeInProgressCheck } from './upgrade-in-progress.ts';
import { upgradeTimersCheck } from './upgrade-timers.ts';

let fakeHost: TempHost;
let root: string;
let host: RootedHost;
const put: TempHost['put'] = (...args) => fakeHost.put(...args);

const at = (iso: string) => Date.parse(iso);

async function run(
  check: Check,
  startedMs = at('2023-10-08T06:23:16Z'),
): Promise<CheckResult & { fields: Record<string, string>; groups2: Record<string, string>[] }> {
  const r = await check.run({ startedMs, signal: new AbortController().signal });
  // Read back through the detectors' own parser: what they will see.
  const parsed = parseAgentMessage(conditionMessage(r.summary, r.groups));
  return { ...r, fields: parsed.fields, groups2: parsed.groups };
}

/** A Debian 12 node as DigitalOcean's were on 2023-10-08. */
async function debianNode(): Promise<void> {
  await put('etc/systemd/system/timers.target.wants/apt-daily-upgrade.timer', '');
  await put('etc/systemd/system/timers.target.wants/logrotate.timer', '');
  await put(
    'lib/systemd/system/apt-daily-upgrade.timer',
    '[Unit]\nDescription=Daily apt upgrade and clean activities\n[Timer]\nOnCalendar=*-*-* 6:00\nRandomizedDelaySec=60m\nPersistent=true\n',
  );
  await put(
    'lib/systemd/system/apt-daily-upgrade.service',
    '[Service]\nType=oneshot\nExecStartPre=-/usr/lib/apt/apt-helper wait-online\nExecStart=/usr/lib/apt/apt.systemd.daily install\n',
  );
  await put('lib/systemd/system/apt-daily.timer', '[Timer]\nOnCalendar=*-*-* 6,18:00\n');
  await put(
    'lib/systemd/system/apt-daily.service',
    '[Service]\nExecStart=/usr/lib/apt/apt.systemd.daily update\n',
  );
  await put('lib/systemd/system/logrotate.timer', '[Timer]\nOnCalendar=daily\n');
  await put(
    'lib/systemd/system/logrotate.service',
    '[Service]\nExecStart=/usr/sbin/logrotate /etc/logrotate.conf\n',
  );
  await put(
    'etc/apt/apt.conf.d/20auto-upgrades',
    'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n',
  );
  await put('var/lib/systemd/timers/stamp-apt-daily-upgrade.timer', '', at('2023-10-08T06:23:04Z'));
  await put('proc/sys/kernel/osrelease', '6.1.0-12-amd64\n');
  await put('proc/sys/kernel/random/boot_id', 'a1d04e77-5c3b-4f19-8e2a-6b9d3c7f1e20\n');
  await put('proc/stat', `cpu  1 2 3\nbtime ${at('2023-10-05T11:00:00Z') / 1000}\n`);
  await put('boot/vmlinuz-6.1.0-12-amd64', '');
}

const history = (end: boolean) =>
  [
    'Start-Date: 2023-10-07  06:10:00',
    'Commandline: /usr/bin/unattended-upgrade',
    'Upgrade: curl:amd64 (7.88.1-10+deb12u1, 7.88.1-10+deb12u3)',
    'End-Date: 2023-10-07  06:11:00',
    '',
    'Start-Date: 2023-10-08  06:23:10',
    'Commandline: /usr/bin/unattended-upgrade',
    'Upgrade: linux-image-6.1.0-13-amd64:amd64 (6.1.55-1), libc6:amd64 (2.36-9+deb12u1, 2.36-9+deb12u3), systemd:amd64 (252.12-1~deb12u1, 252.17-1~deb12u1), udev:amd64 (252.12-1~deb12u1, 252.17-1~deb12u1), less:amd64 (590-2, 590-2.1~deb12u1)',
    ...(end ? ['End-Date: 2023-10-08  06:30:00'] : []),
    '',
  ].join('\n');

/** systemd stopping that last run after its 15 min timeout, as rsyslog writes it. */
const timedOutSyslog =
  "2023-10-08T06:38:04.120000+00:00 pool-workers-x7k2p systemd[1]: apt-daily-upgrade.service: Failed with result 'timeout'.\n";

beforeEach(async () => {
  fakeHost = await tempHost();
  ({ root, host } = fakeHost);
});
afterEach(async () => {
  await fakeHost.remove();
});

describe('AutomaticUpgradeScheduled', () => {
  it('reports the enabled upgrade timer with its schedule, and not logrotate', async () => {
    await debianNode();
    const r = await run(upgradeTimersCheck({ host }));
    expect(r.status).toBe('True');
    expect(r.reason).toBe('UpgradeTimerEnabled');
    expect(r.summary).toBe('1 enabled systemd timer(s) run unattended package upgrades');
    expect(r.groups2).toEqual([
      {
        timer: 'apt-daily-upgrade.timer',
        unit: 'apt-daily-upgrade.service',
        exec: '/usr/lib/apt/apt.systemd.daily install',
        onCalendar: '*-*-* 06:00:00',
        randomizedDelay: '1h0m0s',
        persistent: 'true',
        lastTrigger: '2023-10-08T06:23:04Z',
        nextRun: '2023-10-09T06:00:00Z',
      },
    ]);
  });

  it('is False, naming the disabled upgrade timer, when unattended upgrades are off or the timer is not enabled', async () => {
    await debianNode();
    await rm(join(root, 'etc/systemd/system/timers.target.wants/apt-daily-upgrade.timer'));
    const r = await run(upgradeTimersCheck({ host }));
    expect(r).toMatchObject({
      status: 'False',
      reason: 'NoUpgradeTimerEnabled',
      fields: { disabled: 'apt-daily-upgrade.timer' },
    });
    await put('etc/systemd/system/timers.target.wants/apt-daily-upgrade.timer', '');
    await put('etc/apt/apt.conf.d/99off', 'APT::Periodic::Unattended-Upgrade "0";\n');
    expect((await run(upgradeTimersCheck({ host }))).status).toBe('False');
    // …unless the operator names it with --upgrade-timer.
    expect((await run(upgradeTimersCheck({ host, globs: ['apt-daily-*'] }))).status).toBe('True');
  });
});

describe('PackageUpgradeInProgress', () => {
  it('sees unattended-upgrade running, with the scheduled time, delay and notable packages', async () => {
    await debianNode();
    await put('var/log/apt/history.log', history(false));
    await put('proc/4242/cmdline', '/usr/bin/python3\0/usr/bin/unattended-upgrade\0');
    // starttime (field 22) in ticks since boot: 2023-10-08T06:23:04Z − btime.
    const ticks = ((at('2023-10-08T06:23:04Z') - at('2023-10-05T11:00:00Z')) / 1000) * 100;
    await put(
      'proc/4242/stat',
      `4242 (unattended-upgr) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${ticks} 0 0`,
    );
    const r = await run(upgradeInProgressCheck({ host }));
    expect(r.reason).toBe('UnattendedUpgradeRunning');
    expect(r.fields).toMatchObject({
      unit: 'apt-daily-upgrade.service',
      timer: 'apt-daily-upgrade.timer',
      started: '2023-10-08T06:23:04Z',
      scheduled: '2023-10-08T06:00:00Z',
      delay: '23m4s',
      packages: '5',
      notable:
        'linux-image-6.1.0-13-amd64@6.1.55-1,libc6@2.36-9+deb12u3,systemd@252.17-1~deb12u1,udev@252.17-1~deb12u1',
    });
  });

  it('is False with the last run’s facts once nothing runs', async () => {
    await debianNode();
    await put('var/log/apt/history.log', history(true));
    const r = await run(upgradeInProgressCheck({ host }));
    expect(r).toMatchObject({
      status: 'False',
      reason: 'NoUpgradeRunning',
      fields: {
        lastRun: '2023-10-08T06:23:10Z',
        lastUnit: 'apt-daily-upgrade.service',
        lastResult: 'success',
        lastDuration: '6m50s',
        lastPackages: '5',
      },
    });
  });
});

describe('PackageUpgradeFailed', () => {
  it('names a run systemd stopped after its timeout, with the half-installed packages', async () => {
    await debianNode();
    await put('var/log/apt/history.log', history(false));
    await put('var/log/syslog', timedOutSyslog);
    await put(
      'var/lib/dpkg/status',
      'Package: systemd\nStatus: install ok half-configured\nVersion: 252.17-1~deb12u1\n\nPackage: curl\nStatus: install ok installed\n\nPackage: udev\nStatus: install ok unpacked\n',
    );
    const r = await run(upgradeFailedCheck({ host }));
    expect(r.reason).toBe('UpgradeTimedOut');
    expect(r.fields).toMatchObject({
      unit: 'apt-daily-upgrade.service',
      started: '2023-10-08T06:23:10Z',
      stopped: '2023-10-08T06:38:04Z',
      duration: '14m54s',
      result: 'timeout',
      halfInstalled: '2',
      packages: 'systemd,udev',
    });
  });

  it('is consistent after a successful run, and half-installed packages alone still count', async () => {
    await debianNode();
    await put('var/log/apt/history.log', history(true));
    expect((await run(upgradeFailedCheck({ host }))).reason).toBe('PackageStateConsistent');
    await put('var/lib/dpkg/status', 'Package: libc6\nStatus: install ok half-installed\n');
    expect((await run(upgradeFailedCheck({ host }))).reason).toBe('PackagesHalfInstalled');
  });
});

describe('how the last package run ended (one rule for both upgrade checks)', () => {
  const outcomeOf = async (h: NodeHost = host) => {
    const inProgress = await run(upgradeInProgressCheck({ host: h }));
    const failed = await run(upgradeFailedCheck({ host: h }));
    return { inProgress, failed };
  };

  it('calls a run without End-Date and without syslog (Debian 12: journal only) unknown, never a success', async () => {
    await debianNode();
    await put('var/log/apt/history.log', history(false));
    const { inProgress, failed } = await outcomeOf();
    expect(inProgress.fields.lastResult).toBe('unknown');
    expect(failed).toMatchObject({
      status: 'False',
      reason: 'PackageStateConsistent',
      fields: { lastRun: '2023-10-08T06:23:10Z', lastResult: 'unknown' },
    });
  });

  it('agrees on a run apt closed with an Error line', async () => {
    await debianNode();
    await put(
      'var/log/apt/history.log',
      `${history(false)}Error: Sub-process /usr/bin/dpkg returned an error code (1)\nEnd-Date: 2023-10-08  06:30:00\n`,
    );
    const { inProgress, failed } = await outcomeOf();
    expect(inProgress.fields).toMatchObject({ lastResult: 'exit-code', lastDuration: '6m50s' });
    expect(failed).toMatchObject({
      reason: 'UpgradeExitedWithError',
      fields: { stopped: '2023-10-08T06:30:00Z', exitCode: '1' },
    });
  });

  it('keeps an earlier timeout standing while a later run is not judged yet', async () => {
    await debianNode();
    await put(
      'var/log/apt/history.log',
      `${history(false)}\nStart-Date: 2023-10-09  06:12:00\nCommandline: /usr/bin/unattended-upgrade\n`,
    );
    await put('var/log/syslog', timedOutSyslog);
    const { inProgress, failed } = await outcomeOf();
    expect(inProgress.fields).toMatchObject({ lastRun: '2023-10-09T06:12:00Z', lastResult: 'unknown' });
    expect(failed).toMatchObject({
      reason: 'UpgradeTimedOut',
      fields: { started: '2023-10-08T06:23:10Z', stopped: '2023-10-08T06:38:04Z' },
    });
  });

  it('reads the syslog once for a run whose ending systemd has told', async () => {
    await debianNode();
    await put('var/log/apt/history.log', history(false));
    await put('var/log/syslog', timedOutSyslog);
    let syslogReads = 0;
    const counting: NodeHost = {
      readText: (path) => {
        if (path === '/var/log/syslog') syslogReads++;
        return host.readText(path);
      },
      list: (dir) => host.list(dir),
      mtimeMs: (path) => host.mtimeMs(path),
      processes: () => host.processes(),
    };
    for (let i = 0; i < 3; i++) {
      const { inProgress, failed } = await outcomeOf(counting);
      expect(inProgress.fields.lastResult).toBe('timeout');
      expect(failed.reason).toBe('UpgradeTimedOut');
    }
    expect(syslogReads).toBe(1);
  });
});

describe('RebootRequired', () => {
  it('follows /boot: a newer kernel installed than the one running, by whom', async () => {
    await debianNode();
    expect((await run(rebootRequiredCheck({ host }))).reason).toBe('RunningNewestKernel');
    // dpkg keeps the package's file times: the kernel file says when it was built.
    await put('boot/vmlinuz-6.1.0-13-amd64', '', at('2023-09-20T12:00:00Z'));
    await put('var/log/apt/history.log', history(false));
    const fields = {
      running: '6.1.0-12-amd64',
      installed: '6.1.0-13-amd64',
      installedBy: 'apt-daily-upgrade.service',
    };
    // Without dpkg.log, the start of the apt run that installed it.
    expect(await run(rebootRequiredCheck({ host }))).toMatchObject({
      status: 'True',
      reason: 'NewerKernelInstalled',
      fields: { ...fields, installedAt: '2023-10-08T06:23:10Z' },
    });
    await put(
      'var/log/dpkg.log',
      [
        '2023-10-08 06:31:02 status unpacked linux-image-6.1.0-13-amd64:amd64 6.1.55-1',
        '2023-10-08 06:31:12 status installed linux-image-6.1.0-13-amd64:amd64 6.1.55-1',
        '2023-10-08 06:31:40 status installed linux-image-6.1.0-13-amd64-dbg:amd64 6.1.55-1',
        '',
      ].join('\n'),
    );
    expect(await run(rebootRequiredCheck({ host }))).toMatchObject({
      fields: { ...fields, installedAt: '2023-10-08T06:31:12Z' },
    });
  });
});

describe('ConntrackTableFull', () => {
  it('turns True at 90 %, drops win, and clears only below 85 % with no drops for 5 min', async () => {
    const check = conntrackCheck({ host });
    const stat = (drop: number) =>
      `entries  searched found new invalid ignore delete delete_list insert insert_failed drop early_drop\n0000 0 0 0 0 0 0 0 0 0 ${drop.toString(16)} 0\n0000 0 0 0 0 0 0 0 0 0 0 0\n`;
    const sample = async (count: number, drop: number, ms: number) => {
      await put('proc/sys/net/netfilter/nf_conntrack_count', `${count}\n`);
      await put('proc/sys/net/netfilter/nf_conntrack_max', '262144\n');
      await put('proc/net/stat/nf_conntrack', stat(drop));
      return run(check, ms);
    };
    const t = at('2023-01-01T00:00:00Z');
    expect((await sample(1000, 0, t)).reason).toBe('ConntrackHasRoom');
    expect((await sample(240112, 0, t + 30_000)).reason).toBe('ConntrackNearlyFull');
    expect((await sample(230000, 0, t + 60_000)).reason).toBe('ConntrackNearlyFull'); // 87.7 %: hysteresis
    const dropping = await sample(262144, 812, t + 90_000);
    expect(dropping).toMatchObject({
      reason: 'ConntrackDroppingPackets',
      fields: { drops: '812', since: '2023-01-01T00:00:30Z' },
    });
    expect((await sample(1000, 812, t + 120_000)).reason).toBe('ConntrackDroppingPackets'); // drops within 5 min
    expect((await sample(1000, 812, t + 90_000 + 5 * 60_000)).reason).toBe('ConntrackHasRoom');
  });

  it('carries on the streak of a restart while True: since from before, and 85–90 % still full', async () => {
    const check = conntrackCheck({ host });
    check.resume?.(at('2023-01-01T00:00:30Z'));
    await put('proc/sys/net/netfilter/nf_conntrack_count', '230000\n');
    await put('proc/sys/net/netfilter/nf_conntrack_max', '262144\n');
    expect(await run(check, at('2023-01-01T01:00:00Z'))).toMatchObject({
      reason: 'ConntrackNearlyFull',
      fields: { since: '2023-01-01T00:00:30Z' },
    });
  });

  it('cannot run without nf_conntrack', async () => {
    await expect(
      conntrackCheck({ host }).run({ startedMs: 0, signal: new AbortController().signal }),
    ).rejects.toThrow(/nf_conntrack/);
  });
});
