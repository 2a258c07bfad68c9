/**
 * `kubetriage status` as a process against the simulator: healthy, degraded (a node gone
 * Unknown, CoreDNS crash-looping), unreachable, and bad input, each with its exit code.
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceForKind } from '../../src/sim/api/resources.ts';
import { type SimCluster, startSimCluster } from '../support/sim-cluster.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'kubetriage.js');

function status(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'status', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A kubeconfig whose context names a cluster it never defines (written before the tests run). */
const dangling = join(tmpdir(), `kt-dangling-${process.pid}.kubeconfig`);

describe('kubetriage status', () => {
  let c: SimCluster;
  beforeAll(async () => {
    c = await startSimCluster();
    writeFileSync(
      dangling,
      'apiVersion: v1\nkind: Config\ncurrent-context: prod\ncontexts: [{name: prod, context: {cluster: gone}}]\n',
    );
  });
  afterAll(async () => {
    rmSync(dangling, { force: true });
    await c?.stop();
  });

  it('reports a healthy cluster and exits 0', async () => {
    const r = await status(['--kubeconfig', c.kubeconfig]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^CONTROL PLANE {2}https:\/\/127\.0\.0\.1:\d+ {2}reachable {2}v1\.32\.4$/m);
    expect(r.stdout).toMatch(/^NODES {10}4 total: 4 Ready, 0 NotReady, 0 Unknown$/m);
    expect(r.stdout).toMatch(/^OVERALL {8}healthy$/m);
  });

  it('names what is wrong and exits 1 when the cluster is degraded', async () => {
    const store = c.sim.store;
    const node = resourceForKind('Node')!;
    const n = store.get(node, '', 'worker-2');
    const st = n.status as { conditions: Record<string, string>[] };
    st.conditions = st.conditions.map((x) =>
      x.type === 'Ready'
        ? {
            ...x,
            status: 'Unknown',
            reason: 'NodeStatusUnknown',
            message: 'Kubelet stopped posting node status.',
            lastTransitionTime: '2026-01-01T00:00:00Z',
          }
        : x,
    );
    store.update(node, n, { subresource: 'status' });
    const pod = resourceForKind('Pod')!;
    const dns = structuredClone(
      store.listObjects(pod, 'kube-system').find((p) => p.metadata.name?.startsWith('coredns-'))!,
    );
    const ps = dns.status as {
      conditions: Record<string, string>[];
      containerStatuses: Record<string, unknown>[];
    };
    ps.conditions = ps.conditions.map((x) => (x.type === 'Ready' ? { ...x, status: 'False' } : x));
    ps.containerStatuses = ps.containerStatuses.map((cs) => ({
      ...cs,
      ready: false,
      restartCount: 7,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
    }));
    store.update(pod, dns, { subresource: 'status' });

    const r = await status(['--kubeconfig', c.kubeconfig]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^NODES {10}4 total: 3 Ready, 0 NotReady, 1 Unknown$/m);
    expect(r.stdout).toMatch(
      /^ {2}worker-2 +Ready=Unknown since 2026-01-01T00:00:00Z \(\d+d\) NodeStatusUnknown: Kubelet stopped posting node status\.$/m,
    );
    expect(r.stdout).toContain(`kube-system/${dns.metadata.name}`);
    expect(r.stdout).toMatch(/CrashLoopBackOff \(restarts 7\) on worker-\d/);
    expect(r.stdout).toMatch(/^OVERALL {8}needs attention$/m);

    const json = await status(['--kubeconfig', c.kubeconfig, '-o', 'json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as {
      nodes: { problems: { name: string; ready: string }[] };
      healthy: boolean;
    };
    expect(report.healthy).toBe(false);
    expect(report.nodes.problems).toEqual([expect.objectContaining({ name: 'worker-2', ready: 'Unknown' })]);
    const yaml = await status(['--kubeconfig', c.kubeconfig, '-o', 'yaml']);
    expect(yaml.stdout).toMatch(/^healthy: false$/m);
  });

  it('exits 3 and says what to check when the API server cannot be reached', async () => {
    c.sim.faults.set({ unreachable: 'refuse' });
    try {
      const r = await status(['--kubeconfig', c.kubeconfig, '--timeout', '2']);
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(/^CONTROL PLANE {2}\S+ {2}UNREACHABLE$/m);
      expect(r.stdout).toMatch(/reflector\/pods +never/);
      expect(r.stderr).toMatch(
        /^error: the API server at https:\/\/127\.0\.0\.1:\d+ \(context kubetriage-sim\) could not be reached$/m,
      );
      expect(r.stderr).toMatch(/^ {2}next: /m);
    } finally {
      c.sim.faults.clear();
    }
  });

  it.each([
    [['--kubeconfig', '/nonexistent/kubeconfig'], /\/nonexistent\/kubeconfig/],
    [['--kubeconfig', dangling], /context "prod" in \S+ refers to cluster "gone", which is not defined/],
    [['-o', 'xml'], /-o must be one of table, wide, json, yaml, name or jsonpath=TEMPLATE \(got "xml"\)/],
    [['--timeout', 'soon'], /--timeout must be a positive number of seconds/],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    const r = await status(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/next: /);
  });
});
