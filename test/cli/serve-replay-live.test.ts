/**
 * `serve --replay` is a server while it replays, not after: /healthz and the API answer
 * during a three-day replay, incidents show as they open, and SIGTERM ends the replay with
 * the record kept (issue 21: it used to answer nothing until the replay was over).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchServe } from '../support/serve-process.ts';
import { eventually } from '../support/wait-for.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'kubetriage.js');
const token = 'replay-live-token';
let dir: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kt-replay-live-'));
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

/** A GET that gives up after `limitMs` (a hang, not a slow answer: the bound is generous). */
async function get(url: string, limitMs = 30_000): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(limitMs) });
}

describe('serve --replay while it replays', () => {
  it('answers health and the API as incidents open, and stops on SIGTERM keeping the record', async () => {
    child = spawn(
      process.execPath,
      [bin, 'serve', '--replay', 'digitalocean-2023', '--data-dir', dir, '--port', '0'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, KUBETRIAGE_TOKEN: token },
      },
    );
    const out = watchServe(child);
    const origin = await eventually('serve to listen', async () => out.origin());

    const health = await get(`${origin}/healthz`);
    expect(health.status).toBe(200);
    const opened = await eventually(
      'an incident to open',
      async () => {
        const r = (await (await get(`${origin}/api/incidents`)).json()) as { incidents: { id: string }[] };
        return r.incidents.length > 0 ? r.incidents : undefined;
      },
      400_000,
    );
    // Still replaying: the API answered before the replay ended.
    expect(out.stderr()).not.toContain('replay done');
    expect((await get(`${origin}/livez`)).status).toBe(200);

    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out.stderr()).toContain('replay stopped');

    const list = await new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, [bin, 'incidents', '--data-dir', dir, '-o', 'name']);
      let s = '';
      p.stdout.on('data', (d) => {
        s += d;
      });
      p.on('error', reject);
      p.on('exit', () => resolve(s));
    });
    expect(list).toContain(`incident/${opened[0].id}`);
  }, 600_000);
});
