/**
 * `kubetriage completion bash|zsh|fish`: a completion script generated from the commands
 * as registered (names, subcommands, flags, descriptions), so it never drifts from the
 * CLI. The script is static: pressing Tab runs no kubetriage process (contexts come from
 * kubectl, scenario names are written in).
 */
import type { Command } from 'commander';
import { listScenarios } from '../../sim/scenario/loader.ts';
import { usageError } from '../cli-error.ts';

interface CommandShape {
  path: string[];
  description: string;
  flags: { long?: string; short?: string; description: string; takesValue: boolean }[];
  subcommands: string[];
}

const globalFlags = [
  '--kubeconfig',
  '--context',
  '-n',
  '-o',
  '-v',
  '--quiet',
  '--log-level',
  '--no-color',
  '--config',
];
const fileFlags = [
  '--kubeconfig',
  '--kubeconfig-out',
  '--token-file',
  '--out',
  '--report',
  '--config',
  '--data-dir',
];
const outputFormats = ['table', 'wide', 'json', 'yaml', 'name', 'jsonpath='];

function shapes(cmd: Command, path: string[] = []): CommandShape[] {
  const out: CommandShape[] = [];
  for (const c of cmd.commands) {
    const p = [...path, c.name()];
    out.push({
      path: p,
      description: c.description(),
      flags: c.options.map((o) => ({
        long: o.long,
        short: o.short,
        description: o.description,
        takesValue: o.required || o.optional,
      })),
      subcommands: c.commands.map((s) => s.name()),
    });
    out.push(...shapes(c, p));
  }
  return out;
}

const shellWord = (s: string): string => s.replace(/[^A-Za-z0-9_.:=/-]/g, '');

export function bashScript(all: CommandShape[], scenarios: string[]): string {
  const top = all.filter((c) => c.path.length === 1).map((c) => c.path[0]);
  const cases = all
    .map((c) => {
      const words = [
        ...c.subcommands,
        ...c.flags.flatMap((f) => [f.long, f.short].filter((x) => x !== undefined)),
      ];
      if (['replay', 'demo'].includes(c.path[0]) && c.path.length === 1) words.push(...scenarios);
      return `    '${c.path.join(' ')}') words='${words.map(shellWord).join(' ')}' ;;`;
    })
    .join('\n');
  return `# kubetriage completion for bash. Load it with:
#   source <(kubetriage completion bash)
# or install it: kubetriage completion bash > /etc/bash_completion.d/kubetriage
_kubetriage() {
  local cur prev path="" i w skip=0 words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    ${fileFlags.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --context) COMPREPLY=($(compgen -W "$(kubectl config get-contexts -o name 2>/dev/null)" -- "$cur")); return ;;
    -o|--output) COMPREPLY=($(compgen -W "${outputFormats.join(' ')}" -- "$cur")); return ;;
    --scenario) COMPREPLY=($(compgen -W "${scenarios.join(' ')}" -- "$cur")); return ;;
  esac
  # The command path so far: words that are not flags nor a global flag's value.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if ((skip)); then skip=0; continue; fi
    case "$w" in
      --kubeconfig|--context|-n|--namespace|-o|--output|--log-level|--config) skip=1 ;;
      -*) ;;
      *) path="\${path:+$path }$w" ;;
    esac
  done
  case "$path" in
    '') words='${top.join(' ')} ${globalFlags.join(' ')} --help --version' ;;
${cases}
    *) words='' ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _kubetriage kubetriage
`;
}

export function zshScript(all: CommandShape[], scenarios: string[]): string {
  // zsh runs bash completion functions through bashcompinit, which every zsh ships.
  return `#compdef kubetriage
# kubetriage completion for zsh. Load it with:
#   source <(kubetriage completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashScript(all, scenarios)}`;
}

const fishQuote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function fishScript(all: CommandShape[], scenarios: string[]): string {
  const top = all.filter((c) => c.path.length === 1);
  const lines = [
    '# kubetriage completion for fish. Load it with:',
    '#   kubetriage completion fish | source',
    '# or install it: kubetriage completion fish > ~/.config/fish/completions/kubetriage.fish',
    'complete -c kubetriage -f',
    ...top.map(
      (c) => `complete -c kubetriage -n __fish_use_subcommand -a ${c.path[0]} -d ${fishQuote(c.description)}`,
    ),
    `complete -c kubetriage -l context -x -a '(kubectl config get-contexts -o name 2>/dev/null)' -d 'kubeconfig context'`,
    `complete -c kubetriage -l kubeconfig -r -F -d 'kubeconfig file'`,
    `complete -c kubetriage -s o -l output -x -a ${fishQuote(outputFormats.join(' '))} -d 'output format'`,
    `complete -c kubetriage -s v -d 'more log detail'`,
    `complete -c kubetriage -s q -l quiet -d 'warnings and errors only'`,
    `complete -c kubetriage -l log-level -x -a 'trace debug info warn error silent' -d 'log level'`,
    `complete -c kubetriage -l no-color -d 'no colour'`,
  ];
  for (const c of all) {
    const seen = c.path.map((p) => `__fish_seen_subcommand_from ${p}`).join('; and ');
    if (c.path.length === 1 && ['replay', 'demo'].includes(c.path[0]))
      lines.push(`complete -c kubetriage -n ${fishQuote(seen)} -a ${fishQuote(scenarios.join(' '))}`);
    for (const sub of c.subcommands) lines.push(`complete -c kubetriage -n ${fishQuote(seen)} -a ${sub}`);
    for (const f of c.flags) {
      if (f.long === '--kubeconfig' || f.long === '--context' || f.long === '--output') continue;
      const parts = ['complete -c kubetriage', `-n ${fishQuote(seen)}`];
      if (f.long) parts.push(`-l ${f.long.replace(/^--/, '')}`);
      if (f.short) parts.push(`-s ${f.short.replace(/^-/, '')}`);
      if (f.takesValue) parts.push(f.long && fileFlags.includes(f.long) ? '-r -F' : '-x');
      parts.push(`-d ${fishQuote(f.description.split(' (')[0])}`);
      lines.push(parts.join(' '));
    }
  }
  return `${lines.join('\n')}\n`;
}

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText(
      'after',
      `
Examples:
  $ source <(kubetriage completion bash)
  $ kubetriage completion zsh > "\${fpath[1]}/_kubetriage"
  $ kubetriage completion fish > ~/.config/fish/completions/kubetriage.fish`,
    )
    .action(async (shell: string) => {
      const scripts = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;
      if (!(shell in scripts))
        throw usageError(`no completion for the shell "${shell}"`, 'choose bash, zsh or fish');
      const { buildProgram } = await import('../main.ts');
      const all = shapes(await buildProgram());
      const scenarios = (await listScenarios()).map((s) => s.name);
      process.stdout.write(scripts[shell as keyof typeof scripts](all, scenarios));
    });
}
