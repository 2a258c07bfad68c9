/**
 * Benchmarks for the simulator's scale targets (issue: 5,000 nodes and 150,000 pods in
 * under 2 GiB; full pod list in pages of 500 at ≥ 50,000 objects/s; watch fan-out to 10
 * watchers at ≥ 20,000 events/s). Usage:
 *
 *   npm run bench                       every benchmark
 *   npm run bench -- store-memory       one (store-memory | list-throughput | watch-fanout | feed-sync | scenario-replay | pipeline-replay | pipeline-round | dashboard)
 *   npm run bench -- --json             one JSON line per figure: {"bench","figure","value","unit"}
 *   npm run bench -- --pods 20000       a smaller cluster, for a quick look
 *   npm run bench -- scenario-replay --scenario digitalocean-2023   one scenario's replay speed
 *   npm run bench -- pipeline-replay [--scenario NAME]   whole-pipeline replay speed (what `replay` runs)
 *   npm run bench -- pipeline-round [--nodes N --pods M]   one detect→diagnose round, healthy and in a 500-node outage
 *   npm run bench -- cli-startup [--runs 7] [--bin other/bin/kubetriage.js]   command start-up times
 *
 * Figures are printed, not judged: tests check behaviour, benchmarks report speed.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { objectFields } from '../src/sim/api/field-selector.ts';
import { resourceForKind } from '../src/sim/api/resources.ts';
import { Simulator } from '../src/sim/simulator.ts';
import { ObjectStore } from '../src/sim/store/object-store.ts';
import { realClock } from '../src/time/clock.ts';
import { cliStartup } from './cli-startup.ts';
import { dashboard } from './dashboard.ts';
import { feedSync } from './feed-sync.ts';
import type { Figure } from './figure.ts';
import { loadLargeCluster } from './fixtures.ts';
import { pipelineReplay } from './pipeline-replay.ts';
import { pipelineRound } from './pipeline-round.ts';
import { scenarioReplay } from './scenario-replay.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const stringFlag = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const scale = { nodes: flag('nodes', 5000), pods: flag('pods', 150_000), namespaces: 50 };
const names = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));

function report(f: Figure): void {
  if (json) process.stdout.write(`${JSON.stringify(f)}\n`);
  else
    process.stdout.write(
      `${f.bench.padEnd(16)} ${f.figure.padEnd(28)} ${f.value.toLocaleString('en-US', { maximumFractionDigits: 1 }).padStart(14)} ${f.unit}\n`,
    );
}

function progress(message: string): void {
  if (!json) process.stderr.write(`… ${message}\n`);
}

/** Forces a full GC so heap figures are live data, not garbage. */
function collect(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

async function storeMemory(): Promise<void> {
  collect();
  const before = process.memoryUsage();
  const started = performance.now();
  const store = new ObjectStore({ clock: realClock, fieldsOf: objectFields });
  loadLargeCluster(store, { ...scale, nowMs: realClock.now() });
  const loadMs = performance.now() - started;
  collect();
  const after = process.memoryUsage();
  const mib = (b: number) => b / 1024 / 1024;
  report({
    bench: 'store-memory',
    figure: 'objects',
    value: store.count(resourceForKind('Pod')!) + store.count(resourceForKind('Node')!),
    unit: 'objects',
  });
  report({
    bench: 'store-memory',
    figure: 'heap used',
    value: mib(after.heapUsed - before.heapUsed),
    unit: 'MiB',
  });
  report({ bench: 'store-memory', figure: 'resident set (process)', value: mib(after.rss), unit: 'MiB' });
  report({
    bench: 'store-memory',
    figure: 'load rate',
    value: (scale.nodes * 2 + scale.pods) / (loadMs / 1000),
    unit: 'objects/s',
  });
}

async function bigSimulator(): Promise<{ sim: Simulator; url: string }> {
  progress(`loading ${scale.nodes} nodes and ${scale.pods} pods`);
  const sim = new Simulator({ seed: false, tls: false });
  loadLargeCluster(sim.store, { ...scale, nowMs: realClock.now() });
  const url = await sim.start(0);
  return { sim, url };
}

/** Runs a benchmark client in its own process and returns its stdout lines as they come. */
function spawnClient(script: string, args: string[], onLine: (line: string) => void): Promise<number> {
  const child = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  createInterface({ input: child.stdout }).on('line', onLine);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

async function listThroughput(): Promise<void> {
  const { sim, url } = await bigSimulator();
  try {
    for (const mode of ['server', 'parse']) {
      const rates: number[] = [];
      let bytes = 0;
      for (let run = 0; run < 3; run++) {
        let result = { objects: 0, bytes: 0, ms: 1 };
        await spawnClient('./clients/list-pages.ts', mode === 'parse' ? [url, '--parse'] : [url], (line) => {
          result = JSON.parse(line);
        });
        if (result.objects !== scale.pods)
          throw new Error(`listed ${result.objects} pods, expected ${scale.pods}`);
        rates.push(result.objects / (result.ms / 1000));
        bytes = result.bytes;
      }
      rates.sort((a, b) => a - b);
      const figure = mode === 'parse' ? 'rate, client parses (median)' : 'rate (median of 3)';
      report({ bench: 'list-throughput', figure, value: rates[1], unit: 'objects/s' });
      if (mode === 'server')
        report({
          bench: 'list-throughput',
          figure: 'full list size',
          value: bytes / 1024 / 1024,
          unit: 'MiB',
        });
    }
    report({ bench: 'list-throughput', figure: 'pods per full list', value: scale.pods, unit: 'objects' });
  } finally {
    await sim.stop();
  }
}

async function watchFanout(): Promise<void> {
  const { sim, url } = await bigSimulator();
  const watchers = flag('watchers', 10);
  const events = flag('events', 50_000);
  try {
    const podType = resourceForKind('Pod')!;
    const rv = sim.store.resourceVersion;
    let ready: () => void = () => {};
    const allReady = new Promise<void>((r) => {
      ready = r;
    });
    let writesStarted = 0;
    let doneAt = 0;
    // With --watchers 0 the same writes run unwatched: the baseline cost of the writer.
    const client =
      watchers > 0
        ? spawnClient(
            './clients/watchers.ts',
            [url, String(rv), String(watchers), String(events)],
            (line) => {
              if (line === 'ready') ready();
              else doneAt = performance.now();
            },
          )
        : Promise.resolve(0);
    if (watchers > 0) await allReady;
    const pods = sim.store.list(podType, {}).entries.slice(0, 1000);
    writesStarted = performance.now();
    for (let i = 0; i < events; i++) {
      const e = pods[i % pods.length];
      const pod = sim.store.get(podType, e.namespace, e.name);
      pod.metadata.annotations = { 'bench/seq': String(i) };
      sim.store.update(podType, pod);
      // Yield now and then so sockets drain while we write, as a live server would.
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    const writeMs = performance.now() - writesStarted;
    const code = await client;
    if (code !== 0) throw new Error(`watch client exited with ${code}`);
    if (watchers === 0) doneAt = performance.now();
    const secs = (doneAt - writesStarted) / 1000;
    report({ bench: 'watch-fanout', figure: 'watchers', value: watchers, unit: 'watchers' });
    report({ bench: 'watch-fanout', figure: 'events written', value: events, unit: 'events' });
    report({
      bench: 'watch-fanout',
      figure: 'write rate',
      value: events / (writeMs / 1000),
      unit: 'events/s',
    });
    report({
      bench: 'watch-fanout',
      figure: 'fan-out rate (all watchers)',
      value: events / secs,
      unit: 'events/s',
    });
    report({
      bench: 'watch-fanout',
      figure: 'deliveries',
      value: (events * watchers) / secs,
      unit: 'deliveries/s',
    });
  } finally {
    await sim.stop();
  }
}

/**
 * The feed runs in kubetriage's watcher commands with a small young generation (see
 * bin/kubetriage.js); measure it the same way, in a process started with that flag.
 */
const youngGenFlag = '--max-semi-space-size=8';
async function runAsShipped(name: string, run: () => Promise<void>): Promise<void> {
  if (process.execArgv.includes(youngGenFlag)) return run();
  const child = spawn(
    process.execPath,
    [youngGenFlag, fileURLToPath(import.meta.url), name, ...args.filter((a) => a !== name)],
    {
      stdio: 'inherit',
    },
  );
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  if (code !== 0) throw new Error(`${name} exited with ${code}`);
}

const benches: Record<string, () => Promise<void>> = {
  'feed-sync': () =>
    runAsShipped('feed-sync', () =>
      feedSync({ ...scale, events: flag('events', 100_000), report, collect, progress }),
    ),
  'store-memory': storeMemory,
  'list-throughput': listThroughput,
  'watch-fanout': watchFanout,
  'scenario-replay': () => scenarioReplay({ only: stringFlag('scenario'), report, progress }),
  'pipeline-replay': () => pipelineReplay({ only: stringFlag('scenario'), report, progress }),
  'pipeline-round': () => pipelineRound({ ...scale, report, progress }),
  dashboard: () => dashboard({ nodes: scale.nodes, report, progress }),
  'cli-startup': () => cliStartup({ runs: flag('runs', 7), bin: stringFlag('bin'), report, progress }),
};

const selected = names.length ? names : Object.keys(benches);
for (const name of selected) {
  const run = benches[name];
  if (!run) {
    process.stderr.write(`unknown benchmark "${name}"; choose from: ${Object.keys(benches).join(', ')}\n`);
    process.exit(2);
  }
  progress(`running ${name}`);
  await run();
}
