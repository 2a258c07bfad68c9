import { describe, expect, it } from 'vitest';
import { textLine } from './log-text.ts';
import { colourEnabled, painter } from './render/colour.ts';

const at = Date.UTC(2024, 10, 22, 9, 5, 7);

describe('log lines for a terminal', () => {
  it.each([
    [
      'info',
      'listening',
      { url: 'http://127.0.0.1:8080' },
      '09:05:07 INFO  listening url=http://127.0.0.1:8080\n',
    ],
    ['warn', 'slow', { what: 'two words', n: 3 }, '09:05:07 WARN  slow what="two words" n=3\n'],
    ['error', 'failed', undefined, '09:05:07 ERROR failed\n'],
  ] as const)('%s %s', (level, msg, fields, line) => {
    expect(textLine({ atMs: at, level, msg, fields }, painter(false))).toBe(line);
  });

  it('shows terminal controls in the message and fields as escapes, keeping its own colour', () => {
    const line = textLine(
      { atMs: at, level: 'error', msg: 'sync \u001b[2J', fields: { error: '\u001b]0;evil\u0007\u202e' } },
      painter(true),
    );
    expect(line).toContain('sync \\x1b[2J');
    expect(line).toContain('\\x1b]0;evil\\x07\\u202e');
    expect(line).toContain('\u001b[31m');
    const sgr = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
    expect(line.replace(sgr, '')).not.toContain('\u001b');
  });

  it('colours the level only when asked', () => {
    expect(textLine({ atMs: at, level: 'error', msg: 'x' }, painter(true))).toContain('\u001b[31m');
  });
});

describe('when colour is on', () => {
  it.each([
    ['a terminal', { isTTY: true }, {}, true],
    ['a pipe', { isTTY: false }, {}, false],
    ['NO_COLOR on a terminal', { isTTY: true }, { NO_COLOR: '1' }, false],
    ['--no-color', { isTTY: true }, { KUBETRIAGE_COLOR: 'never' }, false],
    ['--color into a pipe', { isTTY: false }, { KUBETRIAGE_COLOR: 'always', NO_COLOR: '1' }, true],
    ['FORCE_COLOR into a pipe', { isTTY: false }, { FORCE_COLOR: '1' }, true],
    ['a dumb terminal', { isTTY: true }, { TERM: 'dumb' }, false],
  ])('%s', (_, stream, env, on) => {
    expect(colourEnabled(stream, env)).toBe(on);
  });
});
