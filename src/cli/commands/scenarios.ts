/**
 * `kubetriage scenarios`: the shipped scenarios (five reference outages, healthy baselines, the outage corpus)
 * with when each starts, how long it runs and one line on what happens, so a user can
 * pick one to replay. A scenario file that does not validate fails the listing with its
 * file, line and field.
 */
import type { Command } from 'commander';
import { listScenarios, ScenarioError, type ScenarioSummary } from '../../sim/scenario/loader.ts';
import { CliError, exitCodes } from '../errors.ts';
import { parseOutputFormat, printData } from '../output.ts';

interface ScenariosFlags {
  output: string;
}

function renderTable(rows: readonly ScenarioSummary[]): string {
  const header = { name: 'NAME', start: 'START', duration: 'DURATION', description: 'DESCRIPTION' };
  const all = [header, ...rows];
  const width = (key: 'name' | 'start' | 'duration') => Math.max(...all.map((r) => r[key].length));
  const [wn, ws, wd] = [width('name'), width('start'), width('duration')];
  return all
    .map((r) => `${r.name.padEnd(wn)}  ${r.start.padEnd(ws)}  ${r.duration.padEnd(wd)}  ${r.description}`)
    .join('\n')
    .concat('\n');
}

export function registerScenarios(program: Command): void {
  program
    .command('scenarios')
    .description(
      'list the shipped scenarios: five reference outages, healthy baselines and the outage corpus',
    )
    .option('-o, --output <format>', 'table, wide, json, yaml, name or jsonpath=TEMPLATE', 'table')
    .addHelpText(
      'after',
      `
Each scenario replays a real postmortem at its real date and time (UTC), or a healthy
baseline that a good tool must stay quiet on. Files live in scenarios/<name>.yaml.

Examples:
  $ kubetriage scenarios
  $ kubetriage scenarios -o json | jq -r '.items[].name'
  $ kubetriage scenarios -o jsonpath='{range .items[*]}{.name}{"\\n"}{end}'`,
    )
    .action(async (flags: ScenariosFlags) => {
      const format = parseOutputFormat(flags.output);
      let rows: ScenarioSummary[];
      try {
        rows = await listScenarios();
      } catch (err) {
        if (err instanceof ScenarioError) {
          throw new CliError(`a scenario file is invalid:\n${err.message}`, {
            exitCode: exitCodes.failed,
            hint: 'fix the fields named above (line:column), then run again',
            cause: err,
          });
        }
        throw err;
      }
      process.stdout.write(
        printData(format, rows, () => renderTable(rows), {
          kind: 'Scenario',
          names: () => rows.map((r) => `scenario/${r.name}`),
        }),
      );
    });
}
