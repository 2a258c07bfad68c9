/**
 * `kubetriage demo` as a process: it prints the dashboard's URL (with a token) and, in
 * replay mode, the reference outage's incident opens behind it within its lead time. With
 * --live the outage is a cluster: kubectl works on the kubeconfig it prints, the incident
 * offers a runbook that may be applied, an approval through the API changes the cluster,
 * and Ctrl-C (SIGTERM) stops it cleanly, leaving no kubeconfig behind.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findKubectl } from '../support/sim-cluster.ts';
import { eventually } from '../support/wait-for.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'kubetriage.js');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

interface Demo {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function demo(args: string[]): Demo {
  const child = spawn(process.execPath, [bin, 'demo', ...args, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.resume();
  return { child, out: () => out, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

function dashboard(d: Demo): { origin: string; auth: Record<string, string> } | undefined {
  const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+)\/#token=(\S+)/.exec(d.out());
  return m
    ? { origin: m[1], auth: { authorization: `Bearer ${m[2]}`, 'content-type': 'application/json' } }
    : undefined;
}

function openIncident(d: Demo, pattern: string): Promise<string> {
  return eventually(`a ${pattern} incident`, async () => {
    const at = dashboard(d);
    if (!at) return undefined;
    const r = (await (
      await fetch(`${at.origin}/api/incidents?status=open`, { headers: at.auth })
    ).json()) as {
      incidents: { id: string; top: { pattern: string } }[];
    };
    return r.incidents.find((i) => i.top.pattern === pattern)?.id;
  });
}

describe('kubetriage demo', () => {
  it('replays airmap-2018 behind the dashboard: the incident opens within the lead time', async () => {
    const d = demo(['airmap-2018', '--speed', '120', '--lead', '5m']);
    await openIncident(d, 'node-network');
    const at = dashboard(d)!;
    const rb = (await (
      await fetch(`${at.origin}/api/incidents/INC-0001/runbooks`, { headers: at.auth })
    ).json()) as {
      apply: { enabled: boolean; why: string };
    };
    // A replay has no cluster to act on, and says so.
    expect(rb.apply).toEqual({ enabled: false, why: expect.stringContaining('a replay has no cluster') });
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  });

  it('--live serves the outage as a cluster that an approved runbook fixes', async () => {
    const d = demo(['runway-2024', '--live', '--speed', '60']);
    const id = await openIncident(d, 'service-routing');
    const kubeconfig = /--kubeconfig (\S+) get nodes/.exec(d.out())?.[1];
    expect(kubeconfig).toBeDefined();
    const kubectl = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(findKubectl(), ['--kubeconfig', kubeconfig!, 'get', 'nodes', '-o', 'name'], (err, stdout) =>
        resolve({ code: err ? 1 : 0, stdout }),
      ),
    );
    expect(kubectl.code).toBe(0);
    expect(kubectl.stdout).toContain('node/support-worker-0');

    const at = dashboard(d)!;
    // The offer grows as the failing pods' logs come in: a 409 means read the plan again.
    const run = await eventually(
      'an approved bypass',
      async () => {
        const rb = (await (
          await fetch(`${at.origin}/api/incidents/${id}/runbooks`, { headers: at.auth })
        ).json()) as {
          runbooks: { runbook: string; digest: string }[];
          apply: { enabled: boolean };
        };
        const bypass = rb.runbooks.find((p) => p.runbook === 'bypass-service-host');
        if (!rb.apply.enabled || !bypass) return undefined;
        const res = await fetch(`${at.origin}/api/incidents/${id}/runbooks/bypass-service-host/apply`, {
          method: 'POST',
          headers: at.auth,
          body: JSON.stringify({ digest: bypass.digest, author: 'demo-user' }),
        });
        return res.status === 202 ? ((await res.json()) as { run: { id: string } }).run : undefined;
      },
      60_000,
    );
    const ended = await eventually(
      'the bypass to end',
      async () => {
        const r = (
          (await (await fetch(`${at.origin}/api/runbook-runs/${run.id}`, { headers: at.auth })).json()) as {
            run: { state: string; error?: string };
          }
        ).run;
        return r.state === 'running' ? undefined : r;
      },
      120_000,
    );
    expect(ended.error).toBeUndefined();
    expect(ended.state).toBe('done');

    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    expect(existsSync(kubeconfig!)).toBe(false);
  });
});
