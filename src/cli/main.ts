/**
 * The `kubetriage` command line: reads the global flags and the config file, loads only the
 * module of the command that runs (src/cli/command-index.ts), and maps every failure to a
 * message and an exit code in one place (src/cli/errors.ts).
 */
import { Command, CommanderError } from 'commander';
import { exitCodes, usageError } from './cli-error.ts';
import { commandIndex, findCommand } from './command-index.ts';
import { appendFlags, givesOption, parseGlobalFlags } from './global-flags.ts';
import { packageVersion } from './package-version.ts';
import { configFlags, loadUserConfig, type OptionShape } from './user-config.ts';

const globalHelp = `
Global flags (before or after the command, as with kubectl):
  --kubeconfig FILE, --context NAME, -n NAMESPACE, -o FORMAT
                        passed to the command when it takes them
  -v, -v=N              more log detail (debug; 6 and up: trace)
  -q, --quiet           warnings and errors only
  --log-level LEVEL     trace, debug, info (default), warn, error or silent ($KUBETRIAGE_LOG_LEVEL)
  --no-color, --color   colour is on for a terminal unless $NO_COLOR is set
  --config FILE         flags people repeat (default: $XDG_CONFIG_HOME/kubetriage/config.yaml)

Logs go to stderr: readable lines on a terminal, one JSON object per line otherwise
($KUBETRIAGE_LOG_FORMAT=json|text to choose). Exit codes: 0 ok, 1 failed or found a
problem, 2 bad usage or input, 3 a needed service could not be reached.

Examples:
  $ kubetriage status --context prod
  $ kubetriage --context prod scan -o json
  $ kubetriage explain node-network
  $ kubetriage completion bash > /etc/bash_completion.d/kubetriage`;

export function rootProgram(): Command {
  return new Command()
    .name('kubetriage')
    .description(
      'Notices when a Kubernetes cluster itself fails, names the root cause with evidence, guides a safe fix.',
    )
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', globalHelp)
    .exitOverride();
}

/** Every command registered, for the completion script and for tests. */
export async function buildProgram(): Promise<Command> {
  const program = rootProgram();
  const loaded = new Set<unknown>();
  for (const entry of commandIndex) {
    const register = await entry.load();
    if (loaded.has(register)) continue;
    loaded.add(register);
    register(program);
  }
  return program;
}

/** The command that will run: `remediate restart-nodes` is the leaf under `remediate`. */
function leafCommand(program: Command, args: readonly string[]): Command | undefined {
  let cmd = program.commands.find((c) => c.name() === args[0]);
  for (const token of args.slice(1)) {
    if (token === '--' || !cmd) break;
    if (token.startsWith('-')) continue;
    const sub: Command | undefined = cmd.commands.find((c) => c.name() === token);
    if (!sub) break;
    cmd = sub;
  }
  return cmd;
}

function optionShapes(cmd: Command): OptionShape[] {
  return cmd.options
    .filter((o) => o.long !== undefined && !o.negate)
    .map((o) => ({ long: o.long as string, short: o.short, takesValue: o.required || o.optional }));
}

export async function main(argv: string[]): Promise<number> {
  const program = rootProgram();
  try {
    const globals = parseGlobalFlags(argv);
    if (globals.problem) throw usageError(globals.problem, 'run kubetriage --help for the global flags');
    const config = await loadUserConfig(globals.configPath);
    const level = globals.logLevel ?? (config?.global['log-level'] as string | undefined);
    if (level && (globals.logLevel || !process.env.KUBETRIAGE_LOG_LEVEL))
      process.env.KUBETRIAGE_LOG_LEVEL = level;
    if (globals.color !== undefined) process.env.KUBETRIAGE_COLOR = globals.color ? 'always' : 'never';

    const [, , ...rest] = globals.argv;
    const commandAt = globals.command === undefined ? -1 : rest.indexOf(globals.command);
    const wanted = globals.command === 'help' ? rest[commandAt + 1] : globals.command;
    const entry = findCommand(wanted);
    if (entry) (await entry.load())(program);
    // Without a known command, stubs are enough for the command list and "did you mean".
    else for (const c of commandIndex) program.command(c.name).description(c.summary);

    let args = globals.argv;
    const leaf =
      entry && globals.command !== 'help' ? leafCommand(program, rest.slice(commandAt)) : undefined;
    if (leaf) {
      const shapes = optionShapes(leaf);
      // Global flags the command has no use for are accepted and ignored, as kubectl does.
      for (const m of globals.moved) {
        const shape = shapes.find((s) => s.long === m.flag);
        if (shape && !givesOption(args.slice(2), shape.long, shape.short))
          args = appendFlags(args, [m.flag, m.value]);
      }
      if (config && globals.command) {
        const given = args.slice(2);
        args = appendFlags(
          args,
          configFlags(config, globals.command, shapes, (l, s) => givesOption(given, l, s)),
        );
      }
    }
    await program.parseAsync(args);
    return exitCodes.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed help or the usage error.
      return err.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    const { describeFailure } = await import('./errors.ts');
    const { message, exitCode } = describeFailure(err);
    if (message) process.stderr.write(`error: ${message}\n`);
    return exitCode;
  }
}
