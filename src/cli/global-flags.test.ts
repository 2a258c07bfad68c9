import { describe, expect, it } from 'vitest';
import { appendFlags, givesOption, parseGlobalFlags } from './global-flags.ts';

const run = (...args: string[]) => parseGlobalFlags(['node', 'kubetriage', ...args]);

describe('parseGlobalFlags', () => {
  it.each([
    ['flags after the command stay', ['scan', '--context', 'x'], 'scan', ['scan', '--context', 'x'], []],
    [
      '--context before the command travels',
      ['--context', 'x', 'scan'],
      'scan',
      ['scan'],
      [['--context', 'x']],
    ],
    ['--flag=value form', ['--kubeconfig=k', 'status'], 'status', ['status'], [['--kubeconfig', 'k']]],
    ['-ojson short form', ['-ojson', 'incidents'], 'incidents', ['incidents'], [['--output', 'json']]],
    [
      '-n becomes --namespace',
      ['-n', 'kube-system', 'scan'],
      'scan',
      ['scan'],
      [['--namespace', 'kube-system']],
    ],
    ['root flags stay before', ['--help'], undefined, ['--help'], []],
    ['-- ends flag parsing', ['replay', '--', '-v'], 'replay', ['replay', '--', '-v'], []],
  ])('%s', (_, args, command, argv, moved) => {
    const g = run(...args);
    expect(g.command).toBe(command);
    expect(g.argv.slice(2)).toEqual(argv);
    expect(g.moved.map((m) => [m.flag, m.value])).toEqual(moved);
    expect(g.problem).toBeUndefined();
  });

  it.each([
    [['-v', 'scan'], 'debug'],
    [['scan', '-v'], 'debug'],
    [['scan', '-v=0'], 'info'],
    [['scan', '--v=8'], 'trace'],
    [['--quiet', 'scan'], 'warn'],
    [['scan', '--log-level', 'error'], 'error'],
    [['scan', '--log-level=silent'], 'silent'],
  ])('log level from %j is %s and the flag is removed', (args, level) => {
    const g = run(...args);
    expect(g.logLevel).toBe(level);
    expect(g.argv.slice(2)).toEqual(['scan']);
  });

  it.each([
    [['--log-level', 'loud', 'scan'], '--log-level must be one of'],
    [['-v=x', 'scan'], 'the verbosity must be a whole number'],
    [['scan', '--config'], '--config needs a value'],
    [['--context'], '--context needs a value'],
  ])('%j is a usage problem', (args, problem) => {
    expect(run(...args).problem).toContain(problem);
  });

  it('reads colour and the config path', () => {
    const g = run('--no-color', 'status', '--config', '/tmp/c.yaml');
    expect(g.color).toBe(false);
    expect(g.configPath).toBe('/tmp/c.yaml');
    expect(run('--color', 'status').color).toBe(true);
    expect(run('status').color).toBeUndefined();
  });
});

describe('appendFlags and givesOption', () => {
  it('keeps flags ahead of --', () => {
    expect(appendFlags(['a', '--', 'b'], ['--x', '1'])).toEqual(['a', '--x', '1', '--', 'b']);
    expect(appendFlags(['a'], ['--x'])).toEqual(['a', '--x']);
  });
  it.each([
    [['scan', '--output', 'json'], true],
    [['scan', '--output=json'], true],
    [['scan', '-o', 'json'], true],
    [['scan', '-ojson'], true],
    [['scan', '--', '-o'], false],
    [['scan', '--outputs'], false],
  ])('%j gives --output: %s', (argv, gives) => {
    expect(givesOption(argv, '--output', '-o')).toBe(gives);
  });
});
