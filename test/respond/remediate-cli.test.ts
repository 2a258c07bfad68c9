/**
 * `kubetriage remediate … --dry-run` as a process against a served outage: what it prints
 * is the plan (the same one `plan()` computes from the same facts), and nothing is written
 * to the cluster. Applying without --yes and without a terminal is refused.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterReader } from '../../src/respond/cluster-reader.ts';
import { nodeFixDefaults, planNodeFix } from '../../src/respond/node-fix-plan.ts';
import { planRestartNodes, restartDefaults } from '../../src/respond/restart-nodes-plan.ts';
import { resourceForKind } from '../../src/sim/api/resources.ts';
import { type RemediationCluster, remediationAt } from './remediation-cluster.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'kubetriage.js');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'remediate', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

let cluster: RemediationCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

/** Counts every write to the kinds a runbook could touch. */
function writeCounter(c: RemediationCluster): { count: () => number; stop: () => void } {
  let writes = 0;
  const offs = [
    resourceForKind('Node')!,
    resourceForKind('Pod')!,
    resourceForKind('Lease', 'coordination.k8s.io')!,
    resourceForKind('DaemonSet', 'apps')!,
    resourceForKind('Deployment', 'apps')!,
  ].map((r) =>
    c.sim.store.subscribe(r.storage, () => {
      writes++;
    }),
  );
  return {
    count: () => writes,
    stop: () => {
      for (const off of offs) off();
    },
  };
}

describe('kubetriage remediate --dry-run', () => {
  it('restart-nodes prints the plan, writes nothing, and will not apply unconfirmed', async () => {
    const c = await remediationAt('airmap-2018', '2018-07-19T18:00:00Z');
    cluster = c;
    const writes = writeCounter(c);
    const r = await cli([
      'restart-nodes',
      '--kubeconfig',
      c.kubeconfig,
      '--selector',
      'agentpool=agentpool',
      '--dry-run',
      '-o',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout);
    const reader = new ClusterReader(c.api);
    const [nodes, pods, pdbs] = await Promise.all([reader.nodes(), reader.pods(), reader.pdbs()]);
    const expected = planRestartNodes(
      { nodes, pods, pdbs },
      { ...restartDefaults, selector: 'agentpool=agentpool' },
    );
    expect(printed).toEqual({ apiVersion: 'kubetriage.io/v1alpha1', kind: 'RunbookPlan', ...expected });
    expect(printed.command).toBe(
      'kubetriage remediate restart-nodes --selector agentpool=agentpool --max-unavailable 1',
    );
    expect(printed.targets).toHaveLength(12);
    // NotReady nodes first: they are out already.
    const notReady = nodes.filter((n) => !n.ready).map((n) => n.name);
    expect(printed.targets.slice(0, notReady.length).sort()).toEqual(notReady.sort());

    const table = await cli([
      'restart-nodes',
      '--kubeconfig',
      c.kubeconfig,
      '--selector',
      'agentpool=agentpool',
      '--dry-run',
    ]);
    expect(table.stdout).toContain('Staggered restart of 12 node(s), 1 at a time');
    expect(table.stdout).toMatch(/drain\s+node\/aks-agentpool-31544887-\d+\s+evict/);

    const unconfirmed = await cli([
      'restart-nodes',
      '--kubeconfig',
      c.kubeconfig,
      '--selector',
      'agentpool=agentpool',
    ]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('--yes');
    expect(writes.count()).toBe(0);
    writes.stop();
  });

  it('node-fix disable-timer prints the DaemonSet it would create and writes nothing', async () => {
    const c = await remediationAt('digitalocean-2023', '2023-10-09T12:00:00Z');
    cluster = c;
    const writes = writeCounter(c);
    const r = await cli([
      'node-fix',
      'disable-timer',
      'apt-daily-upgrade.timer',
      '--kubeconfig',
      c.kubeconfig,
      '--dry-run',
      '-o',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout);
    const expected = planNodeFix(await new ClusterReader(c.api).nodes(), {
      ...nodeFixDefaults,
      timer: 'apt-daily-upgrade.timer',
    });
    expect(printed).toEqual({ apiVersion: 'kubetriage.io/v1alpha1', kind: 'RunbookPlan', ...expected });
    expect(printed.manifests[0].kind).toBe('DaemonSet');
    expect(writes.count()).toBe(0);
    writes.stop();
  });
});
