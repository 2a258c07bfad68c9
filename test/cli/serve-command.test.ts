/**
 * `kubetriage serve --replay` as a process, then `incidents` and `postmortem` on what it
 * stored: the whole path a person takes after an outage. A local receiver plays the generic
 * webhook and gets the incident's messages; the store is SQLite under a temp --data-dir.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'kubetriage.js');

function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { timeout: 120_000, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

let dir: string;
let hookUrl: string;
const received: { event: string; incident: { id: string; status: string } }[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    received.push(JSON.parse(body));
    res.writeHead(204).end();
  });
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kt-serve-'));
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  receiver.close();
  await rm(dir, { recursive: true, force: true });
});

describe('kubetriage serve, incidents, postmortem', () => {
  it('replays data100 through serve, notifies the webhook, and leaves a record the other commands read', async () => {
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, 'a-token-of-at-least-16-chars\n');
    const served = await run([
      'serve',
      '--replay',
      'data100-2019',
      '--exit-after-replay',
      '--port',
      '0',
      '--data-dir',
      dir,
      '--token-file',
      tokenFile,
      '--notify',
      `webhook=${hookUrl}`,
    ]);
    expect(served.stderr).toContain('replay done');
    expect(served.code).toBe(0);
    // Changes that arrive while a message is on its way leave as one with the latest state
    // (notify/channel.ts): on a loaded machine the replay can resolve the incident before its
    // 'opened' goes out, and then the first message the webhook gets is the resolution.
    expect(['opened', 'resolved']).toContain(received[0]?.event);
    expect(received.at(-1)).toMatchObject({
      event: 'resolved',
      incident: { id: 'INC-0001', status: 'resolved' },
    });

    const list = await run(['incidents', '--data-dir', dir, '--cluster', 'data100-2019', '-o', 'json']);
    expect(list.code).toBe(0);
    const incidents = (
      JSON.parse(list.stdout) as { items: { id: string; status: string; top: { pattern: string } }[] }
    ).items;
    expect(incidents.map((i) => [i.id, i.status, i.top.pattern])).toEqual([
      ['INC-0001', 'resolved', 'control-plane-unreachable'],
    ]);

    const pm = await run(['postmortem', 'INC-0001', '--data-dir', dir, '--cluster', 'data100-2019']);
    expect(pm.code).toBe(0);
    expect(pm.stdout).toContain('# Postmortem (draft): ');
    expect(pm.stdout).toContain('support ticket opened with the cloud provider');
  });

  it('says what to do when the incident or the store is not there', async () => {
    const missing = await run(['postmortem', 'INC-0042', '--data-dir', dir, '--cluster', 'data100-2019']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no incident INC-0042');
    expect(missing.stderr).toContain('kubetriage incidents');
    const bad = await run(['incidents', '--database-url', 'postgres://nobody@127.0.0.1:1/none']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('next:');
    const tokens = join(dir, 'two-bare-tokens');
    await writeFile(tokens, 'a-token-of-at-least-16-chars\nanother-token-of-16-chars\n');
    const unnamed = await run(['serve', '--replay', 'data100-2019', '--token-file', tokens]);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain(`${tokens}:1 is not name:token`);
    expect(unnamed.stderr).toContain('next: write one token, or one name:token per line');
    const usage = await run(['serve', '--replay', 'data100-2019', '--notify', 'pager=http://x']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('pager');
  });
});
