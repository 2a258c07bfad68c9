/**
 * `kubectl triage …`: the real kubectl finds bin/kubectl-triage through PATH (a temp dir
 * holding a link to it, as krew's bin directory would) and runs kubetriage with the rest of
 * the command line, here against a simulated cluster.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findKubectl, type SimCluster, startSimCluster } from '../support/sim-cluster.ts';

const repo = join(import.meta.dirname, '..', '..');
let dir: string;
let cluster: SimCluster;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kt-plugin-'));
  await symlink(join(repo, 'bin', 'kubectl-triage'), join(dir, 'kubectl-triage'));
  cluster = await startSimCluster({ workers: 2 });
});
afterAll(async () => {
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

function kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      findKubectl(),
      args,
      {
        timeout: 60_000,
        env: { ...process.env, PATH: `${dir}:/usr/bin:/bin`, KUBECONFIG: cluster.kubeconfig },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  );
}

describe('kubectl triage', () => {
  it('is listed by kubectl plugin list and passes its arguments to kubetriage', async () => {
    const list = await kubectl(['plugin', 'list']);
    expect(list.stdout).toContain(join(dir, 'kubectl-triage'));
    const version = await kubectl(['triage', '--version']);
    expect(version.stdout.trim()).toBe('0.1.0');
    const help = await kubectl(['triage', 'agent', '--help']);
    expect(help.stdout).toContain('Usage: kubetriage agent');
  });

  it('scans the cluster of the current kubeconfig context', async () => {
    const r = await kubectl(['triage', 'scan']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.stdout).toMatch(/No cluster-level failure found\./);
    expect(r.code).toBe(0);
  });

  it('has a krew manifest template naming the plugin and its entry point', async () => {
    const m = parse(await readFile(join(repo, 'deploy', 'krew', 'triage.template.yaml'), 'utf8'));
    expect(m).toMatchObject({
      apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
      kind: 'Plugin',
      metadata: { name: 'triage' },
    });
    for (const p of m.spec.platforms) expect(p.bin).toBe('bin/kubectl-triage');
  });
});
