/**
 * Every command in README.md runs verbatim, in order, as a new user following it would:
 * in a fresh working directory with a fresh home (so a fresh data directory and no
 * config file), with `npx` resolving this checkout. One-shot commands must exit as the
 * README says; servers (`sim`, `serve`, `demo`) and `watch` are started, must show their
 * first useful output (and answer HTTP where they serve it), then are stopped with
 * Ctrl-C's signal and must exit cleanly. Each block runs in a network namespace of its
 * own where the machine allows one, so the README's default ports (6443, 8080) never
 * meet another process's.
 *
 * Not run, each for its reason: `npm ci` (this test runs in the installed tree),
 * `npm run check` (it runs this test), the main job `replay --all` (minutes of CPU;
 * test/scenarios/replay-scores.test.ts replays the same outages cut short), and the
 * `on-your-cluster` blocks (they act on a real cluster).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { longRunning, type ReadmeCommand, shBlocks } from './readme-commands.ts';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = shBlocks(readme);

const notRun = new Map([
  ['npm ci && npx kubetriage replay --all', 'the main job: minutes of CPU'],
  ['npm ci && npm run check', 'runs this very test'],
]);

// A fresh directory inside the checkout, so `npx kubetriage` finds this package offline.
mkdirSync(join(root, '.tmp'), { recursive: true });
const work = mkdtempSync(join(root, '.tmp', 'readme-'));
const home = join(work, '.home');
mkdirSync(home);

const env: NodeJS.ProcessEnv = {
  PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH}`,
  HOME: home,
  LANG: 'C.UTF-8',
  TERM: 'dumb',
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_cache: join(process.env.HOME ?? home, '.npm'),
  NODE_COMPILE_CACHE: join(process.env.HOME ?? home, '.cache', 'kubetriage-readme-compile'),
};

/** A network namespace with loopback up, held open by a sleeping process; undefined where none can be made. */
async function netns(): Promise<{ prefix: string[]; stop: () => void } | undefined> {
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const holder = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && echo ready && exec sleep 900'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Entering before the namespace exists would enter ours: wait until it says it is up.
  await new Promise<void>((ready, fail) => {
    holder.stdout?.once('data', () => ready());
    holder.once('exit', (code) => fail(new Error(`the network namespace did not start (exit ${code})`)));
  });
  return {
    prefix: ['nsenter', `--net=/proc/${holder.pid}/ns/net`, '--'],
    stop: () => holder.kill('SIGKILL'),
  };
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(prefix: string[], command: string): Running {
  const [cmd, ...args] = [...prefix, 'bash', '-c', command];
  // A process group of its own: Ctrl-C signals the whole foreground group, and so does stop().
  const child = spawn(cmd, args, { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms: number,
  r: Running,
): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (await check()) return;
    if (r.child.exitCode !== null || performance.now() > deadline)
      throw new Error(`${what} did not happen; output so far:\n${r.output().slice(-2000)}`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

function httpStatus(prefix: string[], url: string): number {
  try {
    const [cmd, ...args] = [
      ...prefix,
      'curl',
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--max-time',
      '5',
      url,
    ];
    return Number(execFileSync(cmd, args, { encoding: 'utf8' }));
  } catch {
    return 0;
  }
}

async function stop(r: Running): Promise<void> {
  if (r.child.exitCode !== null) throw new Error(`it exited early:\n${r.output().slice(-2000)}`);
  process.kill(-(r.child.pid as number), 'SIGINT');
  const killer = setTimeout(() => process.kill(-(r.child.pid as number), 'SIGKILL'), 20_000);
  const { code, signal } = await r.exited;
  clearTimeout(killer);
  // Ctrl-C ends it as a shell sees it: exit 0 or 130, or npx re-raising the SIGINT it was
  // sent (as npm does once its child has exited); never another code nor a stack trace.
  const clean = code === 0 || code === 130 || signal === 'SIGINT';
  expect(clean, `stopped with ${code ?? signal}:\n${r.output().slice(-2000)}`).toBe(true);
  expect(r.output()).not.toMatch(/^error: |\n {4}at /m);
}

async function oneShot(prefix: string[], c: ReadmeCommand): Promise<void> {
  const r = start(prefix, c.text);
  const killer = setTimeout(() => r.child.kill('SIGKILL'), 150_000);
  const { code } = await r.exited;
  clearTimeout(killer);
  // scan and status say "found something" with exit 1; everything else the README shows succeeds.
  const allowed = /kubetriage (scan|status)\b/.test(c.text) ? [0, 1] : [0];
  expect(allowed, `README.md:${c.line} \`${c.text}\` exited ${code}:\n${r.output().slice(-2000)}`).toContain(
    code,
  );
}

async function serverUp(prefix: string[], c: ReadmeCommand, r: Running): Promise<void> {
  if (/kubetriage sim\b/.test(c.text)) {
    await until(
      'the simulator serving',
      () => /kubeconfig written to|serving a cluster/.test(r.output()),
      90_000,
      r,
    );
    return;
  }
  let port = 0;
  await until(
    'a printed URL',
    () => {
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(r.output());
      port = m ? Number(m[1]) : 0;
      return port > 0;
    },
    90_000,
    r,
  );
  await until(
    'GET /status answering 200',
    () => httpStatus(prefix, `http://127.0.0.1:${port}/status`) === 200,
    60_000,
    r,
  );
}

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups) c();
});

describe('README.md, command by command', () => {
  it('has the blocks this test knows how to treat', () => {
    const commands = blocks.flatMap((b) => b.commands.map((c) => c.text));
    for (const skipped of notRun.keys()) expect(commands).toContain(skipped);
    expect(blocks.filter((b) => b.info.includes('on-your-cluster')).length).toBeGreaterThan(0);
  });

  for (const block of blocks.filter((b) => !b.info.includes('on-your-cluster'))) {
    const runnable = block.commands.filter((c) => !notRun.has(c.text));
    if (runnable.length === 0) continue;
    it(`README.md:${block.line}: ${runnable.map((c) => c.text.split(' ').slice(0, 3).join(' ')).join('; ')}`, async () => {
      const ns = await netns();
      if (ns) cleanups.push(ns.stop);
      const prefix = ns?.prefix ?? [];
      const servers: Running[] = [];
      const watchers: Running[] = [];
      try {
        for (const c of runnable) {
          const kind = longRunning(c.text);
          if (kind === 'server') {
            // One server at a time, as a person would stop one before starting the next on the same port.
            for (const s of servers.splice(0)) await stop(s);
            const r = start(prefix, c.text);
            servers.push(r);
            await serverUp(prefix, c, r);
          } else if (kind === 'watcher') {
            const r = start(prefix, c.text);
            watchers.push(r);
            await until('watch starting', () => /watching /.test(r.output()), 90_000, r);
          } else await oneShot(prefix, c);
        }
        for (const w of watchers.splice(0)) await stop(w);
        for (const s of servers.splice(0)) await stop(s);
      } finally {
        for (const r of [...watchers, ...servers])
          if (r.child.exitCode === null) process.kill(-(r.child.pid as number), 'SIGKILL');
        ns?.stop();
      }
    }, 300_000);
  }
});
