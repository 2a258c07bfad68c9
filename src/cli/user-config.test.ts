import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFlags, defaultConfigPath, loadUserConfig, parseUserConfig } from './user-config.ts';

const shapes = [
  { long: '--context', takesValue: true },
  { long: '--output', short: '-o', takesValue: true },
  { long: '--port', takesValue: true },
  { long: '--allow-remediation', takesValue: false },
];

describe('the config file', () => {
  it('uses $XDG_CONFIG_HOME when set', () => {
    expect(defaultConfigPath({ XDG_CONFIG_HOME: '/x' })).toBe('/x/kubetriage/config.yaml');
  });

  it.each([
    ['a top-level value applies', 'context: prod\n', 'status', [], ['--context', 'prod']],
    ['the command line wins', 'context: prod\n', 'status', ['--context'], []],
    [
      'a command section wins over the top level',
      'port: 1\ncommands:\n  serve:\n    port: 9090\n',
      'serve',
      [],
      ['--port', '9090'],
    ],
    ['another command section does not apply', 'commands:\n  serve:\n    port: 9090\n', 'demo', [], []],
    ['a switch set to true', 'allow-remediation: true\n', 'serve', [], ['--allow-remediation']],
    ['a switch set to false', 'allow-remediation: false\n', 'serve', [], []],
    ['flags the command lacks are skipped', 'data-dir: /d\n', 'status', [], []],
  ])('%s', async (_, text, command, given, flags) => {
    const config = await parseUserConfig('/c.yaml', text);
    expect(configFlags(config, command, shapes, (long) => (given as string[]).includes(long))).toEqual(flags);
  });

  it.each([
    ['- a\n- b\n', 'must be a YAML map'],
    ['context: [a]\n', 'context must be a string'],
    ['Context: x\n', 'is not a flag name'],
    ['commands: 3\n', 'commands must be a map'],
    ['a: [\n', 'is not valid YAML'],
  ])('rejects %j naming the problem', async (text, message) => {
    await expect(parseUserConfig('/c.yaml', text)).rejects.toThrow(message);
  });

  it('is optional unless named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kt-config-'));
    expect(await loadUserConfig(undefined, { XDG_CONFIG_HOME: dir })).toBeUndefined();
    await expect(loadUserConfig(join(dir, 'missing.yaml'), {})).rejects.toThrow('does not exist');
    writeFileSync(join(dir, 'c.yaml'), 'context: prod\n');
    expect((await loadUserConfig(undefined, { KUBETRIAGE_CONFIG: join(dir, 'c.yaml') }))?.global).toEqual({
      context: 'prod',
    });
  });
});
