/**
 * The optional config file for the flags people repeat: `$XDG_CONFIG_HOME/kubetriage/config.yaml`
 * (else `~/.config/kubetriage/config.yaml`, or `--config FILE`, or `$KUBETRIAGE_CONFIG`).
 * Top-level keys are flag names without dashes and apply to every command that has that
 * flag; `commands.NAME` keys apply to one command only. A flag on the command line wins
 * over the file, the file over the flag's default:
 *
 *   context: prod
 *   data-dir: /var/lib/kubetriage
 *   log-level: info
 *   commands:
 *     serve: { port: 9090, page-name: "Acme status" }
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { usageError } from './cli-error.ts';

export type ConfigValue = string | number | boolean;

export interface UserConfig {
  path: string;
  global: Record<string, ConfigValue>;
  commands: Record<string, Record<string, ConfigValue>>;
}

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'kubetriage', 'config.yaml');
}

function flagValues(path: string, where: string, raw: unknown): Record<string, ConfigValue> {
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw usageError(`${path}: ${where} must be a map of flag names to values`, 'e.g. context: prod');
  const out: Record<string, ConfigValue> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!/^[a-z][a-z0-9-]*$/.test(k))
      throw usageError(
        `${path}: "${k}" in ${where} is not a flag name`,
        'use the long flag without dashes, e.g. data-dir: ./kt-data',
      );
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw usageError(`${path}: ${where}.${k} must be a string, number or true/false`);
    out[k] = v;
  }
  return out;
}

/** Parses the file's text; throws a usage error naming the file and the key. */
export async function parseUserConfig(path: string, text: string): Promise<UserConfig> {
  const { parse } = await import('yaml');
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (err) {
    throw usageError(`${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw usageError(`${path} must be a YAML map of flag names to values`, 'e.g. context: prod');
  const { commands, ...rest } = doc as Record<string, unknown>;
  const perCommand: Record<string, Record<string, ConfigValue>> = {};
  if (commands !== undefined && commands !== null) {
    if (typeof commands !== 'object' || Array.isArray(commands))
      throw usageError(
        `${path}: commands must be a map of command names`,
        'e.g. commands: { serve: { port: 9090 } }',
      );
    for (const [name, values] of Object.entries(commands))
      perCommand[name] = flagValues(path, `commands.${name}`, values);
  }
  return { path, global: flagValues(path, 'the top level', rest), commands: perCommand };
}

/** Reads the config file if there is one. An explicitly named file must exist. */
export async function loadUserConfig(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<UserConfig | undefined> {
  const named = explicit ?? (env.KUBETRIAGE_CONFIG || undefined);
  const path = named ?? defaultConfigPath(env);
  if (!existsSync(path)) {
    if (named)
      throw usageError(
        `config file ${path} does not exist`,
        'create it, or leave out --config/$KUBETRIAGE_CONFIG',
      );
    return undefined;
  }
  return parseUserConfig(path, readFileSync(path, 'utf8'));
}

export interface OptionShape {
  /** `--data-dir` */
  long: string;
  short?: string;
  /** Takes a value (`<dir>`), or is a switch. */
  takesValue: boolean;
}

/**
 * The flags the config adds for one command: every option the command has that the
 * config names and the command line does not give. `given(long, short)` says whether argv has it.
 */
export function configFlags(
  config: UserConfig,
  command: string,
  options: readonly OptionShape[],
  given: (long: string, short?: string) => boolean,
): string[] {
  const values = { ...config.global, ...(config.commands[command] ?? {}) };
  const out: string[] = [];
  for (const o of options) {
    const key = o.long.replace(/^--/, '');
    if (!(key in values) || given(o.long, o.short)) continue;
    const v = values[key];
    if (!o.takesValue) {
      if (v === true) out.push(o.long);
      continue;
    }
    out.push(o.long, String(v));
  }
  return out;
}
