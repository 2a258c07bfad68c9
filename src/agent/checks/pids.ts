/**
 * NodePIDsExhausted: the tasks the kernel has made against the two limits on making more.
 * `/proc/sys/kernel/pid_max` caps process and thread IDs; `/proc/sys/kernel/threads-max`
 * caps tasks (the kernel sizes it from memory, kernel/fork.c set_max_threads). The fourth
 * field of `/proc/loadavg` is `running/total` scheduling entities (kernel/sched/loadavg.c:
 * nr_running()/nr_threads), and every one of them holds a PID, so `total` is what is in use.
 * Past either limit fork() and clone() fail with EAGAIN, for the runtime and the kubelet as
 * much as for the workload. The kubelet's PIDPressure needs a pid.available eviction
 * threshold, which it has none of by default, so this is the warning a node gives without one.
 *
 * `True` at 90 % of the smaller limit; `False` again below 85 %, so a node hovering at the
 * line does not flap.
 */
import { rfc3339 } from '../../time/clock.ts';
import { type Check, CheckNotRun, healthy, problem } from '../check.ts';
import type { NodeHost } from '../host.ts';

const nearlyExhausted = 0.9;
const availableAgain = 0.85;

/** The total of `/proc/loadavg`'s `running/total` field, or undefined if it is not there. */
export function tasksInUse(loadavg: string): number | undefined {
  const m = loadavg
    .trim()
    .split(/\s+/)[3]
    ?.match(/^\d+\/(\d+)$/);
  return m ? Number(m[1]) : undefined;
}

function readLimit(text: string | undefined): number | undefined {
  const n = Number(text?.trim());
  return text !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

export function pidsCheck(o: { host: NodeHost }): Check {
  let problemSince: number | undefined;
  let wasProblem = false;
  return {
    type: 'NodePIDsExhausted',
    kind: 'host',
    intervalMs: 30_000,
    timeoutMs: 1_000,
    resume(sinceMs) {
      // Restarted while True: still True at 85–90 %, and `since` keeps the first sample.
      problemSince = sinceMs;
      wasProblem = true;
    },
    async run({ startedMs }) {
      const pidMax = readLimit(await o.host.readText('/proc/sys/kernel/pid_max'));
      const threadsMax = readLimit(await o.host.readText('/proc/sys/kernel/threads-max'));
      const loadavg = await o.host.readText('/proc/loadavg');
      const inUse = loadavg === undefined ? undefined : tasksInUse(loadavg);
      if (pidMax === undefined || threadsMax === undefined)
        throw new CheckNotRun('cannot read /proc/sys/kernel/pid_max and /proc/sys/kernel/threads-max');
      if (inUse === undefined) throw new CheckNotRun('no running/total field in /proc/loadavg');
      const limit = Math.min(pidMax, threadsMax);
      const used = inUse / limit;
      const isProblem = used >= nearlyExhausted || (wasProblem && used >= availableAgain);
      wasProblem = isProblem;
      const fields = [
        ['inUse', inUse],
        ['pidMax', pidMax],
        ['threadsMax', threadsMax],
        ['percent', Math.floor(used * 100)],
      ] as const;
      if (!isProblem) {
        problemSince = undefined;
        return healthy('PIDsAvailable', 'the node has process IDs to spare', fields);
      }
      problemSince ??= startedMs;
      return problem('PIDsNearlyExhausted', 'the node is close to running out of process IDs', [
        ...fields,
        ['since', rfc3339(problemSince)],
      ]);
    },
  };
}
