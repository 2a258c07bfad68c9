/**
 * What changed on the host between two looks, reported as the events of
 * docs/node-agent-report.md §4 that no condition carries: `KernelChanged` when the node came
 * back from a reboot on another kernel, `OSImageChanged` when the OS image moved (a dist or
 * point-release upgrade, which needs no reboot). The "before" is what the state volume kept,
 * so a first start has nothing to compare with and says nothing. The boot before this one is
 * also RebootRequired's `previousKernel`/`previousBootID`.
 *
 * It looks at start and then on RebootRequired's cadence. KernelChanged is timed at the boot
 * (`/proc/stat` btime), so a container that dies before the state is written and sees the
 * same reboot again makes the same event name, which the API takes as already delivered.
 */
import { rfc3339 } from '../time/clock.ts';
import type { AgentState, HostRecord } from './agent-state.ts';
import type { EventWatch } from './check.ts';
import { bootFacts, kernelInstall } from './checks/reboot-required.ts';
import type { NodeHost } from './host.ts';
import { conditionMessage } from './logfmt.ts';
import type { AgentEvent } from './node-events.ts';
import { osImage } from './os-image.ts';

export interface PreviousBoot {
  kernel: string;
  bootId?: string;
}

export interface HostChangesOptions {
  host: NodeHost;
  state: AgentState;
}

export class HostChanges implements EventWatch {
  readonly name = 'host-changes';
  readonly intervalMs = 60_000;
  readonly timeoutMs = 5_000;
  private readonly o: HostChangesOptions;
  private seen: HostRecord | undefined;
  private previous: PreviousBoot | undefined;

  constructor(o: HostChangesOptions) {
    this.o = o;
    this.seen = o.state.loaded.host;
    this.previous = o.state.loaded.previousBoot;
    o.state.provide('host', () => this.seen);
    o.state.provide('previousBoot', () => this.previous);
  }

  /** The kernel and boot before this one, when the state volume saw them. */
  previousBoot(): PreviousBoot | undefined {
    return this.previous;
  }

  async run(atMs: number): Promise<AgentEvent[]> {
    const boot = await bootFacts(this.o.host);
    if (!boot) return []; // no running kernel to compare: RebootRequired reports why
    const image = await osImage(this.o.host);
    const before = this.seen;
    // The kernel cannot change without a reboot, so it stands in for an unreadable boot ID.
    const rebooted =
      before !== undefined &&
      (before.bootId && boot.bootId ? before.bootId !== boot.bootId : before.kernel !== boot.running);
    const now: HostRecord = {
      kernel: boot.running,
      bootId: boot.bootId,
      // btime can wobble by a second between reads; this boot's first reading stands.
      bootedMs: before && !rebooted ? (before.bootedMs ?? boot.bootedMs) : boot.bootedMs,
      osImage: image ?? before?.osImage,
    };
    const events: AgentEvent[] = [];
    if (before && rebooted) {
      this.previous = { kernel: before.kernel, bootId: before.bootId };
      if (before.kernel !== now.kernel) events.push(await this.kernelChanged(before, now, atMs));
    }
    if (before?.osImage !== undefined && image !== undefined && image !== before.osImage)
      events.push({
        reason: 'OSImageChanged',
        type: 'Normal',
        message: conditionMessage('OS image changed', [
          [
            ['from', before.osImage],
            ['to', image],
            ['bootID', now.bootId],
          ],
        ]),
        atMs: rebooted && now.bootedMs !== undefined ? now.bootedMs : atMs,
        key: 'OSImageChanged',
      });
    if (
      !before ||
      rebooted ||
      before.kernel !== now.kernel ||
      before.bootId !== now.bootId ||
      before.osImage !== now.osImage
    ) {
      this.seen = now;
      this.o.state.changed();
    }
    return events;
  }

  private async kernelChanged(before: HostRecord, now: HostRecord, atMs: number): Promise<AgentEvent> {
    const installed = await kernelInstall(this.o.host, now.kernel);
    return {
      reason: 'KernelChanged',
      type: 'Normal',
      message: conditionMessage('kernel changed across a reboot', [
        [
          ['from', before.kernel],
          ['to', now.kernel],
          ['previousBootID', before.bootId],
          ['bootID', now.bootId],
          ['booted', now.bootedMs !== undefined ? rfc3339(now.bootedMs) : undefined],
          ['installedBy', installed.installedBy],
          ['installedAt', installed.installedAt],
        ],
      ]),
      atMs: now.bootedMs ?? atMs,
      key: 'KernelChanged',
    };
  }
}
