/**
 * `kubetriage patterns` lists the failure patterns kubetriage knows (the catalogue), and
 * `kubetriage explain ID` prints one as a runbook page: the mechanism, what it needs, what
 * supports it and what speaks against it with their weights, the look-alikes it is told
 * apart from, the next steps and runbooks it offers, and its public wording. Both read the
 * catalogue itself, so what they print is exactly what the engine evaluates.
 */
import type { Command } from 'commander';
import { catalogue } from '../../diagnose/catalogue/index.ts';
import type { AnyPattern, Clause } from '../../diagnose/pattern.ts';
import { CliError, exitCodes } from '../errors.ts';
import { parseOutputFormat, printData } from '../output.ts';
import { alignColumns } from '../render/columns.ts';

interface Flags {
  output: string;
}

/** A pattern as data a script can read (no functions). */
export function patternData(p: AnyPattern) {
  const clause = (c: Clause<unknown>) => ({
    id: c.id,
    weight: c.weight,
    reason: c.reason,
    reads: [...c.reads],
  });
  return {
    id: p.id,
    title: p.title,
    family: p.family,
    layer: p.layer,
    clusterLevel: p.clusterLevel,
    summary: p.summary,
    base: p.base,
    requires: p.requires.map(clause),
    supports: p.supports.map(clause),
    against: p.against.map(clause),
    lookAlikes: [...p.lookAlikes],
    statement: p.statement,
    nextSteps: p.nextSteps.map((s) => ({ ...s })),
    runbooks: Object.keys(p.runbooks ?? {}),
    public: p.public,
    prevention: [...p.prevention],
  };
}

function listTable(): string {
  const rows = catalogue.map((p) => [
    p.id,
    p.family,
    p.layer,
    p.clusterLevel ? 'cluster' : 'workload',
    p.title,
  ]);
  return `${alignColumns([['ID', 'FAMILY', 'LAYER', 'SCOPE', 'TITLE'], ...rows]).join('\n')}\n`;
}

function pct(w: number): string {
  return `${w > 0 ? '+' : ''}${Math.round(w * 100)}`;
}

/** One pattern as a page a person reads on call. */
export function explainPage(p: AnyPattern): string {
  const title = (id: string) => catalogue.find((x) => x.id === id)?.title ?? id;
  const lines = [
    `${p.title}  (${p.id})`,
    `family ${p.family}, layer ${p.layer}, ${p.clusterLevel ? 'a cluster incident' : "a finding for a workload's owners"}`,
    '',
    p.summary,
    '',
    'Needs (every one must hold):',
    ...p.requires.map((c) => `  - ${c.reason}   [${c.reads.join(', ')}]`),
    '',
    `Confidence starts at ${Math.round(p.base * 100)} and moves with:`,
    ...p.supports.map((c) => `  ${pct(c.weight).padStart(4)}  ${c.reason}`),
    ...p.against.map((c) => `  ${pct(c.weight).padStart(4)}  ${c.reason}`),
    '',
    'Told apart from:',
    ...p.lookAlikes.map((l) => `  - ${title(l)} (${l})`),
    '',
    'It says:',
    `  ${p.statement}`,
    '',
    'Next steps:',
    ...p.nextSteps.map((s) => `  - ${s.say}${s.command ? `\n      $ ${s.command}` : ''}`),
    ...(Object.keys(p.runbooks ?? {}).length
      ? [
          '',
          `Runbooks: ${Object.keys(p.runbooks ?? {})
            .map((r) => `kubetriage remediate ${r}`)
            .join(', ')}`,
        ]
      : []),
    '',
    `Status page: "${p.public.title}": ${p.public.cause} (${p.public.components.join(', ')}; ${p.public.outage} outage while critical)`,
    '',
    'Prevention:',
    ...p.prevention.map((x) => `  - ${x}`),
    '',
    '{slot} is filled from the signals at run time; a [bracketed] part is left out when its signals are absent.',
  ];
  return `${lines.join('\n')}\n`;
}

export function registerPatterns(program: Command): void {
  program
    .command('patterns')
    .description('list the failure patterns kubetriage knows')
    .option('-o, --output <format>', 'table, wide, json, yaml, name or jsonpath=TEMPLATE', 'table')
    .addHelpText(
      'after',
      `
Every diagnosis is one of these patterns, evaluated on the signals by one engine, or
"cause not identified" when none explains the trouble well enough.

Examples:
  $ kubetriage patterns
  $ kubetriage patterns -o json | jq -r '.items[] | select(.family == "nodes") | .id'
  $ kubetriage patterns -o name
  $ kubetriage explain node-network`,
    )
    .action((flags: Flags) => {
      const format = parseOutputFormat(flags.output);
      process.stdout.write(
        printData(format, catalogue.map(patternData), listTable, {
          kind: 'Pattern',
          names: () => catalogue.map((p) => `pattern/${p.id}`),
        }),
      );
    });

  program
    .command('explain')
    .description('print one failure pattern as a runbook page')
    .argument('<id>', 'a pattern id (see `kubetriage patterns`)')
    .option('-o, --output <format>', 'text, json or yaml', 'text')
    .addHelpText(
      'after',
      '\nExamples:\n  $ kubetriage explain service-routing\n  $ kubetriage explain kubelet-failure -o json',
    )
    .action((id: string, flags: Flags) => {
      const p = catalogue.find((x) => x.id === id);
      if (!p)
        throw new CliError(`no failure pattern named ${id}`, {
          exitCode: exitCodes.usage,
          hint: `kubetriage patterns lists them; close ones: ${
            catalogue
              .map((x) => x.id)
              .filter((x) => x.includes(id.split('-')[0] ?? id))
              .join(', ') || 'none'
          }`,
        });
      const format = flags.output === 'text' ? 'table' : parseOutputFormat(flags.output);
      process.stdout.write(
        printData(format, patternData(p), () => explainPage(p), {
          kind: 'Pattern',
          names: () => [`pattern/${p.id}`],
        }),
      );
    });
}
