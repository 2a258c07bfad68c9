/**
 * NodePIDsExhausted against a fake node's /proc: the limits from /proc/sys/kernel, the tasks
 * in use from /proc/loadavg, read through RootedHost as the DaemonSet reads /host.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TempHost, tempHost } from '../../../test/agent/temp-host.ts';
import { parseAgentMessage } from '../../kube/agent-message.ts';
import { conditionMessage } from '../logfmt.ts';
import { pidsCheck, tasksInUse } from './pids.ts';

let fake: TempHost;
beforeEach(async () => {
  fake = await tempHost();
});
afterEach(async () => {
  await fake.remove();
});

const t0 = Date.parse('2024-03-01T10:00:00Z');

async function sample(check: ReturnType<typeof pidsCheck>, total: number, ms: number) {
  await fake.put('proc/loadavg', `3.12 2.80 2.41 4/${total} 31877\n`);
  const r = await check.run({ startedMs: ms, signal: new AbortController().signal });
  return { ...r, fields: parseAgentMessage(conditionMessage(r.summary, r.groups)).fields };
}

describe('NodePIDsExhausted', () => {
  it('reads the total of running/total in /proc/loadavg', () => {
    expect(tasksInUse('0.20 0.18 0.12 1/80 11206\n')).toBe(80);
    expect(tasksInUse('0.20 0.18 0.12\n')).toBeUndefined();
  });

  it('turns True at 90 % of pid_max and clears only below 85 %', async () => {
    await fake.put('proc/sys/kernel/pid_max', '32768\n');
    await fake.put('proc/sys/kernel/threads-max', '127431\n');
    const check = pidsCheck({ host: fake.host });
    expect(await sample(check, 1200, t0)).toMatchObject({
      status: 'False',
      reason: 'PIDsAvailable',
      fields: { inUse: '1200', pidMax: '32768', threadsMax: '127431', percent: '3' },
    });
    expect(await sample(check, 29500, t0 + 30_000)).toMatchObject({
      status: 'True',
      reason: 'PIDsNearlyExhausted',
      fields: { inUse: '29500', percent: '90', since: '2024-03-01T10:00:30Z' },
    });
    // 86 %: still True (hysteresis), since unchanged.
    expect(await sample(check, 28200, t0 + 60_000)).toMatchObject({
      reason: 'PIDsNearlyExhausted',
      fields: { percent: '86', since: '2024-03-01T10:00:30Z' },
    });
    expect((await sample(check, 27000, t0 + 90_000)).reason).toBe('PIDsAvailable');
    // 87 % from below: not yet a problem.
    expect((await sample(check, 28500, t0 + 120_000)).reason).toBe('PIDsAvailable');
  });

  it('measures against threads-max when it is the smaller limit', async () => {
    await fake.put('proc/sys/kernel/pid_max', '4194304\n');
    await fake.put('proc/sys/kernel/threads-max', '63704\n');
    const check = pidsCheck({ host: fake.host });
    expect(await sample(check, 63000, t0)).toMatchObject({
      reason: 'PIDsNearlyExhausted',
      fields: { pidMax: '4194304', threadsMax: '63704', percent: '98' },
    });
  });

  it('carries on the streak of a restart while True', async () => {
    await fake.put('proc/sys/kernel/pid_max', '32768\n');
    await fake.put('proc/sys/kernel/threads-max', '127431\n');
    const check = pidsCheck({ host: fake.host });
    check.resume?.(Date.parse('2024-03-01T09:40:00Z'));
    expect(await sample(check, 28200, t0)).toMatchObject({
      reason: 'PIDsNearlyExhausted',
      fields: { since: '2024-03-01T09:40:00Z' },
    });
  });

  it('cannot run without the limits', async () => {
    await fake.put('proc/loadavg', '0.20 0.18 0.12 1/80 11206\n');
    await expect(
      pidsCheck({ host: fake.host }).run({ startedMs: t0, signal: new AbortController().signal }),
    ).rejects.toThrow(/pid_max/);
  });
});
