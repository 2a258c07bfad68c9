/**
 * What the host's package manager has done, from its own files: the blocks apt writes to
 * `/var/log/apt/history.log` (one per run: Start-Date, Commandline, Upgrade/Install lines,
 * End-Date, or no End-Date when the run was killed), how a killed run ended according to
 * systemd's lines in the text syslog (`Failed with result 'timeout'`), and the packages
 * dpkg left half-installed in `/var/lib/dpkg/status`. Times in these files are the node's
 * local time; the agent assumes UTC, as cloud node images are.
 */
import type { NodeHost } from './host.ts';

export interface PackageRun {
  startedMs: number;
  endedMs?: number;
  commandline: string;
  /** `name@newVersion`, in the order apt listed them. */
  packages: string[];
  /** apt's own `Error:` line, when it wrote one. */
  error?: string;
}

/** `2023-10-08  06:23:04` (apt's format) as UTC epoch ms. */
function aptTime(text: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})\s+(\d{2}:\d{2}:\d{2})$/.exec(text.trim());
  return m ? Date.parse(`${m[1]}T${m[2]}Z`) : undefined;
}

/** `libc6:amd64 (2.36-9+deb12u1, 2.36-9+deb12u3), systemd:amd64 (252.17-1~deb12u1)` → name@new. */
export function aptPackages(list: string): string[] {
  const out: string[] = [];
  for (const m of list.matchAll(/([^\s,(]+)\s+\(([^)]*)\)/g)) {
    const name = m[1].replace(/:[^:]+$/, '');
    const versions = m[2].split(',').map((v) => v.trim());
    const version = versions.filter((v) => v !== 'automatic').at(-1);
    out.push(version ? `${name}@${version}` : name);
  }
  return out;
}

export function parseAptHistory(text: string): PackageRun[] {
  const runs: PackageRun[] = [];
  let cur: PackageRun | undefined;
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z-]+):\s?(.*)$/.exec(line);
    if (!m) continue;
    const [, key, value] = m;
    if (key === 'Start-Date') {
      const t = aptTime(value);
      cur = t === undefined ? undefined : { startedMs: t, commandline: '', packages: [] };
      if (cur) runs.push(cur);
    } else if (!cur) continue;
    else if (key === 'Commandline') cur.commandline = value;
    else if (key === 'Upgrade' || key === 'Install' || key === 'Reinstall' || key === 'Downgrade')
      cur.packages.push(...aptPackages(value));
    else if (key === 'Error') cur.error = value;
    else if (key === 'End-Date') cur.endedMs = aptTime(value);
  }
  return runs;
}

export async function packageRuns(host: NodeHost): Promise<PackageRun[]> {
  return parseAptHistory((await host.readText('/var/log/apt/history.log')) ?? '');
}

/** The systemd unit a run belongs to: the timer-driven apt units, else none (a person or a script). */
export function unitOfRun(run: PackageRun): string | undefined {
  return /unattended-upgrade/.test(run.commandline) ? 'apt-daily-upgrade.service' : undefined;
}

export interface UnitEnding {
  /** systemd's result word: timeout, exit-code, signal, success… */
  result: string;
  exitCode?: number;
  atMs?: number;
}

/**
 * How the run of `unit` that started at `sinceMs` ended, from systemd's lines in /var/log/syslog or
 * /var/log/messages (`apt-daily-upgrade.service: Failed with result 'timeout'.`,
 * `Main process exited, code=exited, status=100/n/a`). Undefined when no text log has it.
 * The first result line after `sinceMs` is that run's ending (a unit runs one at a time), and
 * `final`; an exit line alone is not, since its result line follows.
 */
async function readUnitEnding(
  host: NodeHost,
  unit: string,
  sinceMs: number,
): Promise<{ ending: UnitEnding; final: boolean } | undefined> {
  let ending: UnitEnding | undefined;
  for (const file of ['/var/log/syslog', '/var/log/messages']) {
    const text = await host.readText(file);
    if (!text) continue;
    for (const line of text.split('\n')) {
      if (!line.includes(`${unit}:`)) continue;
      const t = Date.parse(line.slice(0, 32).split(' ')[0]);
      if (Number.isFinite(t) && t < sinceMs) continue;
      const at = Number.isFinite(t) ? t : undefined;
      const failed = /Failed with result '([^']+)'/.exec(line);
      const exited = /code=exited, status=(\d+)/.exec(line);
      if (failed) return { ending: { ...ending, result: failed[1], atMs: at }, final: true };
      if (/Succeeded\.|Deactivated successfully/.test(line))
        return { ending: { result: 'success', atMs: at }, final: true };
      if (exited && exited[1] !== '0')
        ending = { result: 'exit-code', exitCode: Number(exited[1]), atMs: at };
    }
  }
  return ending && { ending, final: false };
}

/**
 * Endings already settled, per host and (unit, run start): once systemd has said how a run
 * ended, the syslog (large on a busy node) is not read and split again at every check.
 */
const settledEndings = new WeakMap<NodeHost, Map<string, UnitEnding>>();

async function unitEnding(host: NodeHost, unit: string, sinceMs: number): Promise<UnitEnding | undefined> {
  const key = `${unit}\n${sinceMs}`;
  const known = settledEndings.get(host)?.get(key);
  if (known) return known;
  const found = await readUnitEnding(host, unit, sinceMs);
  if (found?.final) {
    const memo = settledEndings.get(host) ?? new Map<string, UnitEnding>();
    settledEndings.set(host, memo.set(key, found.ending));
  }
  return found?.ending;
}

export interface RunOutcome {
  run: PackageRun;
  /** The timer-driven unit it ran under, when it was one. */
  unit?: string;
  /** systemd's account, read only for a run apt never closed (no End-Date). */
  ending?: UnitEnding;
  /**
   * `success`; `exit-code` (apt's Error line, or systemd's exit), `timeout`, `signal` or
   * another systemd result word; `unknown` for a run with no End-Date whose ending no text log
   * records: still going, or killed on a node without syslog (Debian 12 keeps only the journal).
   */
  result: string;
  exitCode?: number;
  /** When it ended, by apt's End-Date or systemd's line. */
  endedMs?: number;
}

/** One rule for how a run ended, shared by PackageUpgradeInProgress and PackageUpgradeFailed. */
export async function runOutcome(host: NodeHost, run: PackageRun): Promise<RunOutcome> {
  const unit = unitOfRun(run);
  // apt's `Error: Sub-process /usr/bin/dpkg returned an error code (1)`.
  const code = run.error ? /code \((\d+)\)/.exec(run.error)?.[1] : undefined;
  const aptCode = code !== undefined ? Number(code) : undefined;
  if (run.endedMs !== undefined)
    return run.error
      ? { run, unit, result: 'exit-code', exitCode: aptCode, endedMs: run.endedMs }
      : { run, unit, result: 'success', endedMs: run.endedMs };
  const ending = unit ? await unitEnding(host, unit, run.startedMs) : undefined;
  if (!ending) return { run, unit, result: 'unknown' };
  return {
    run,
    unit,
    ending,
    result: ending.result,
    exitCode: ending.exitCode ?? aptCode,
    endedMs: ending.atMs,
  };
}

/** How the newest run in apt's history ended; undefined when there is none. */
export async function lastRunOutcome(
  host: NodeHost,
  runs?: readonly PackageRun[],
): Promise<RunOutcome | undefined> {
  const last = (runs ?? (await packageRuns(host))).at(-1);
  return last && runOutcome(host, last);
}

/** dpkg packages not fully installed: half-installed, half-configured or unpacked. */
export async function halfInstalled(host: NodeHost): Promise<string[]> {
  const text = (await host.readText('/var/lib/dpkg/status')) ?? '';
  const out: string[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const name = /^Package:\s*(\S+)/m.exec(stanza)?.[1];
    const status = /^Status:\s*(.+)$/m.exec(stanza)?.[1] ?? '';
    if (name && /\b(half-installed|half-configured|unpacked)\b/.test(status)) out.push(name);
  }
  return out;
}

/** The packages that change a node under its pods (contract §2). */
export function notablePackages(packages: readonly string[]): string[] {
  return packages.filter((p) =>
    /^(linux-image|kernel|systemd|udev|libc6|glibc|containerd|runc|cri-o|docker-ce|kubelet|kubeadm|iptables|nftables)/.test(
      p,
    ),
  );
}
