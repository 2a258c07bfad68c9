import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../time/manual-clock.ts';
import { AgentState, type StateParts } from './agent-state.ts';

const t0 = Date.UTC(2023, 9, 8, 6, 38, 16);
let dir: string;
let logs: string[];
const log = (msg: string) => logs.push(msg);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kt-agent-state-'));
  logs = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const parts: StateParts = {
  conditions: [
    {
      type: 'PackageUpgradeFailed',
      status: 'True',
      reason: 'UpgradeTimedOut',
      message:
        'the last package upgrade was stopped by systemd after its timeout; unit=apt-daily-upgrade.service',
      lastTransitionTime: '2023-10-08T06:38:16Z',
    },
  ],
  outbox: {
    events: [
      {
        reason: 'UpgradeTimedOut',
        type: 'Warning',
        message: 'Node condition PackageUpgradeFailed is now: True, reason: UpgradeTimedOut, message: "…"',
        atMs: t0,
        key: 'PackageUpgradeFailed\nTrue\nUpgradeTimedOut',
      },
    ],
    dropped: { n: 3, fromMs: t0 - 60_000, toMs: t0 },
  },
  host: {
    kernel: '6.1.0-12-amd64',
    bootId: 'a1d04e77-5c3b-4f19-8e2a-6b9d3c7f1e20',
    bootedMs: t0 - 3 * 86_400_000,
    osImage: 'Debian GNU/Linux 12 (bookworm) 12.1',
  },
  previousBoot: { kernel: '6.1.0-11-amd64', bootId: '0f0e0d0c-0000-4000-8000-000000000001' },
  apiEndpoints: [{ host: '10.0.0.10', port: 6443 }],
};

/** A store whose every part is provided from `held`, as the agent's owners provide theirs. */
async function storeHolding(held: StateParts, clock = new ManualClock(t0)) {
  const state = await AgentState.open({ dir, clock, log });
  for (const k of Object.keys(held) as (keyof StateParts)[]) state.provide(k, () => held[k] as never);
  return { state, clock };
}

describe('AgentState', () => {
  it('keeps every part across a restart (round trip through the file)', async () => {
    const { state } = await storeHolding(parts);
    expect(state.loaded).toEqual({ conditions: [], outbox: { events: [] }, apiEndpoints: [] });
    await state.close();
    const again = await AgentState.open({ dir, clock: new ManualClock(t0), log });
    expect(again.loaded).toEqual(parts);
    expect(logs).toEqual([]);
  });

  it('coalesces changes into one write a second after the first, with what the owners hold then', async () => {
    const held = structuredClone(parts);
    const { state, clock } = await storeHolding(held);
    state.changed();
    held.apiEndpoints.push({ host: '10.0.0.11', port: 6443 });
    state.changed();
    clock.advance(999);
    await state.idle();
    expect(state.writes).toBe(0);
    clock.advance(1);
    await state.idle();
    expect(state.writes).toBe(1);
    const file = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
    expect(file).toMatchObject({ version: 1, savedAt: '2023-10-08T06:38:17Z' });
    expect(file.apiEndpoints).toHaveLength(2);
    // Nothing changed since: no write, until the stop writes once more.
    clock.advance(5_000);
    await state.flush();
    expect(state.writes).toBe(1);
    await state.close();
    expect(state.writes).toBe(2);
  });

  it('ignores a corrupt file, another version or a wrong shape, with a log, and starts empty', async () => {
    const cases: [string, string][] = [
      ['{"version":1,"conditions":[', 'not JSON'],
      [JSON.stringify({ ...parts, version: 2, savedAt: 'x' }), 'unknown version'],
      [
        JSON.stringify({ ...parts, version: 1, savedAt: 'x', outbox: { events: [{ reason: 1 }] } }),
        'does not match its schema',
      ],
    ];
    for (const [text, why] of cases) {
      logs = [];
      await writeFile(join(dir, 'state.json'), text);
      const state = await AgentState.open({ dir, clock: new ManualClock(t0), log });
      expect(state.loaded, why).toEqual({ conditions: [], outbox: { events: [] }, apiEndpoints: [] });
      expect(logs.join('\n'), why).toContain(why);
      // …and the next write replaces it with a good one.
      state.provide('apiEndpoints', () => parts.apiEndpoints);
      await state.close();
      expect((await AgentState.open({ dir, clock: new ManualClock(t0) })).loaded.apiEndpoints).toEqual(
        parts.apiEndpoints,
      );
    }
  });

  it('never leaves a partial file: a failed rename removes its temp file and keeps the old state', async () => {
    const { state } = await storeHolding(parts);
    // A directory where the file goes makes the rename fail after the temp file was written.
    await mkdir(join(dir, 'state.json'));
    state.changed();
    await state.close();
    expect(state.writes).toBe(0);
    expect(await readdir(dir)).toEqual(['state.json']);
    expect(logs).toEqual(['cannot write agent state; carrying on without it']);
  });

  it('carries on when the directory disappears, logging once per failing streak', async () => {
    const { state, clock } = await storeHolding(parts);
    await rm(dir, { recursive: true });
    for (let i = 0; i < 3; i++) {
      state.changed();
      clock.advance(1_000);
      await state.idle();
    }
    expect(logs).toEqual(['cannot write agent state; carrying on without it']);
    await mkdir(dir);
    state.changed();
    clock.advance(1_000);
    await state.idle();
    expect(state.writes).toBe(1);
    expect(logs.at(-1)).toBe('agent state written again');
  });

  it('runs stateless without a directory, or when it does not exist, and creates nothing', async () => {
    for (const d of ['', join(dir, 'absent')]) {
      logs = [];
      const state = await AgentState.open({ dir: d, clock: new ManualClock(t0), log });
      expect(state.file).toBeUndefined();
      expect(logs).toHaveLength(1);
      state.provide('apiEndpoints', () => parts.apiEndpoints);
      state.changed();
      await state.close();
      expect(state.writes).toBe(0);
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes temp files a container left when it died mid-write', async () => {
    await writeFile(join(dir, 'state.json.1.tmp'), '{"version":1,"condi');
    await AgentState.open({ dir, clock: new ManualClock(t0), log });
    expect(await readdir(dir)).toEqual([]);
  });
});
