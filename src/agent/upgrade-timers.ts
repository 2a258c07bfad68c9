/**
 * Which enabled systemd timers run a package upgrade (docs/node-agent-report.md §2): the
 * service's ExecStart is `apt.systemd.daily install` (with APT::Periodic::Unattended-Upgrade
 * on), `unattended-upgrade`, `apt|apt-get upgrade|dist-upgrade|full-upgrade`, `dnf-automatic`
 * with apply_updates, `dnf|yum|tdnf update|upgrade`, `zypper up|dup|patch`, `rpm-ostree
 * upgrade`, or the unit matches `--upgrade-timer=<glob>`. Logrotate, fstrim and the like
 * change nothing a pod depends on and are left out.
 */
import type { NodeHost } from './host.ts';
import { enabledTimers, first, installedTimers, parseTimeSpan, readUnit } from './systemd-units.ts';

export interface UpgradeTimer {
  timer: string;
  unit: string;
  exec: string;
  onCalendar?: string;
  randomizedDelayMs: number;
  persistent: boolean;
  /** From systemd's stamp file (persistent timers), epoch ms. */
  lastTriggerMs?: number;
}

const upgradeCommands: RegExp[] = [
  /\bunattended-upgrades?\b/,
  /\b(apt|apt-get)\s+(-\S+\s+)*(upgrade|dist-upgrade|full-upgrade)\b/,
  /\b(dnf|yum|tdnf)\s+(-\S+\s+)*(update|upgrade)\b/,
  /\bzypper\s+(-\S+\s+)*(up|update|dup|dist-upgrade|patch)\b/,
  /\brpm-ostree\s+upgrade\b/,
];

/** `apt-daily*.timer` style globs. */
export function globMatch(glob: string, name: string): boolean {
  const re = new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(name);
}

/** APT::Periodic::Unattended-Upgrade from /etc/apt/apt.conf.d (the last setting wins). */
async function aptUnattendedOn(host: NodeHost): Promise<boolean> {
  let value = '0';
  for (const f of await host.list('/etc/apt/apt.conf.d')) {
    const text = (await host.readText(`/etc/apt/apt.conf.d/${f}`)) ?? '';
    for (const m of text.matchAll(/APT::Periodic::Unattended-Upgrade\s+"([^"]*)"/g)) value = m[1];
  }
  return value !== '0' && value !== '';
}

async function dnfAutomaticApplies(host: NodeHost): Promise<boolean> {
  const text = (await host.readText('/etc/dnf/automatic.conf')) ?? '';
  return /^\s*apply_updates\s*=\s*(yes|true|1)\b/m.test(text);
}

async function runsUpgrade(host: NodeHost, exec: string): Promise<boolean> {
  if (/apt\.systemd\.daily\s+install\b/.test(exec)) return aptUnattendedOn(host);
  if (/dnf-automatic(-install)?\b/.test(exec))
    return /dnf-automatic-install/.test(exec) || dnfAutomaticApplies(host);
  return upgradeCommands.some((re) => re.test(exec));
}

export interface TimerScan {
  enabled: UpgradeTimer[];
  /** Upgrade timers installed but not enabled (the healthy message's `disabled=`). */
  disabled: string[];
}

export async function scanUpgradeTimers(host: NodeHost, globs: readonly string[] = []): Promise<TimerScan> {
  const enabled = new Set(await enabledTimers(host));
  const out: TimerScan = { enabled: [], disabled: [] };
  for (const timer of await installedTimers(host)) {
    const t = await readUnit(host, timer);
    const unit = first(t, 'Timer', 'Unit') ?? timer.replace(/\.timer$/, '.service');
    const svc = await readUnit(host, unit);
    const exec = (svc?.Service?.ExecStart ?? []).join('; ').replace(/^[-@:+!]+/, '');
    const matches =
      globs.some((g) => globMatch(g, timer) || globMatch(g, unit)) || (await runsUpgrade(host, exec));
    if (!matches) continue;
    if (!enabled.has(timer)) {
      out.disabled.push(timer);
      continue;
    }
    out.enabled.push({
      timer,
      unit,
      exec,
      onCalendar: first(t, 'Timer', 'OnCalendar'),
      randomizedDelayMs: parseTimeSpan(first(t, 'Timer', 'RandomizedDelaySec')) ?? 0,
      persistent: /^(yes|true|1|on)$/i.test(first(t, 'Timer', 'Persistent') ?? ''),
      lastTriggerMs: await host.mtimeMs(`/var/lib/systemd/timers/stamp-${timer}`),
    });
  }
  return out;
}
