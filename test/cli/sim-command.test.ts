/**
 * `kubetriage sim` as a user runs it: a separate process, its kubeconfig used by the real
 * kubectl, a clean stop on SIGINT; and the CLI's help and usage errors with exit codes.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/sim/scenario/loader.ts';
import { findKubectl } from '../support/sim-cluster.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'kubetriage.js');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Starts `kubetriage sim ARGS` as a process; resolves with it and its stderr once it serves. */
async function serve(args: string[]): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [bin, 'sim', ...args]);
  let text = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('kubeconfig written')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`sim exited early with ${code}: ${text}`)));
  });
  return { child, stderr: () => text };
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
    const served = await serve(['--port', '0', '--nodes', '2', '--kubeconfig-out', kubeconfig]);
    child = served.child;
    stderr = served.stderr();
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
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

describe('kubetriage sim --scenario', () => {
  let dir: string;
  let child: ReturnType<typeof spawn>;
  let stderr = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubetriage-scenario-'));
    const served = await serve([
      '--scenario',
      'digitalocean-2023',
      '--speed',
      '120',
      '--port',
      '0',
      '--kubeconfig-out',
      join(dir, 'kubeconfig'),
    ]);
    child = served.child;
    stderr = served.stderr();
  });

  afterAll(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the scenario's cluster from its start time: its pools, versions and workloads", async () => {
    const scenario = await loadScenario('digitalocean-2023');
    expect(stderr).toContain('virtual time starts 2023-10-08T04:00:00Z and runs at 120x');
    const kubectl = (args: string[]) =>
      new Promise<string>((resolve, reject) => {
        execFile(
          findKubectl(),
          ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args],
          (err, stdout, se) => (err ? reject(new Error(se)) : resolve(stdout)),
        );
      });
    const nodes = JSON.parse(await kubectl(['get', 'nodes', '-o', 'json'])) as {
      items: { status: { nodeInfo: { kubeletVersion: string } } }[];
    };
    expect(nodes.items).toHaveLength(scenario.cluster.nodePools.reduce((n, p) => n + p.count, 0));
    const versions = new Set(nodes.items.map((n) => n.status.nodeInfo.kubeletVersion.replace(/^v/, '')));
    expect(versions).toEqual(
      new Set(scenario.cluster.nodePools.map((p) => p.kubeletVersion.replace(/^v/, ''))),
    );
    const server = JSON.parse(await kubectl(['version', '-o', 'json'])) as {
      serverVersion: { gitVersion: string };
    };
    expect(server.serverVersion.gitVersion.replace(/^v/, '')).toBe(
      scenario.cluster.kubernetesVersion.replace(/^v/, ''),
    );
  });

  it('rejects a speed that is not a positive number, and an unknown scenario', async () => {
    const bad = await run(['sim', '--scenario', 'airmap-2018', '--speed', 'fast']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--speed must be a positive number/);
    const unknown = await run(['sim', '--scenario', 'no-such-outage']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/scenario "no-such-outage" not found/);
    expect(unknown.stderr).toMatch(/next: .*kubetriage scenarios/);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
  });
});
