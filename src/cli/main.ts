/**
 * The `kubetriage` command line: wires subcommands, and maps every failure to a message
 * and an exit code in one place (src/cli/errors.ts).
 */
import { Command, CommanderError } from 'commander';
import { registerAgent } from './commands/agent.ts';
import { registerDemo } from './commands/demo.ts';
import { registerIncidents } from './commands/incidents.ts';
import { registerPatterns } from './commands/patterns.ts';
import { registerRemediate } from './commands/remediate.ts';
import { registerReplay } from './commands/replay.ts';
import { registerScan } from './commands/scan.ts';
import { registerScenarios } from './commands/scenarios.ts';
import { registerServe } from './commands/serve.ts';
import { registerSim } from './commands/sim.ts';
import { registerStatus } from './commands/status.ts';
import { registerWatch } from './commands/watch.ts';
import { describeFailure, exitCodes } from './errors.ts';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('kubetriage')
    .description(
      'Notices when a Kubernetes cluster itself fails, names the root cause with evidence, guides a safe fix.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerSim(program);
  registerScenarios(program);
  registerStatus(program);
  registerReplay(program);
  registerPatterns(program);
  registerScan(program);
  registerWatch(program);
  registerServe(program);
  registerIncidents(program);
  registerRemediate(program);
  registerAgent(program);
  registerDemo(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return exitCodes.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed help or the usage error.
      return err.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    const { message, exitCode } = describeFailure(err);
    if (message)
      process.stderr.write(`error: ${message}
`);
    return exitCode;
  }
}
