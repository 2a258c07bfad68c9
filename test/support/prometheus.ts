/**
 * A throwaway real Prometheus (Debian's, as CI installs it) for tests: a generated config
 * with one job scraping a given target every second, storage in a temp dir, the web API on
 * a free loopback port. `query` runs PromQL through the HTTP API; `stop` kills it and
 * removes the dir. Also `promtool check metrics`, which lints an exposition the way
 * Prometheus' own tooling does. Nothing is faked: if the binary is missing, tests fail.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

const missing =
  "Prometheus not found: apt-get install prometheus (CI's .ci/run does), or set PROMETHEUS=/path";

/** The Prometheus binary: $PROMETHEUS, else Debian's. Throws the install hint when absent. */
export function prometheusBinary(): string {
  const bin = process.env.PROMETHEUS || '/usr/bin/prometheus';
  if (!existsSync(bin)) throw new Error(missing);
  return bin;
}

/** promtool, which Debian ships beside prometheus: $PROMTOOL, else next to the binary. */
export function promtoolBinary(): string {
  const bin = process.env.PROMTOOL || join(dirname(prometheusBinary()), 'promtool');
  if (!existsSync(bin))
    throw new Error(`promtool not found beside ${prometheusBinary()}; set PROMTOOL=/path`);
  return bin;
}

export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

export interface ScrapeTarget {
  /** `host:port` of the endpoint to scrape. */
  target: string;
  path?: string;
  job?: string;
  /** Sent as `Authorization: Bearer …` on every scrape, as `kubetriage serve` requires. */
  bearerToken?: string;
}

export interface Prometheus {
  /** `http://127.0.0.1:<port>` of its web UI and API. */
  url: string;
  job: string;
  /** An instant query at the server's now; a vector's samples (scalars come as one sample). */
  query(expr: string): Promise<PromSample[]>;
  /** The tail of its log, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** A free loopback port: bind to 0, read the port, let it go. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function config(t: Required<Omit<ScrapeTarget, 'bearerToken'>> & ScrapeTarget): string {
  // JSON is YAML, and quoting every value leaves nothing for YAML to misread.
  const scrape = {
    job_name: t.job,
    metrics_path: t.path,
    static_configs: [{ targets: [t.target] }],
    ...(t.bearerToken ? { authorization: { type: 'Bearer', credentials: t.bearerToken } } : {}),
  };
  return JSON.stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    scrape_configs: [scrape],
  });
}

/** Starts Prometheus scraping `target` and resolves once it reports ready. */
export async function startPrometheus(target: ScrapeTarget, readyLimitMs = 30_000): Promise<Prometheus> {
  // The free port is free when asked, not necessarily when Prometheus binds it: another
  // test's server can take it in between, so a lost race gets a new port.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(target, readyLimitMs);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof PortTaken)) throw err;
    }
  }
}

class PortTaken extends Error {}

async function launch(target: ScrapeTarget, readyLimitMs: number): Promise<Prometheus> {
  const bin = prometheusBinary();
  const t = { path: '/metrics', job: 'kubetriage', ...target };
  const dir = await mkdtemp(join(tmpdir(), 'kubetriage-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, config(t));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let logText = '';
  const child: ChildProcess = spawn(
    bin,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (chunk: Buffer): void => {
    logText = (logText + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: number | string | null | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = code ?? signal;
      resolve();
    });
    child.once('error', (err) => {
      exited = err.message;
      resolve();
    });
  });

  const stop = async (): Promise<void> => {
    if (exited === undefined) {
      child.kill('SIGTERM');
      // Prometheus flushes its head block on SIGTERM; a test's scratch data need not wait long.
      const killed = await Promise.race([exit.then(() => true), delay(10_000).then(() => false)]);
      if (!killed) child.kill('SIGKILL');
      await exit;
    }
    await rm(dir, { recursive: true, force: true });
  };

  const query = async (expr: string): Promise<PromSample[]> => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: unknown };
    };
    if (body.status !== 'success' || !body.data)
      throw new Error(`query ${expr}: ${body.error ?? res.status}`);
    const { resultType, result } = body.data;
    if (resultType === 'scalar') return [{ metric: {}, value: Number((result as [number, string])[1]) }];
    if (resultType !== 'vector') throw new Error(`query ${expr}: a ${resultType}, not a vector`);
    return (result as { metric: Record<string, string>; value: [number, string] }[]).map((s) => ({
      metric: s.metric,
      value: Number(s.value[1]),
    }));
  };

  const started = performance.now();
  for (;;) {
    if (exited !== undefined) {
      await stop();
      const message = `prometheus exited (${exited}) before it was ready:\n${logText}`;
      throw /address already in use/.test(logText) ? new PortTaken(message) : new Error(message);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (performance.now() - started > readyLimitMs) {
      await stop();
      throw new Error(`prometheus not ready within ${readyLimitMs} ms:\n${logText}`);
    }
    await delay(100);
  }
  return { url, job: t.job, query, log: () => logText, stop };
}

export interface PromtoolResult {
  code: number | null;
  /** stdout and stderr together: promtool prints lint problems on stderr. */
  output: string;
}

/** `promtool check metrics` over an exposition text (read from stdin, as promtool wants). */
export function promtoolCheckMetrics(text: string): Promise<PromtoolResult> {
  const bin = promtoolBinary();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}
