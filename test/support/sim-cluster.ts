/**
 * Test harness: starts a simulated cluster on a free loopback port, writes a kubeconfig
 * for it, and runs the real kubectl against it (with its own discovery cache directory,
 * so a previous run's cache never leaks in).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simKubeconfig } from '../../src/sim/kubeconfig.ts';
import { Simulator, type SimulatorOptions } from '../../src/sim/simulator.ts';

export interface SimCluster {
  sim: Simulator;
  url: string;
  kubeconfig: string;
  dir: string;
  kubectl(args: string[], opts?: { timeoutMs?: number }): Promise<KubectlResult>;
  spawnKubectl(args: string[]): ChildProcess;
  stop(): Promise<void>;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The kubectl to test with: $KUBECTL, else the one on PATH, else /usr/bin/kubectl. */
export function findKubectl(): string {
  const candidates = [
    process.env.KUBECTL,
    ...(process.env.PATH ?? '').split(':').map((d) => join(d, 'kubectl')),
    '/usr/bin/kubectl',
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new Error(
    'kubectl not found: the conformance suite runs the real kubectl against the simulator. Install kubectl v1.32 (or set KUBECTL=/path/to/kubectl) and run again.',
  );
}

export async function startSimCluster(opts: SimulatorOptions = {}): Promise<SimCluster> {
  return serveSimCluster(new Simulator(opts), opts.token);
}

/** Serves an existing simulator (e.g. one a test ran to a moment of a scenario) to kubectl. */
export async function serveSimCluster(sim: Simulator, token?: string): Promise<SimCluster> {
  const opts = { token };
  const url = await sim.start(0);
  const dir = await mkdtemp(join(tmpdir(), 'kubetriage-sim-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, simKubeconfig({ server: url, token: opts.token, caPem: sim.caPem }), {
    mode: 0o600,
  });
  const kubectlBin = findKubectl();
  const baseArgs = ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache')];
  return {
    sim,
    url,
    kubeconfig,
    dir,
    kubectl(args, o = {}) {
      return new Promise((resolve) => {
        execFile(
          kubectlBin,
          [...baseArgs, ...args],
          { timeout: o.timeoutMs ?? 30_000, env: { ...process.env, KUBECONFIG: kubeconfig } },
          (err, stdout, stderr) => {
            const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
      });
    },
    spawnKubectl(args) {
      return spawn(kubectlBin, [...baseArgs, ...args], { env: { ...process.env, KUBECONFIG: kubeconfig } });
    },
    async stop() {
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
