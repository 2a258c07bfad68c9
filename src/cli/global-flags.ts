/**
 * kubectl-style global flags: `kubetriage --context prod scan` works as `kubetriage scan
 * --context prod` does, so `kubectl triage --context X scan` fits the habit. Pure: it
 * reads argv and says which subcommand runs, which flags travel to it, and which ones
 * (log level, colour, config file) belong to the process. Imported by `bin/kubetriage.js`
 * before anything else loads, so it must stay free of imports.
 */

/** Flags with a value that every cluster- or output-facing command understands. */
const commandGlobals = new Map<string, string>([
  ['--kubeconfig', '--kubeconfig'],
  ['--context', '--context'],
  ['-n', '--namespace'],
  ['--namespace', '--namespace'],
  ['-o', '--output'],
  ['--output', '--output'],
]);

/** Flags with a value that configure the process, accepted anywhere before `--`. */
const processValueFlags = new Set(['--log-level', '--config']);

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
const logLevels: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'silent'];

export interface GlobalFlags {
  /** The subcommand (`scan`, `status`, …), or undefined for `--help`, `--version`, nothing. */
  command: string | undefined;
  /** argv with the globals given before the subcommand moved after it, process flags removed. */
  argv: string[];
  /** Command globals given before the subcommand, as `--long value` pairs, not yet placed. */
  moved: { flag: string; value: string }[];
  logLevel: LogLevel | undefined;
  /** true `--color`, false `--no-color`, undefined: decide from the terminal and NO_COLOR. */
  color: boolean | undefined;
  configPath: string | undefined;
  /** A flag that was malformed, e.g. `--log-level` without a value or `-v=x`. */
  problem: string | undefined;
}

/** `-v` is debug; `-v=N` follows kubectl's levels (0 normal, 1–5 debug, 6 and up trace). */
function verbosity(raw: string | undefined): LogLevel | undefined {
  if (raw === undefined || raw === '') return 'debug';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) return undefined;
  return n === 0 ? 'info' : n <= 5 ? 'debug' : 'trace';
}

function splitEquals(token: string): [string, string | undefined] {
  const at = token.indexOf('=');
  return at > 0 ? [token.slice(0, at), token.slice(at + 1)] : [token, undefined];
}

export function parseGlobalFlags(argv: readonly string[]): GlobalFlags {
  const [nodePath, script, ...args] = argv;
  const out: GlobalFlags = {
    command: undefined,
    argv: [],
    moved: [],
    logLevel: undefined,
    color: undefined,
    configPath: undefined,
    problem: undefined,
  };
  const before: string[] = [];
  const after: string[] = [];
  let dashdash = false;
  for (let i = 0; i < args.length; i++) {
    const token = args[i];
    if (dashdash) {
      after.push(token);
      continue;
    }
    if (token === '--') {
      dashdash = true;
      after.push(token);
      continue;
    }
    const [name, inline] = splitEquals(token);
    // Process flags, wherever they stand.
    if (name === '-v' || name === '--v' || name === '--verbose') {
      const level = verbosity(inline);
      if (!level) out.problem = `${token}: the verbosity must be a whole number, e.g. -v=4`;
      else out.logLevel = level;
      continue;
    }
    if (token === '-q' || token === '--quiet') {
      out.logLevel = 'warn';
      continue;
    }
    if (token === '--no-color' || token === '--color') {
      out.color = token === '--color';
      continue;
    }
    if (processValueFlags.has(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) {
        out.problem = `${name} needs a value`;
        continue;
      }
      if (name === '--config') out.configPath = value;
      else if ((logLevels as readonly string[]).includes(value)) out.logLevel = value as LogLevel;
      else out.problem = `--log-level must be one of ${logLevels.join(', ')} (got "${value}")`;
      continue;
    }
    if (out.command !== undefined) {
      after.push(token);
      continue;
    }
    // Before the subcommand: command globals travel to it; `-ojson` and `-nkube-system` too.
    const short = /^-([on])(.+)$/.exec(token);
    const global = commandGlobals.get(name) ?? (short ? commandGlobals.get(`-${short[1]}`) : undefined);
    if (global) {
      const value = short && !commandGlobals.has(name) ? short[2] : (inline ?? args[++i]);
      if (value === undefined) out.problem = `${name} needs a value`;
      else out.moved.push({ flag: global, value });
      continue;
    }
    if (token.startsWith('-')) {
      before.push(token);
      continue;
    }
    out.command = token;
  }
  out.argv = [nodePath, script, ...before, ...(out.command ? [out.command] : []), ...after];
  return out;
}

/** Inserts flags before a `--` (so they stay flags), else at the end. */
export function appendFlags(argv: readonly string[], flags: readonly string[]): string[] {
  const at = argv.indexOf('--');
  return at < 0 ? [...argv, ...flags] : [...argv.slice(0, at), ...flags, ...argv.slice(at)];
}

/** Whether argv (from the subcommand on) already gives this option, in any spelling. */
export function givesOption(argv: readonly string[], long: string, short?: string): boolean {
  const end = argv.indexOf('--');
  const upto = end < 0 ? argv : argv.slice(0, end);
  return upto.some(
    (t) =>
      t === long ||
      t.startsWith(`${long}=`) ||
      (long.startsWith('--') && t === `--no-${long.slice(2)}`) ||
      (short !== undefined && (t === short || (t.startsWith(short) && !t.startsWith('--')))),
  );
}
