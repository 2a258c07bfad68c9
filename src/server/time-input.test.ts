import { describe, expect, it } from 'vitest';
import { isRfc3339Date, rfc3339Ms, timeProblem } from './time-input.ts';

const now = Date.parse('2024-03-06T14:00:00Z');

describe('at: an RFC 3339 time within reason', () => {
  it.each([
    ['2024-03-06T14:00:00Z', Date.parse('2024-03-06T14:00:00Z')],
    ['2024-03-06t14:00:00.123z', Date.parse('2024-03-06T14:00:00.123Z')],
    ['2024-03-06T15:30:00+01:30', Date.parse('2024-03-06T14:00:00Z')],
    ['2024-02-29T00:00:00Z', Date.parse('2024-02-29T00:00:00Z')],
  ])('reads %s', (s, ms) => expect(rfc3339Ms(s)).toBe(ms));

  it.each([
    ['a date alone', '2024-03-06'],
    ['words', 'March 6, 2024 14:00'],
    ['no zone', '2024-03-06T14:00:00'],
    ['a day February lacks', '2023-02-29T00:00:00Z'],
    ['hour 24', '2024-03-06T24:00:00Z'],
    ['a leap second', '2016-12-31T23:59:60Z'],
    ['a six-digit year', '+275760-09-13T00:00:00Z'],
  ])('refuses %s', (_, s) => {
    expect(rfc3339Ms(s)).toBeUndefined();
    expect(timeProblem(s, now)).toContain('RFC 3339');
  });

  it('takes the past since 2000 and up to a day ahead of the clock, nothing outside', () => {
    expect(timeProblem('2000-01-01T00:00:00Z', now)).toBeUndefined();
    expect(timeProblem('2024-03-07T14:00:00Z', now)).toBeUndefined();
    expect(timeProblem('1999-12-31T23:59:59Z', now)).toContain('before 2000');
    expect(timeProblem('2024-03-07T14:00:01Z', now)).toContain('more than a day ahead');
  });
});

describe('a due date: an RFC 3339 full-date', () => {
  it.each(['2024-03-31', '2024-02-29', '2000-01-01'])('takes %s', (s) => expect(isRfc3339Date(s)).toBe(true));
  it.each(['2023-02-29', '2024-04-31', '2024-3-31', '2024-03-31T00:00:00Z', '31/03/2024', '', '2024-13-01'])(
    'refuses "%s"',
    (s) => expect(isRfc3339Date(s)).toBe(false),
  );
});
