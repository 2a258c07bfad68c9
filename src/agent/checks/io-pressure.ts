/**
 * NodeIOPressure: the kernel's pressure stall information for I/O, `/proc/pressure/io`
 * (Documentation/accounting/psi.rst: a `some` line, the share of wall time at least one task
 * waited on I/O, and a `full` line, the share in which every non-idle task did at once, each
 * as avg10/avg60/avg300 percentages and a `total` in microseconds), and the kernel's hung-task
 * watchdog lines in the node's kernel log (`INFO: task <comm>:<pid> blocked for more than <n>
 * seconds.`, kernel/hung_task.c, after hung_task_timeout_secs, 120 s by default).
 *
 * `True` (`IOStalled`) when `full` avg60 reaches 30 %: for 18 of the last 60 s nothing on the
 * node could run because everything waited on the disk. A busy but healthy node keeps `full`
 * near zero (some task always has CPU work), while the runtime's calls and the kubelet's relist
 * wait on the same disk, so at that share they outlast their deadlines. `True`
 * (`TasksBlockedOnIO`) when the kernel named a task blocked within the last 10 min. `False`
 * again only when `full` avg60 is below 10 % and no task was named for 10 min, so a disk
 * hovering at the line does not flap. Without `/proc/pressure/io` (kernels before 4.20, or
 * booted with psi=0) the check cannot say the disk is fine and does not run, unless the kernel
 * named a blocked task, which is a problem whatever PSI says.
 */
import { rfc3339 } from '../../time/clock.ts';
import { goDuration } from '../../time/go-duration.ts';
import { type Check, CheckNotRun, healthy, problem } from '../check.ts';
import type { NodeHost } from '../host.ts';
import { type Field, listValue } from '../logfmt.ts';

const stalledAt = 30;
const flowingBelow = 10;
const blockedWindowMs = 10 * 60_000;
/** How much of a kernel log's end is read: 10 min of a chatty node's syslog fits well within it. */
const kernelLogTailBytes = 4 * 1024 * 1024;

/** Kernel log files, by distribution: Debian/Ubuntu's kern.log, then RHEL/Amazon Linux's messages, then syslog. */
const kernelLogs = ['/var/log/kern.log', '/var/log/messages', '/var/log/syslog'];

export interface IoPressure {
  some: { avg10: number; avg60: number; avg300: number; total: number };
  full?: { avg10: number; avg60: number; avg300: number; total: number };
}

/** Parses `/proc/pressure/io`; undefined when the text has no `some` line. */
export function parsePressure(text: string): IoPressure | undefined {
  const lines: Record<string, IoPressure['some']> = {};
  for (const line of text.split('\n')) {
    const m = /^(some|full)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const f = Object.fromEntries(m[2].split(/\s+/).map((kv) => kv.split('=')));
    lines[m[1]] = {
      avg10: Number(f.avg10) || 0,
      avg60: Number(f.avg60) || 0,
      avg300: Number(f.avg300) || 0,
      total: Number(f.total) || 0,
    };
  }
  return lines.some ? { some: lines.some, full: lines.full } : undefined;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A syslog line's time: RFC 3339 (rsyslog's high-precision format, Debian 12) or the
 * traditional `Mmm dd hh:mm:ss`, which has no year: the one that puts it at or before now.
 */
export function syslogTimeMs(line: string, nowMs: number): number | undefined {
  const iso = Date.parse(line.slice(0, 35).split(' ')[0]);
  if (Number.isFinite(iso)) return iso;
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})/.exec(line);
  const month = m ? months.indexOf(m[1]) : -1;
  if (!m || month < 0) return undefined;
  const year = new Date(nowMs).getUTCFullYear();
  const at = (y: number) => Date.UTC(y, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  return at(year) > nowMs + 24 * 3_600_000 ? at(year - 1) : at(year);
}

const hungTask = /INFO: task (\S+):(\d+) blocked for more than (\d+) seconds\./;

/** The tasks the hung-task watchdog named in the window, `comm:pid`, from the first kernel log found. */
export async function blockedTasks(
  host: NodeHost,
  nowMs: number,
  windowMs = blockedWindowMs,
): Promise<string[]> {
  for (const file of kernelLogs) {
    // A busy node's syslog runs to hundreds of MB between rotations; the last 10 min are at its end.
    const text = host.readTail ? await host.readTail(file, kernelLogTailBytes) : await host.readText(file);
    if (text === undefined) continue;
    const tasks = new Set<string>();
    for (const line of text.split('\n')) {
      const m = hungTask.exec(line);
      if (!m) continue;
      const t = syslogTimeMs(line, nowMs);
      if (t !== undefined && nowMs - t <= windowMs && t <= nowMs + 60_000) tasks.add(`${m[1]}:${m[2]}`);
    }
    return [...tasks];
  }
  return [];
}

export function ioPressureCheck(o: { host: NodeHost }): Check {
  let problemSince: number | undefined;
  let wasProblem = false;
  return {
    type: 'NodeIOPressure',
    kind: 'host',
    intervalMs: 30_000,
    timeoutMs: 2_000,
    resume(sinceMs) {
      problemSince = sinceMs;
      wasProblem = true;
    },
    async run({ startedMs }) {
      const text = await o.host.readText('/proc/pressure/io');
      const psi = text === undefined ? undefined : parsePressure(text);
      const tasks = await blockedTasks(o.host, startedMs);
      if (!psi && !tasks.length)
        throw new CheckNotRun(
          'no pressure stall information (no /proc/pressure/io: kernel before 4.20 or psi=0)',
        );
      const fullAvg60 = psi?.full?.avg60 ?? 0;
      const stalled =
        psi !== undefined && (fullAvg60 >= stalledAt || (wasProblem && fullAvg60 >= flowingBelow));
      const isProblem = stalled || tasks.length > 0;
      wasProblem = isProblem;
      const psiFields: Field[] = psi
        ? [
            ['fullAvg60', fullAvg60],
            ['someAvg60', psi.some.avg60],
          ]
        : [];
      if (!isProblem) {
        problemSince = undefined;
        return healthy('IOFlowing', 'tasks are not stalled on I/O', [...psiFields, ['blockedTasks', 0]]);
      }
      problemSince ??= startedMs;
      const fields: Field[] = [
        ...psiFields,
        ['blockedTasks', tasks.length],
        ...(tasks.length ? [['tasks', listValue(tasks)] as const] : []),
        ['since', rfc3339(problemSince)],
      ];
      if (stalled)
        return problem(
          'IOStalled',
          'every runnable task on the node is stalled on I/O much of the time',
          fields,
        );
      return problem('TasksBlockedOnIO', 'the kernel reports tasks blocked in uninterruptible sleep', [
        ...fields,
        ['window', goDuration(blockedWindowMs)],
      ]);
    },
  };
}
