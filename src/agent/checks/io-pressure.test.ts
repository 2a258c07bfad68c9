/**
 * NodeIOPressure against a fake node laid out from the fixture files beside this test: PSI's
 * /proc/pressure/io as the kernel prints it (idle, busy, saturated, easing), and kernel logs
 * carrying the hung-task watchdog's lines in the traditional and RFC 3339 syslog formats.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TempHost, tempHost } from '../../../test/agent/temp-host.ts';
import { parseAgentMessage } from '../../kube/agent-message.ts';
import { type Check, CheckNotRun } from '../check.ts';
import { conditionMessage } from '../logfmt.ts';
import { ioPressureCheck, parsePressure, syslogTimeMs } from './io-pressure.ts';

const fixtures = join(import.meta.dirname, 'testdata', 'io-pressure');
const fixture = (name: string) => readFile(join(fixtures, name), 'utf8');
const at = (iso: string) => Date.parse(iso);

let fake: TempHost;
beforeEach(async () => {
  fake = await tempHost();
});
afterEach(async () => {
  await fake.remove();
});

const psi = async (name: string) => fake.put('proc/pressure/io', await fixture(name));

async function run(check: Check, startedMs: number) {
  const r = await check.run({ startedMs, signal: new AbortController().signal });
  return { ...r, fields: parseAgentMessage(conditionMessage(r.summary, r.groups)).fields };
}

describe('parsePressure', () => {
  it('reads the some and full lines', async () => {
    expect(parsePressure(await fixture('pressure-io-saturated'))).toEqual({
      some: { avg10: 92.41, avg60: 88.07, avg300: 61.3, total: 412098833 },
      full: { avg10: 71.02, avg60: 64.58, avg300: 40.12, total: 301774120 },
    });
  });
});

describe('syslogTimeMs', () => {
  it('reads RFC 3339 and the traditional format, whose year is the one at or before now', () => {
    const now = at('2024-01-01T00:10:00Z');
    expect(syslogTimeMs('2023-10-08T06:31:40.448120+00:00 host kernel: x', now)).toBe(
      at('2023-10-08T06:31:40.448Z'),
    );
    expect(syslogTimeMs('Jan  1 00:05:00 host kernel: x', now)).toBe(at('2024-01-01T00:05:00Z'));
    expect(syslogTimeMs('Dec 31 23:59:00 host kernel: x', now)).toBe(at('2023-12-31T23:59:00Z'));
    expect(syslogTimeMs('garbage', now)).toBeUndefined();
  });
});

describe('NodeIOPressure', () => {
  it('is False (IOFlowing) on an idle disk, and on a busy one where some task always runs', async () => {
    const check = ioPressureCheck({ host: fake.host });
    await psi('pressure-io-idle');
    const idle = await run(check, at('2024-03-01T10:00:00Z'));
    expect(idle).toMatchObject({ status: 'False', reason: 'IOFlowing' });
    expect(idle.fields).toMatchObject({ fullAvg60: '0.03', someAvg60: '0.12', blockedTasks: '0' });
    await psi('pressure-io-busy');
    expect(await run(check, at('2024-03-01T10:00:30Z'))).toMatchObject({
      status: 'False',
      reason: 'IOFlowing',
    });
  });

  it('is True (IOStalled) at full avg60 of 30 % or more, and stays True until it falls below 10 %', async () => {
    const check = ioPressureCheck({ host: fake.host });
    await psi('pressure-io-saturated');
    const stalled = await run(check, at('2024-03-01T10:00:00Z'));
    expect(stalled).toMatchObject({ status: 'True', reason: 'IOStalled' });
    expect(stalled.fields).toMatchObject({
      fullAvg60: '64.58',
      someAvg60: '88.07',
      blockedTasks: '0',
      since: '2024-03-01T10:00:00Z',
    });
    // 16 % is below the 30 % line but inside the band: still stalled, since kept.
    await psi('pressure-io-easing');
    const easing = await run(check, at('2024-03-01T10:00:30Z'));
    expect(easing).toMatchObject({ status: 'True', reason: 'IOStalled' });
    expect(easing.fields.since).toBe('2024-03-01T10:00:00Z');
    await psi('pressure-io-idle');
    expect(await run(check, at('2024-03-01T10:01:00Z'))).toMatchObject({
      status: 'False',
      reason: 'IOFlowing',
    });
    // From healthy, the same 16 % is not a stall.
    await psi('pressure-io-easing');
    expect(await run(check, at('2024-03-01T10:01:30Z'))).toMatchObject({ status: 'False' });
  });

  it('is True (TasksBlockedOnIO) for 10 min after the kernel names a blocked task, even with PSI low', async () => {
    const check = ioPressureCheck({ host: fake.host });
    await psi('pressure-io-idle');
    await fake.put('var/log/messages', await fixture('messages'));
    const r = await run(check, at('2023-10-08T06:35:00Z'));
    expect(r).toMatchObject({ status: 'True', reason: 'TasksBlockedOnIO' });
    // The 06:10 line is past the window; the task name keeps its own colon.
    expect(r.fields).toMatchObject({ blockedTasks: '1', tasks: 'kworker/u4:2:98', window: '10m0s' });
    expect(await run(check, at('2023-10-08T06:42:00Z'))).toMatchObject({
      status: 'False',
      reason: 'IOFlowing',
    });
  });

  it('reports blocked tasks without PSI (kernel before 4.20), and does not run when it has neither', async () => {
    const check = ioPressureCheck({ host: fake.host });
    await fake.put('var/log/kern.log', await fixture('kern.log'));
    const r = await run(check, at('2017-06-02T13:33:00Z'));
    expect(r).toMatchObject({ status: 'True', reason: 'TasksBlockedOnIO' });
    expect(r.fields).toMatchObject({ blockedTasks: '2', tasks: 'dockerd:1432,jbd2/sda1-8:211' });
    expect(r.fields.fullAvg60).toBeUndefined();
    await expect(run(check, at('2017-06-02T13:50:00Z'))).rejects.toBeInstanceOf(CheckNotRun);
  });

  it('reads only the end of a large kernel log, from its first whole line', async () => {
    const filler = `${'Jun  2 13:00:00 node-a kernel: [1.0] noise\n'.repeat(120_000)}`;
    await fake.put('var/log/kern.log', `${filler}${await fixture('kern.log')}`);
    const tail = (await fake.host.readTail('/var/log/kern.log', 200)) ?? '';
    expect(tail.length).toBeLessThanOrEqual(200);
    expect(tail.split('\n')[0]).toMatch(/^Jun {2}2 13:32:05 /);
    const r = await run(ioPressureCheck({ host: fake.host }), at('2017-06-02T13:33:00Z'));
    expect(r.fields).toMatchObject({ blockedTasks: '2' });
  });

  it('keeps the since it was restarted with', async () => {
    const check = ioPressureCheck({ host: fake.host });
    check.resume?.(at('2024-03-01T09:50:00Z'));
    await psi('pressure-io-easing');
    const r = await run(check, at('2024-03-01T10:00:00Z'));
    expect(r).toMatchObject({ status: 'True', reason: 'IOStalled' });
    expect(r.fields.since).toBe('2024-03-01T09:50:00Z');
  });
});
