/**
 * `kubetriage replay SCENARIO|--all`: runs the whole pipeline (view, detectors, patterns,
 * incidents) on a scenario in virtual time, then scores what it found against the
 * scenario's expected diagnosis, which the pipeline never sees. Exit 0 when every
 * expectation was met without a false incident, 1 otherwise.
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { IncidentStore } from '../../incident/store/store.ts';
import { newToken } from '../../server/auth.ts';
import { listScenarios, loadScenario, ScenarioError } from '../../sim/scenario/loader.ts';
import { VirtualClock } from '../../time/virtual-clock.ts';
import { CliError, exitCodes, problemsFound } from '../errors.ts';
import { parseOutputFormat, printData } from '../output.ts';
import { alignColumns } from '../render/columns.ts';
import { ReplayFailed, type ReplayProgress, replayInWorkers } from '../replay-pool.ts';
import { type ReplayReport, scoreReplay, type TopSample } from '../replay-score.ts';
import { serveReplay } from '../serve-replay.ts';
import { ServeRuntime } from '../serve-runtime.ts';
import { storeFlagsHint } from '../store-clusters.ts';
import { openStoreFromFlags, type StoreFlags, storeOptions } from '../store-options.ts';

interface ReplayFlags extends StoreFlags {
  store?: boolean;
  output: string;
  all?: boolean;
  report?: string;
  jobs?: string;
}

/**
 * Replays a scenario through what `serve` runs (pipeline, incident desk, the scenario's
 * actions posted through the API) without listening on a port, keeping the record in
 * `store` when one is given, and scores it.
 */
export async function replayAndScore(
  name: string,
  o: { forMs?: number; store?: IncidentStore; onProgress?: (p: ReplayProgress) => void } = {},
): Promise<ReplayReport> {
  const scenario = await loadScenario(name);
  const clock = new VirtualClock(Date.parse(scenario.start));
  const token = newToken();
  const tops: TopSample[] = [];
  const rt = new ServeRuntime({
    clock,
    store: o.store,
    cluster: o.store?.cluster ?? scenario.name,
    token,
    onRound: (_view, atMs, incidents) => {
      for (const i of incidents)
        if (i.status !== 'resolved')
          tops.push({ atMs, incident: i.id, pattern: i.top.pattern, confidence: i.top.confidence });
    },
  });
  const pipeline = rt.pipeline;
  let r: Awaited<ReturnType<typeof serveReplay>>;
  try {
    const startMs = clock.now();
    let shownAt = 0;
    r = await serveReplay(rt, scenario, {
      token,
      clock,
      forMs: o.forMs,
      onProgress: (nowMs) => {
        // Every tick is 10 virtual seconds: tell the caller at most twice a wall second.
        if (!o.onProgress || performance.now() - shownAt < 500) return;
        shownAt = performance.now();
        o.onProgress({
          virtualSeconds: (nowMs - startMs) / 1000,
          incidents: pipeline.tracker.incidents().length,
        });
      },
    });
  } finally {
    await rt.close();
  }
  return scoreReplay({
    scenario,
    incidents: pipeline.tracker.incidents(),
    findings: pipeline.tracker.findings.map((f) => ({ pattern: f.pattern, statement: f.statement })),
    virtualSeconds: (r.endMs - r.startMs) / 1000,
    wallSeconds: r.wallMs / 1000,
    tops,
  });
}

const secs = (n: number | null): string =>
  n === null
    ? 'never'
    : n < 120
      ? `${n}s`
      : n < 7200
        ? `${Math.round(n / 60)}m`
        : `${(n / 3600).toFixed(1)}h`;

export function renderReplayTable(reports: readonly ReplayReport[]): string {
  const rows = [
    [
      'SCENARIO',
      'EXPECTED',
      'FIRST INCIDENT',
      'CORRECT TOP',
      'BY BAR',
      'REAL TEAM',
      'FALSE',
      'FLIPS',
      'OUTCOME',
      'RESULT',
    ],
    ...reports.map((r) => {
      const e = r.expectations[0];
      const flips = r.incidents.reduce((m, i) => Math.max(m, i.topChanges), 0);
      const status = r.incidents.reduce((m, i) => Math.max(m, i.statusChanges), 0);
      return [
        r.scenario,
        e?.category ?? 'healthy',
        e ? secs(e.firstIncidentAfterSeconds) : '-',
        e ? secs(e.afterSeconds) : '-',
        e ? (e.withinDetectBy === null ? '-' : e.withinDetectBy ? 'yes' : 'no') : '-',
        e ? secs(e.realIdentifiedAfterSeconds) : '-',
        String(r.falseIncidents.length),
        `${flips}/${status}`,
        r.outcome,
        r.passed ? 'pass' : 'FAIL',
      ];
    }),
  ];
  const lines = alignColumns(rows);
  const scorecard = reports.length > 1 ? ['', ...renderScorecard(reports)] : [];
  const details = reports.flatMap((r) => [
    '',
    `${r.scenario}: ${r.incidents.length} incident(s), replayed ${secs(r.virtualSeconds)} of virtual time in ${r.wallSeconds}s`,
    ...(r.misleadingSeconds > 0
      ? [
          `  a wrong cause (${r.misleadingPattern}) stayed top with confidence for ${secs(r.misleadingSeconds)}`,
        ]
      : []),
    ...r.incidents.map(
      (i) =>
        `  ${i.id} ${i.status.padEnd(13)} ${i.openedAt} ${i.topHypothesis} (${Math.round(i.confidence * 100)}%)${i.runnerUp ? `, runner-up ${i.runnerUp}` : ''}; top changed ${i.topChanges}x, status ${i.statusChanges}x\n      ${i.statement}`,
    ),
  ]);
  return `${[...lines, ...scorecard, ...details].join('\n')}\n`;
}

/** Per family: scenarios, detected, correct by the bar, correct ever, honest unknowns, misleading, false incidents. */
export function renderScorecard(reports: readonly ReplayReport[]): string[] {
  const byFamily = new Map<string, ReplayReport[]>();
  for (const r of reports) byFamily.set(r.family, [...(byFamily.get(r.family) ?? []), r]);
  const count = (rs: ReplayReport[], f: (r: ReplayReport) => boolean) => String(rs.filter(f).length);
  const row = (family: string, rs: ReplayReport[]) => {
    const outages = rs.filter((r) => r.outcome !== 'quiet');
    return [
      family,
      String(rs.length),
      count(outages, (r) => r.expectations[0]?.firstIncidentAfterSeconds !== null),
      count(outages, (r) => r.outcome === 'correct'),
      count(outages, (r) => r.expectations[0]?.afterSeconds !== null),
      count(outages, (r) => r.outcome === 'honest-unknown'),
      count(outages, (r) => r.outcome === 'misleading'),
      String(rs.reduce((n, r) => n + r.falseIncidents.length, 0)),
    ];
  };
  return alignColumns([
    [
      'FAMILY',
      'SCENARIOS',
      'DETECTED',
      'CORRECT BY BAR',
      'CORRECT EVER',
      'HONEST UNKNOWN',
      'MISLEADING',
      'FALSE INCIDENTS',
    ],
    ...[...byFamily].sort(([a], [b]) => a.localeCompare(b)).map(([f, rs]) => row(f, rs)),
    row('all', [...reports]),
  ]);
}

/** Whether the replay keeps its incident record in a store (`--store`, `--data-dir`, `--database-url`). */
const keepsRecord = (flags: ReplayFlags): boolean =>
  Boolean(flags.store || flags.dataDir || flags.databaseUrl);

function jobsOf(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return Math.max(1, fallback);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`--jobs must be a whole number of at least 1 (got "${raw}")`, {
      exitCode: exitCodes.usage,
      hint: 'e.g. --jobs 2',
    });
  return n;
}

function replayError(n: string, err: unknown): unknown {
  if (err instanceof ScenarioError || (err instanceof ReplayFailed && err.scenarioError))
    return new CliError(`cannot replay ${n}: ${(err as Error).message}`, {
      exitCode: exitCodes.usage,
      cause: err,
    });
  return err;
}

/** One after another in this thread: the record, when kept, is written by one writer. */
async function replayInTurn(
  names: readonly string[],
  flags: ReplayFlags,
  progress: boolean,
): Promise<ReplayReport[]> {
  const reports: ReplayReport[] = [];
  const line = progressLine(names.length, progress);
  for (const n of names) {
    line.start(n);
    try {
      const store = keepsRecord(flags) ? await openStoreFromFlags(flags, basename(n, '.yaml')) : undefined;
      const report = await replayAndScore(n, { store, onProgress: (p) => line.progress(n, p) });
      reports.push(report);
      line.done(report, reports.length);
      if (store && progress)
        process.stderr.write(
          `  kept in the ${store.backend} store as cluster ${store.cluster}: kubetriage incidents --cluster ${store.cluster}${storeFlagsHint(flags)}\n`,
        );
    } catch (err) {
      throw replayError(n, err);
    } finally {
      line.clear();
    }
  }
  return reports;
}

async function replayParallel(
  names: readonly string[],
  jobs: number,
  progress: boolean,
): Promise<ReplayReport[]> {
  const line = progressLine(names.length, progress);
  if (progress) process.stderr.write(`… replaying ${names.length} scenarios, ${jobs} at a time\n`);
  try {
    return await replayInWorkers(names, jobs, {
      onStart: (n) => line.start(n),
      onProgress: (n, p) => line.progress(n, p),
      onDone: (r, k) => line.done(r, k),
    });
  } catch (err) {
    throw err instanceof ReplayFailed ? replayError(err.scenario, err) : err;
  } finally {
    line.clear();
  }
}

/**
 * What a person waiting on `replay --all` sees on stderr: a line as each scenario starts and
 * ends (with its outcome), and on a terminal a status line of the running ones' virtual time
 * and incidents so far, so a three-day scenario is not ten silent minutes.
 */
function progressLine(total: number, enabled: boolean) {
  const tty = enabled && process.stderr.isTTY;
  const running = new Map<string, ReplayProgress | undefined>();
  const clear = () => {
    if (tty) process.stderr.write('\r\u001b[K');
  };
  const show = () => {
    if (!tty || running.size === 0) return;
    const parts = [...running].map(([n, p]) =>
      p
        ? `${n} +${secs(Math.round(p.virtualSeconds))} (${p.incidents} incident${p.incidents === 1 ? '' : 's'})`
        : n,
    );
    process.stderr.write(
      `\r\u001b[K  running: ${parts.join(', ')}`.slice(0, (process.stderr.columns ?? 120) + 6),
    );
  };
  return {
    start(n: string) {
      running.set(n, undefined);
      if (!enabled) return;
      clear();
      process.stderr.write(`… replaying ${n}\n`);
      show();
    },
    progress(n: string, p: ReplayProgress) {
      running.set(n, p);
      show();
    },
    done(r: ReplayReport, finished: number) {
      running.delete(r.scenario);
      if (!enabled) return;
      clear();
      process.stderr.write(
        `  ${finished}/${total} ${r.scenario}: ${r.outcome}, ${r.incidents.length} incident${r.incidents.length === 1 ? '' : 's'}, ${r.wallSeconds.toFixed(0)} s\n`,
      );
      show();
    },
    clear,
  };
}

export function registerReplay(program: Command): void {
  const cmd = program
    .command('replay')
    .description('run the pipeline on a scenario in virtual time and score it against the expected diagnosis')
    .argument('[scenario]', 'a shipped scenario name (see `kubetriage scenarios`) or a YAML file')
    .option('--all', 'replay every shipped scenario')
    .option('-o, --output <format>', 'table, wide, json, yaml, name or jsonpath=TEMPLATE', 'table')
    .option('--report <file>', 'also write the report as JSON to this file')
    .option('--store', 'keep the incident record in the default store (or give --data-dir/--database-url)')
    .option(
      '-j, --jobs <n>',
      'with --all, how many scenarios to replay at once, each in its own thread (default: one per core; 1 when keeping the record in a store)',
    )
    .addHelpText(
      'after',
      `
The pipeline sees only what it would see on a real cluster; the scenario's expected
diagnosis is used for scoring alone. Times are virtual seconds from the fault's onset.
Exit status: 0 all expectations met with no false incident, 1 otherwise, 2 bad input.

Examples:
  $ kubetriage replay runway-2024
  $ kubetriage replay --all -o json > scores.json
  $ kubetriage replay ./my-outage.yaml --report report.json
  $ kubetriage replay runway-2024 --data-dir ./kt && kubetriage postmortem INC-0001 --data-dir ./kt --cluster runway-2024`,
    );
  storeOptions(cmd).action(async (name: string | undefined, flags: ReplayFlags) => {
    const format = parseOutputFormat(flags.output);
    if (!name && !flags.all)
      throw new CliError('name a scenario or pass --all', {
        exitCode: exitCodes.usage,
        hint: 'kubetriage scenarios lists them',
      });
    const names = flags.all ? (await listScenarios()).map((s) => s.name) : [name!];
    const jobs = jobsOf(flags.jobs, keepsRecord(flags) ? 1 : Math.min(availableParallelism(), names.length));
    const reports: ReplayReport[] =
      jobs > 1 && names.length > 1
        ? await replayParallel(names, jobs, format === 'table')
        : await replayInTurn(names, flags, format === 'table');
    const data = flags.all ? reports : reports[0];
    if (flags.report) await writeFile(flags.report, `${JSON.stringify(data, null, 2)}\n`);
    process.stdout.write(
      printData(format, data, () => renderReplayTable(reports), {
        kind: 'ReplayReport',
        names: () => reports.map((r) => `replay/${r.scenario}`),
      }),
    );
    if (reports.some((r) => !r.passed)) throw problemsFound('a replay missed its expected diagnosis');
  });
}
