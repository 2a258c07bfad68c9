/**
 * `kubetriage serve` against a live (simulated) cluster when it cannot start: a data
 * directory whose SQLite file is garbage, and a port another process holds. It must exit
 * with the documented code and a message naming the file or port and the next step,
 * rather than print the error and sit there with its watches open, serving nothing.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE_FILE } from '../../src/incident/store/sqlite-store.ts';
import { type SimCluster, startSimCluster } from '../support/sim-cluster.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'kubetriage.js');

/** Runs serve; a process still alive after the timeout is killed and reported as such. */
function serve(args: string[]): Promise<{ code: number | string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, 'serve', '--kubeconfig', cluster.kubeconfig, '--token-file', tokenFile, ...args],
      { timeout: 60_000, env: { ...process.env, KUBETRIAGE_ALLOW_REMEDIATION: '' } },
      (err, _stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : `killed (${err.signal})`) : 0;
        resolve({ code, stderr });
      },
    );
  });
}

let cluster: SimCluster;
let tokenFile: string;
let taken: Server;

beforeAll(async () => {
  cluster = await startSimCluster();
  tokenFile = join(cluster.dir, 'token');
  await writeFile(tokenFile, 'a-token-of-at-least-16-chars\n');
  taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
}, 60_000);

afterAll(async () => {
  taken.close();
  await cluster.stop();
});

describe('serve exits when it cannot start', () => {
  it('exits 3 naming a data directory whose database is not SQLite', async () => {
    const dataDir = join(cluster.dir, 'corrupt');
    await mkdir(dataDir);
    await writeFile(join(dataDir, SQLITE_FILE), Buffer.alloc(8192, 0x5a));
    const r = await serve(['--port', '0', '--data-dir', dataDir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(join(dataDir, SQLITE_FILE));
    expect(r.stderr).toContain('next: move it aside');
  }, 90_000);

  it('exits 2 naming a port another process listens on: the --port given cannot be used', async () => {
    const port = (taken.address() as { port: number }).port;
    const r = await serve(['--port', String(port), '--data-dir', join(cluster.dir, 'ok')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
    expect(r.stderr).toContain('next: choose another --port');
  }, 90_000);
});
