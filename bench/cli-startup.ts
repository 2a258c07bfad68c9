/**
 * How long `kubetriage` takes to start (issue 23: `--help` and `--version` under 0.5 s,
 * `status` on a small cluster under 2 s). Runs each command as a user would, a new
 * process each time, and reports the median of --runs (default 7) wall-clock times, beside
 * `node -e 0` as the floor of this machine at this moment. `--bin FILE` measures another
 * checkout's bin/kubetriage.js (e.g. an export of main, for a before/after). The cluster
 * for `status` is a 3-worker simulator started in-process.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { simKubeconfig } from '../src/sim/kubeconfig.ts';
import { Simulator } from '../src/sim/simulator.ts';
import type { Figure } from './figure.ts';

function runOnce(argv: readonly string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      // status exits 1 when the (simulated) cluster needs attention; only a crash is an error here.
      if (code !== null && code <= 1) resolve(performance.now() - started);
      else reject(new Error(`${argv.join(' ')} exited ${code}: ${err.slice(0, 400)}`));
    });
  });
}

async function median(argv: readonly string[], runs: number): Promise<number> {
  await runOnce(argv); // warm the file system and Node's compile cache, as any second run is
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await runOnce(argv));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] / 1000;
}

export async function cliStartup(o: {
  runs: number;
  bin: string | undefined;
  report: (f: Figure) => void;
  progress: (m: string) => void;
}): Promise<void> {
  const bin = o.bin ?? fileURLToPath(new URL('../bin/kubetriage.js', import.meta.url));
  const sim = new Simulator({ workers: 3, tls: true });
  const url = await sim.start(0, '127.0.0.1');
  const dir = await mkdtemp(join(tmpdir(), 'kt-startup-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, simKubeconfig({ server: url, caPem: sim.caPem }), { mode: 0o600 });
  try {
    const cases: [string, string[]][] = [
      ['node -e 0 (floor)', ['-e', '0']],
      ['--version', [bin, '--version']],
      ['--help', [bin, '--help']],
      ['scenarios', [bin, 'scenarios']],
      ['status (4 nodes)', [bin, 'status', '--kubeconfig', kubeconfig]],
    ];
    for (const [figure, argv] of cases) {
      o.progress(`timing ${figure}, ${o.runs} runs`);
      o.report({
        bench: 'cli-startup',
        figure,
        value: Math.round(1000 * (await median(argv, o.runs))),
        unit: 'ms',
      });
    }
  } finally {
    await sim.stop();
  }
}
