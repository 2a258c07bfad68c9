import { describe, expect, it } from 'vitest';
import { parseTokenFile } from './api-tokens.ts';

const t = (c: string) => c.repeat(20);

describe('--token-file', () => {
  it.each([
    ['a bare token, as before', `${t('a')}\n`, [{ token: t('a') }]],
    ['a bare token with CRLF and a comment', `# for the dashboard\r\n${t('a')}\r\n`, [{ token: t('a') }]],
    ['one named token', `ci:${t('a')}`, [{ name: 'ci', token: t('a') }]],
    [
      'named tokens, blank lines and comments',
      `# who holds what\nci:${t('a')}\n\nalice@laptop: ${t('b')}\n`,
      [
        { name: 'ci', token: t('a') },
        { name: 'alice@laptop', token: t('b') },
      ],
    ],
  ])('reads %s', (_, text, tokens) => expect(parseTokenFile(text, 'tokens')).toEqual(tokens));

  it.each([
    ['an empty file', '\n# nothing\n', 'tokens holds no token'],
    ['a short bare token', 'short\n', 'the token at tokens:1 is shorter than 16 characters'],
    ['a short named token', `ci:${t('a')}\nbob:short`, 'the token "bob" at tokens:2 is shorter'],
    ['two bare tokens', `${t('a')}\n${t('b')}`, 'tokens:1 is not name:token'],
    ['a name used twice', `ci:${t('a')}\nci:${t('b')}`, 'tokens:2 names "ci" a second time'],
    ['one token under two names', `ci:${t('a')}\n# x\nbob:${t('a')}`, 'tokens:3 repeats a token'],
  ])('refuses %s, naming the line', (_, text, problem) => {
    const r = parseTokenFile(text, 'tokens');
    expect(r).toMatchObject({ problem: expect.stringContaining(problem) });
  });
});
