import { describe, expect, it } from 'vitest';
import { authorName, freeText, withoutControls } from './text-input.ts';

describe('names and text that display as they are', () => {
  it.each([
    ['a right-to-left override', 'mallory\u202Eecila'],
    ['a bidi isolate', '\u2066alice\u2069'],
    ['a newline', 'alice\nbob'],
    ['an escape sequence', '\u001b[2Kalice'],
    ['a C1 control', 'alice\u0085'],
    ['DEL', 'alice\u007f'],
  ])('refuses an author with %s', (_, name) => {
    const r = authorName.safeParse(name);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].message).toContain('control or bidirectional');
  });

  it('takes an ordinary name, accents and all, and holds it to 100 characters', () => {
    expect(authorName.parse('  Zoë Müller ')).toBe('Zoë Müller');
    expect(authorName.safeParse('x'.repeat(101)).success).toBe(false);
  });

  it('keeps tabs and newlines in free text and drops the characters that disguise it', () => {
    expect(withoutControls('line 1\r\n\tline 2\u202E\u0000\u001b[1m\u2068')).toBe('line 1\n\tline 2[1m');
    expect(freeText(100).parse('\u202Ereal note ')).toBe('real note');
    expect(freeText(100).safeParse('\u202E\u2066').success).toBe(false);
  });
});
