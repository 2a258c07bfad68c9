/**
 * `kubetriage sim` as a user runs it: a separate process, its kubeconfig used by the real
 * kubectl, a clean stop on SIGINT; and the CLI's help and usage errors with exit codes.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKubectl } from '../support/sim-cluster.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'kubetriage.js');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('kubetriage CLI', () => {
  it('teaches with --help', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('sim');
    const sim = await run(['sim', '--help']);
    expect(sim.code).toBe(0);
    expect(sim.stdout).toMatch(/--kubeconfig-out <file>/);
    expect(sim.stdout).toMatch(/Examples:/);
  });

  it.each([
    [['sim', '--port', 'abc'], /--port must be a whole number from 0 to 65535 \(got "abc"\)/],
    [['sim', '--nodes', '-1'], /--nodes must be a whole number/],
    [['no-such-command'], /unknown command 'no-such-command'/],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('kubetriage sim, served and used by kubectl', () => {
  let dir: string;
  let kubeconfig: string;
  let child: ReturnType<typeof spawn>;
  let stderr = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubetriage-cli-'));
    kubeconfig = join(dir, 'kubeconfig');
    child = spawn(process.execPath, [
      bin,
      'sim',
      '--port',
      '0',
      '--nodes',
      '2',
      '--kubeconfig-out',
      kubeconfig,
    ]);
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('kubeconfig written')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`sim exited early with ${code}: ${stderr}`)));
    });
  });

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('prints where it serves and how to use it', () => {
    expect(stderr).toMatch(/serving a cluster of 3 nodes at https:\/\/127\.0\.0\.1:\d+/);
    expect(stderr).toContain(`kubectl --kubeconfig ${kubeconfig} get nodes -o wide`);
  });

  it('serves a cluster kubectl accepts through the written kubeconfig', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        findKubectl(),
        ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'get', 'nodes', '-o', 'name'],
        (err, stdout, se) => (err ? reject(new Error(se)) : resolve(stdout)),
      );
    });
    expect(out.trim().split('\n')).toEqual(['node/cp-1', 'node/worker-1', 'node/worker-2']);
  });

  it('stops cleanly on SIGINT', async () => {
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toContain('kubetriage sim: stopping');
  });
});
