/**
 * Benchmark helper process: a simulator holding a large cluster, so that the process
 * under measurement (kubetriage's feed) does not share its CPU or heap. Prints one JSON
 * line `{url, kubeconfig}` when serving; on stdin, `churn N` makes N pod updates (yielding
 * between batches, as a live server would) and prints `churned` when done.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { resourceForKind } from '../../src/sim/api/resources.ts';
import { simKubeconfig } from '../../src/sim/kubeconfig.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { realClock } from '../../src/time/clock.ts';
import { loadLargeCluster } from '../fixtures.ts';

const [nodes, pods] = process.argv.slice(2).map(Number);
const sim = new Simulator({ seed: false });
loadLargeCluster(sim.store, { nodes, pods, namespaces: 50, nowMs: realClock.now() });
const url = await sim.start(0);
const kubeconfig = join(tmpdir(), `kubetriage-bench-${process.pid}.kubeconfig`);
writeFileSync(kubeconfig, simKubeconfig({ server: url, caPem: sim.caPem }));
process.stdout.write(`${JSON.stringify({ url, kubeconfig })}\n`);

const podType = resourceForKind('Pod')!;
createInterface({ input: process.stdin }).on('line', async (line) => {
  const [cmd, n] = line.split(' ');
  if (cmd !== 'churn') return;
  const targets = sim.store.list(podType, {}).entries.slice(0, 2000);
  for (let i = 0; i < Number(n); i++) {
    const e = targets[i % targets.length];
    const pod = sim.store.get(podType, e.namespace, e.name);
    pod.metadata.annotations = { 'bench/seq': String(i) };
    sim.store.update(podType, pod);
    if (i % 500 === 499) await new Promise((r) => setImmediate(r));
  }
  process.stdout.write('churned\n');
});
