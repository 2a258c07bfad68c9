/**
 * RebootRequired: what the next boot will change. The running kernel
 * (`/proc/sys/kernel/osrelease`) against the newest installed `/boot/vmlinuz-*`, and
 * Debian's `/run/reboot-required` flag with the packages that asked for it. The kubelet's
 * `nodeInfo.kernelVersion` only shows the running kernel, and only after the reboot.
 */
import { rfc3339 } from '../../time/clock.ts';
import { type Check, CheckNotRun, healthy, problem } from '../check.ts';
import type { NodeHost } from '../host.ts';
import { listValue } from '../logfmt.ts';
import { packageRuns, unitOfRun } from '../package-history.ts';

/** Kernel release strings by their numbers: 6.1.0-13-amd64 is newer than 6.1.0-9-amd64. */
export function compareKernels(a: string, b: string): number {
  const pa = a.match(/\d+/g)?.map(Number) ?? [];
  const pb = b.match(/\d+/g)?.map(Number) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d) return d;
  }
  return 0;
}

export interface BootFacts {
  running: string;
  bootId?: string;
  bootedMs?: number;
}

export async function bootFacts(host: NodeHost): Promise<BootFacts | undefined> {
  const running = (await host.readText('/proc/sys/kernel/osrelease'))?.trim();
  if (!running) return undefined;
  const bootId = (await host.readText('/proc/sys/kernel/random/boot_id'))?.trim();
  const btime = /^btime (\d+)$/m.exec((await host.readText('/proc/stat')) ?? '');
  return { running, bootId, bootedMs: btime ? Number(btime[1]) * 1000 : undefined };
}

/**
 * When and by what a kernel was installed. When: dpkg.log's `status installed
 * linux-image-<release>` line, else the start of the apt run that installed it; not
 * `/boot/vmlinuz-*`'s mtime, since dpkg keeps the times files have in the package (that is
 * when it was built). Both logs are in the node's local time, which on Kubernetes nodes is
 * UTC. By what: the unit (or command line) of the last package run that installed its
 * linux-image package (that release's package if the history names it, else any linux-image).
 */
export async function kernelInstall(
  host: NodeHost,
  release: string,
): Promise<{ installedAt?: string; installedBy?: string }> {
  const runs = await packageRuns(host);
  const pkg = `linux-image-${release}`;
  const exact = runs.findLast((r) => r.packages.some((p) => p === pkg || p.startsWith(`${pkg}@`)));
  const by = exact ?? runs.findLast((r) => r.packages.some((p) => p.startsWith('linux-image')));
  const dpkgAt = lastInstalled(await host.readText('/var/log/dpkg.log'), pkg);
  const at = dpkgAt ?? exact?.startedMs;
  return {
    installedAt: at !== undefined ? rfc3339(at) : undefined,
    installedBy: by ? (unitOfRun(by) ?? by.commandline.slice(0, 80)) : undefined,
  };
}

/** `2023-10-08 06:31:12 status installed linux-image-6.1.0-13-amd64:amd64 6.1.0-13`: the last one for `pkg`. */
export function lastInstalled(dpkgLog: string | undefined, pkg: string): number | undefined {
  let at: number | undefined;
  for (const line of (dpkgLog ?? '').split('\n')) {
    const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) status installed (\S+?)(?::\S+)? /.exec(line);
    if (m && m[3] === pkg) at = Date.parse(`${m[1]}T${m[2]}Z`);
  }
  return at;
}

export interface RebootRequiredOptions {
  host: NodeHost;
  /** The kernel and boot before this one, from the agent's state volume, when known. */
  previous?: () => { kernel: string; bootId?: string } | undefined;
}

export function rebootRequiredCheck(o: RebootRequiredOptions): Check {
  return {
    type: 'RebootRequired',
    kind: 'host',
    intervalMs: 60_000,
    timeoutMs: 5_000,
    async run() {
      const boot = await bootFacts(o.host);
      if (!boot) throw new CheckNotRun('cannot read /proc/sys/kernel/osrelease');
      const kernels = (await o.host.list('/boot'))
        .filter((f) => f.startsWith('vmlinuz-'))
        .map((f) => f.slice('vmlinuz-'.length))
        .sort(compareKernels);
      const newest = kernels.at(-1);
      const booted = boot.bootedMs !== undefined ? rfc3339(boot.bootedMs) : undefined;
      if (newest && compareKernels(newest, boot.running) > 0) {
        const installed = await kernelInstall(o.host, newest);
        return problem('NewerKernelInstalled', 'a newer kernel is installed than the one running', [
          ['running', boot.running],
          ['installed', newest],
          ['installedAt', installed.installedAt],
          ['installedBy', installed.installedBy],
          ['booted', booted],
        ]);
      }
      if ((await o.host.readText('/run/reboot-required')) !== undefined) {
        const pkgs = ((await o.host.readText('/run/reboot-required.pkgs')) ?? '').split('\n').filter(Boolean);
        return problem('PackagesRequestReboot', '/run/reboot-required is present', [
          ['running', boot.running],
          ['packages', listValue([...new Set(pkgs)])],
        ]);
      }
      const prev = o.previous?.();
      return healthy('RunningNewestKernel', 'the running kernel is the newest installed', [
        ['running', boot.running],
        ['bootID', boot.bootId],
        ['booted', booted],
        ['previousKernel', prev?.kernel],
        ['previousBootID', prev?.bootId],
      ]);
    },
  };
}
