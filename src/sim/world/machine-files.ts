/**
 * The simulated machine's state written out the way Linux and its packages write it, for the
 * node agent's checks to read through `NodeHost` (machine-host.ts). Each renderer is a pure
 * function of the machine model; the formats are the real ones, cited beside each, so the
 * agent parses here exactly what it parses on a node.
 */
import type { PackageState } from './node-machines.ts';

/**
 * os-release(5): `KEY=value` lines, values with spaces double-quoted. The kubelet's
 * `nodeInfo.osImage` is this file's PRETTY_NAME, so the machine's file is rebuilt from it.
 */
export function osRelease(prettyName: string): string {
  const [name = 'Linux', ...rest] = prettyName.split(' ');
  const id = name.toLowerCase() === 'debian' ? 'debian' : name.toLowerCase().replace(/[^a-z0-9._-]/g, '');
  const version = /\d+(\.\d+)*/.exec(rest.join(' '))?.[0];
  return [
    `PRETTY_NAME=${JSON.stringify(prettyName)}`,
    `NAME=${JSON.stringify(name)}`,
    ...(version ? [`VERSION_ID=${JSON.stringify(version)}`] : []),
    `ID=${id}`,
    '',
  ].join('\n');
}

/** `2023-10-08  06:23:04`: apt's history.log time (two spaces), in the node's local time, UTC. */
function aptTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)}  ${iso.slice(11, 19)}`;
}

/**
 * `name=version` (the scenario's form) as apt lists it: `systemd:amd64 (252.17-1~deb12u1)`;
 * a package named without a version is a new install apt marks `(automatic)` (the kernel image
 * a metapackage pulled in). apt's Upgrade lines also carry the old version, which the model
 * does not keep; the agent reads only the last one.
 */
function aptPackageList(packages: readonly string[]): { upgrade: string[]; install: string[] } {
  const upgrade: string[] = [];
  const install: string[] = [];
  for (const p of packages) {
    const [name, version] = p.split('=');
    if (version) upgrade.push(`${name}:amd64 (${version})`);
    else install.push(`${name}:amd64 (automatic)`);
  }
  return { upgrade, install };
}

/** The command a timer-driven upgrade runs (unattended-upgrades' own entry point). */
export const unattendedUpgradeCommand = '/usr/bin/unattended-upgrade';

function historyBlock(o: {
  startedMs: number;
  endedMs?: number;
  packages: readonly string[];
  error?: boolean;
}): string {
  const { upgrade, install } = aptPackageList(o.packages);
  return [
    `Start-Date: ${aptTime(o.startedMs)}`,
    `Commandline: ${unattendedUpgradeCommand}`,
    ...(install.length ? [`Install: ${install.join(', ')}`] : []),
    ...(upgrade.length ? [`Upgrade: ${upgrade.join(', ')}`] : []),
    ...(o.error ? ['Error: Sub-process /usr/bin/dpkg returned an error code (1)'] : []),
    // A run systemd killed at its timeout never wrote its End-Date.
    ...(o.endedMs !== undefined ? [`End-Date: ${aptTime(o.endedMs)}`] : []),
  ].join('\n');
}

/**
 * /var/log/apt/history.log: one block per apt run, blank lines between (apt's
 * apt-pkg/history code, `Start-Date`, `Commandline`, `Install`/`Upgrade`, `Error`, `End-Date`).
 * The model keeps the last finished run and the one under way.
 */
export function aptHistory(pkg: PackageState): string {
  const blocks: string[] = [];
  const last = pkg.lastRun;
  if (last)
    blocks.push(
      historyBlock({
        startedMs: last.startedMs,
        endedMs: last.result === 'timeout' ? undefined : last.endedMs,
        packages: last.packages ?? [],
        error: last.result === 'error',
      }),
    );
  if (pkg.running)
    blocks.push(historyBlock({ startedMs: pkg.running.sinceMs, packages: pkg.running.packages }));
  return blocks.length ? `\n${blocks.join('\n\n')}\n` : '';
}

/**
 * /var/lib/dpkg/status: a stanza per package (deb-control(5) fields); a run killed mid-way
 * leaves its packages `half-configured` (dpkg(1), package states).
 */
export function dpkgStatus(pkg: PackageState): string {
  const installed = pkg.upgradedPackages.filter((p) => !pkg.halfInstalled.includes(p));
  const stanza = (p: string, status: string): string => {
    const [name, version] = p.split('=');
    return [
      `Package: ${name}`,
      `Status: ${status}`,
      'Architecture: amd64',
      `Version: ${version ?? 'unknown'}`,
    ].join('\n');
  };
  return `${[
    ...installed.map((p) => stanza(p, 'install ok installed')),
    ...pkg.halfInstalled.map((p) => stanza(p, 'install ok half-configured')),
  ].join('\n\n')}\n`;
}

/**
 * A line of rsyslog's high-precision format (`RSYSLOG_FileFormat`, Debian's and Ubuntu's
 * default): RFC 3339 time with microseconds, host, tag, message.
 */
export function syslogLine(atMs: number, host: string, tag: string, message: string): string {
  const iso = new Date(atMs).toISOString();
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}000+00:00 ${host} ${tag}: ${message}`;
}

/**
 * What systemd logs when it kills a unit at its TimeoutStartSec (src/core/service.c:
 * `<unit>: Failed with result 'timeout'.`) or when it ends cleanly (`Deactivated successfully.`).
 */
export function unitEndingLines(pkg: PackageState, host: string, unit: string): string[] {
  const last = pkg.lastRun;
  if (!last) return [];
  if (last.result === 'timeout')
    return [
      syslogLine(last.endedMs, host, 'systemd[1]', `${unit}: start operation timed out. Terminating.`),
      syslogLine(last.endedMs, host, 'systemd[1]', `${unit}: Failed with result 'timeout'.`),
    ];
  if (last.result === 'error')
    return [
      syslogLine(
        last.endedMs,
        host,
        'systemd[1]',
        `${unit}: Main process exited, code=exited, status=1/FAILURE`,
      ),
      syslogLine(last.endedMs, host, 'systemd[1]', `${unit}: Failed with result 'exit-code'.`),
    ];
  return [syslogLine(last.endedMs, host, 'systemd[1]', `${unit}: Deactivated successfully.`)];
}

/** A timer unit (systemd.timer(5)) as Debian's apt package ships apt-daily-upgrade.timer. */
export function timerUnit(o: { description: string; onCalendar: string; randomizedDelay?: string }): string {
  return [
    '[Unit]',
    `Description=${o.description}`,
    '',
    '[Timer]',
    `OnCalendar=${o.onCalendar}`,
    ...(o.randomizedDelay ? [`RandomizedDelaySec=${o.randomizedDelay}`] : []),
    'Persistent=true',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
}

/** The service a timer starts (systemd.service(5)); `ExecStart` is what the agent classifies. */
export function serviceUnit(o: { description: string; execStart: string }): string {
  return [
    '[Unit]',
    `Description=${o.description}`,
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=${o.execStart}`,
    '',
  ].join('\n');
}

/**
 * /proc/net/stat/nf_conntrack: a header naming the columns, then one row of hex counters per
 * CPU (net/netfilter/nf_conntrack_standalone.c, ct_cpu_seq_show; the columns of Linux 5.x/6.x). The drops go on CPU 0.
 */
export function conntrackStat(o: { entries: number; drops: number; cpus: number }): string {
  const columns = [
    'entries',
    'clashres',
    'found',
    'new',
    'invalid',
    'ignore',
    'delete',
    'chainlength',
    'insert',
    'insert_failed',
    'drop',
    'early_drop',
    'icmp_error',
    'expect_new',
    'expect_create',
    'expect_delete',
    'search_restart',
  ];
  const hex = (n: number) => Math.max(0, Math.round(n)).toString(16).padStart(8, '0');
  const rows: string[] = [];
  for (let cpu = 0; cpu < o.cpus; cpu++)
    rows.push(
      columns
        .map((c) => (c === 'entries' ? hex(o.entries) : c === 'drop' && cpu === 0 ? hex(o.drops) : hex(0)))
        .join(' '),
    );
  return `${columns.join('  ')}\n${rows.join('\n')}\n`;
}

/** /proc/pressure/io (Documentation/accounting/psi.rst): `some` and `full` lines. */
export function pressureFile(o: { some: number; full: number; totalUs: number }): string {
  const line = (kind: string, avg60: number) =>
    `${kind} avg10=${avg60.toFixed(2)} avg60=${avg60.toFixed(2)} avg300=${(avg60 / 3).toFixed(2)} total=${Math.round(o.totalUs)}`;
  return `${line('some', o.some)}\n${line('full', o.full)}\n`;
}

/** The first line of /proc/stat that the agent reads, `btime`: the boot time in epoch seconds (proc(5)). */
export function procStat(bootedMs: number): string {
  return `cpu  0 0 0 0 0 0 0 0 0 0\nbtime ${Math.floor(bootedMs / 1000)}\nprocesses 0\n`;
}
