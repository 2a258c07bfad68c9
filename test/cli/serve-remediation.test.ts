/**
 * `kubetriage serve --allow-remediation` as a process against the Runway outage's cluster:
 * an approval through the JSON API runs the offered bypass from serve and changes the
 * cluster; without the flag serve shows the same plans, says why it will not apply them,
 * and refuses the approval; with --replay the flag is a usage error. The chart turns it on
 * with $KUBETRIAGE_ALLOW_REMEDIATION.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RemediationCluster, remediationAt, runLive } from '../respond/remediation-cluster.ts';
import { watchServe } from '../support/serve-process.ts';
import { eventually } from '../support/wait-for.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'kubetriage.js');
const token = 'serve-remediation-token-0123456789';
const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

interface Served {
  child: ChildProcess;
  origin: () => string | undefined;
}

let dir: string;
let cluster: RemediationCluster;
let stopSim: () => Promise<void>;
const children: ChildProcess[] = [];

function serve(args: string[], env: NodeJS.ProcessEnv = {}): Served {
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--kubeconfig', cluster.kubeconfig, '--port', '0', '--interval', '1', ...args],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, KUBETRIAGE_TOKEN: token, ...env } },
  );
  children.push(child);
  return { child, origin: watchServe(child).origin };
}

interface Offered {
  id: string;
  runbooks: { runbook: string; digest: string; targets: string[] }[];
  apply: { enabled: boolean; why?: string };
}

/**
 * The open incident's runbooks once a bypass is offered (for all of `covering`, when given:
 * the bypass aims at the workloads seen failing to reach the API so far, which under load
 * may still be fewer).
 */
async function offered(s: Served, covering: readonly string[] = []): Promise<Offered> {
  return eventually('a bypass offer', async () => {
    const origin = s.origin();
    if (!origin) return undefined;
    const list = (await (await fetch(`${origin}/api/incidents?status=open`, { headers: auth })).json()) as {
      incidents: { id: string }[];
    };
    for (const i of list.incidents) {
      const r = (await (
        await fetch(`${origin}/api/incidents/${i.id}/runbooks`, { headers: auth })
      ).json()) as Offered;
      const bypass = r.runbooks.find((p) => p.runbook === 'bypass-service-host');
      if (bypass && covering.every((d) => bypass.targets.includes(d))) return { ...r, id: i.id };
    }
    return undefined;
  });
}

const approve = (s: Served, id: string, digest: string) =>
  fetch(`${s.origin()}/api/incidents/${id}/runbooks/bypass-service-host/apply`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ digest, author: 'ops' }),
  });

const bypassOf = (o: Offered) => o.runbooks.find((p) => p.runbook === 'bypass-service-host')!;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kt-serve-remediate-'));
  cluster = await remediationAt('runway-2024', '2024-11-22T11:45:00Z');
  stopSim = runLive(cluster);
}, 120_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGTERM');
  await stopSim?.();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('serve --allow-remediation', () => {
  it('without the flag shows the plans, says why it will not apply them, and refuses an approval', async () => {
    const s = serve(['--data-dir', join(dir, 'read-only')]);
    const o = await offered(s);
    expect(o.apply.enabled).toBe(false);
    expect(o.apply.why).toContain('--allow-remediation');
    expect((await approve(s, o.id, bypassOf(o).digest)).status).toBe(403);
    s.child.kill('SIGTERM');
  });

  it('with it (here the setting the chart passes), runs the approved bypass from serve, which patches the Deployments', async () => {
    const s = serve(['--data-dir', join(dir, 'remediate')], { KUBETRIAGE_ALLOW_REMEDIATION: 'true' });
    const deployments = ['ingress-nginx/ingress-nginx-controller', 'cert-manager/cert-manager'];
    const o = await offered(s, deployments);
    expect(o.apply.enabled).toBe(true);
    // The plan may have grown between the read and the approval (409); then approve the new one.
    let started = await approve(s, o.id, bypassOf(o).digest);
    if (started.status === 409)
      started = await approve(s, o.id, bypassOf(await offered(s, deployments)).digest);
    expect(started.status).toBe(202);
    const runId = ((await started.json()) as { run: { id: string } }).run.id;
    const run = await eventually(
      'the run to end',
      async () => {
        const r = (
          (await (await fetch(`${s.origin()}/api/runbook-runs/${runId}`, { headers: auth })).json()) as {
            run: { state: string; events: { status: string; target: string }[]; error?: string };
          }
        ).run;
        return r.state === 'running' ? undefined : r;
      },
      120_000,
    );
    expect(run.error).toBeUndefined();
    expect(run.state).toBe('done');
    const patched = run.events.filter((e) => e.status === 'done' && e.target.startsWith('deployment/'));
    expect(patched.length).toBeGreaterThanOrEqual(2);
    for (const d of deployments) {
      const [ns, name] = d.split('/');
      const r = await cluster.kubectl(['-n', ns, 'get', 'deployment', name, '-o', 'json']);
      const obj = JSON.parse(r.stdout) as { metadata: { annotations?: Record<string, string> } };
      expect(obj.metadata.annotations?.['kubetriage.io/bypass-service-host'], d).toBeDefined();
    }
  });

  it('is a usage error with --replay, which has no cluster to act on, and with a garbled setting', async () => {
    const usage = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          [bin, 'serve', ...args],
          { timeout: 60_000, env: { ...process.env, ...env } },
          (err, _out, stderr) =>
            resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr }),
        ),
      );
    const replay = await usage(['--replay', 'runway-2024', '--allow-remediation']);
    expect(replay.code).toBe(2);
    expect(replay.stderr).toContain('--allow-remediation acts on a live cluster');
    const garbled = await usage(['--kubeconfig', cluster.kubeconfig, '--port', '0'], {
      KUBETRIAGE_ALLOW_REMEDIATION: 'yes please',
    });
    expect(garbled.code).toBe(2);
    expect(garbled.stderr).toContain('$KUBETRIAGE_ALLOW_REMEDIATION must be true or false');
  });
});
