/**
 * `kubetriage agent` as the DaemonSet runs it, as a process against a simulated cluster: it
 * reads its node's host from --host-root, writes its conditions within a second or so of
 * starting, keeps its state in --state-dir, and stops cleanly on SIGTERM.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClientFor } from '../support/live-feed.ts';
import { type SimCluster, startSimCluster } from '../support/sim-cluster.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'kubetriage.js');
let cluster: SimCluster;
let hostRoot: string;
let stateDir: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  cluster = await startSimCluster({ workers: 1 });
  hostRoot = await mkdtemp(join(tmpdir(), 'kt-agent-cmd-'));
  stateDir = await mkdtemp(join(tmpdir(), 'kt-agent-cmd-state-'));
  await mkdir(join(hostRoot, 'proc/sys/kernel'), { recursive: true });
  await writeFile(join(hostRoot, 'proc/sys/kernel/osrelease'), '6.8.0-1017-aws\n');
  await mkdir(join(hostRoot, 'boot'));
  await writeFile(join(hostRoot, 'boot/vmlinuz-6.8.0-1018-aws'), '');
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await cluster?.stop();
  await rm(hostRoot, { recursive: true, force: true });
  await rm(stateDir, { recursive: true, force: true });
});

interface NodeConditions {
  status?: { conditions?: { type: string; status: string; reason: string; lastHeartbeatTime?: string }[] };
}

describe('kubetriage agent', () => {
  it('explains itself in --help', async () => {
    const help = await new Promise<string>((resolve) =>
      execFile(process.execPath, [bin, 'agent', '--help'], (_e, stdout) => resolve(stdout)),
    );
    expect(help).toContain('--api-endpoint <host:port>');
    expect(help).toContain('KubernetesServiceVIPUnreachable');
    expect(help).toContain('docs/node-agent-report.md');
    expect(help).toContain('--state-dir <dir>');
    expect(help).toContain('KernelChanged');
  });

  it('reports its node’s conditions through the API endpoint and exits 0 on SIGTERM', async () => {
    const api = apiClientFor(cluster);
    const node = (await api.getJson<{ items: { metadata: { name: string } }[] }>('/api/v1/nodes')).body
      .items[0].metadata.name;
    child = spawn(
      process.execPath,
      [
        bin,
        'agent',
        '--node',
        node,
        '--kubeconfig',
        cluster.kubeconfig,
        '--host-root',
        hostRoot,
        '--state-dir',
        stateDir,
        '--service-vip',
        '127.0.0.1:1',
        '--no-endpoint-discovery',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, KUBERNETES_SERVICE_HOST: '' } },
    );
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const conditions = async () =>
      (await api.getJson<NodeConditions>(`/api/v1/nodes/${node}`)).body.status?.conditions ?? [];
    let found: Awaited<ReturnType<typeof conditions>> = [];
    for (let i = 0; i < 200; i++) {
      found = await conditions();
      if (
        found.some((c) => c.type === 'RebootRequired') &&
        found.some((c) => c.type === 'APIEndpointUnreachable')
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const byType = Object.fromEntries(found.map((c) => [c.type, c]));
    expect(byType.APIEndpointUnreachable, stderr).toMatchObject({
      status: 'False',
      reason: 'EndpointReachable',
    });
    expect(byType.RebootRequired).toMatchObject({ status: 'True', reason: 'NewerKernelInstalled' });
    expect(byType.AutomaticUpgradeScheduled).toMatchObject({
      status: 'False',
      reason: 'NoUpgradeTimerEnabled',
    });
    // The kubelet's own conditions are untouched by the strategic-merge PATCH.
    expect(byType.Ready).toBeDefined();
    const exit = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    child = undefined;
    // What the next container of the pod starts from, written at the stop.
    const kept = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8'));
    expect(kept).toMatchObject({ version: 1, host: { kernel: '6.8.0-1017-aws' } });
    expect(kept.conditions.map((c: { type: string }) => c.type)).toContain('RebootRequired');
  });
});
