/**
 * The time notations of scenario files: what each spelling means in milliseconds, and
 * which spellings are refused rather than guessed at.
 */
import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  nextDailyFiring,
  parseDailyCalendar,
  parseDuration,
  parseIsoTime,
  resolveInstant,
} from './time-spec.ts';

const m = 60_000;
const h = 60 * m;
const d = 24 * h;

describe('parseDuration', () => {
  it.each([
    ['15m', 15 * m],
    ['2h', 2 * h],
    ['3d', 3 * d],
    ['1h30m', 90 * m],
    ['38h30m', 38 * h + 30 * m],
    ['3d5h', 3 * d + 5 * h],
    ['90s', 90_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([[''], ['15'], ['2 hours'], ['1.5h'], ['30m1h'], ['-5m'], ['1w'], ['h']])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [90 * m, '1h30m'],
    [3 * d + 5 * h, '3d5h'],
    [0, '0s'],
    [1500, '1s500ms'],
  ])('%d ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('parseIsoTime', () => {
  it.each([
    ['2018-07-19T15:00:00Z', Date.UTC(2018, 6, 19, 15)],
    ['2018-07-19T15:00Z', Date.UTC(2018, 6, 19, 15)],
    ['2019-02-25T11:21:00-08:00', Date.UTC(2019, 1, 25, 19, 21)],
    ['2023-03-14T17:40:00.000Z', Date.UTC(2023, 2, 14, 17, 40)],
  ])('%s', (text, ms) => {
    expect(parseIsoTime(text)).toBe(ms);
  });

  it.each([
    ['2018-07-19T15:00:00', 'no zone: would mean the machine’s zone'],
    ['2018-07-19', 'no time'],
    ['2019-02-30T00:00:00Z', 'no such day'],
    ['2019-02-28T24:00:00Z', 'no such hour'],
    ['yesterday', 'not a time'],
  ])('refuses %s (%s)', (text) => {
    expect(parseIsoTime(text)).toBeUndefined();
  });
});

describe('resolveInstant', () => {
  const start = Date.UTC(2023, 9, 8, 4);
  it.each([
    ['+0s', start],
    ['+2h', start + 2 * h],
    ['+1d2h', start + d + 2 * h],
    ['2023-10-09T06:31:00Z', Date.UTC(2023, 9, 9, 6, 31)],
    ['+2 hours', undefined],
    ['2h', undefined],
  ])('%s', (text, ms) => {
    expect(resolveInstant(text, start)).toBe(ms);
  });
});

describe('daily calendars', () => {
  it.each([
    ['*-*-* 06:00:00', { hour: 6, minute: 0, second: 0 }],
    ['*-*-* 6:00', { hour: 6, minute: 0, second: 0 }],
    ['23:59:30', { hour: 23, minute: 59, second: 30 }],
    ['daily', { hour: 0, minute: 0, second: 0 }],
    ['weekly', undefined],
    ['Mon *-*-* 06:00', undefined],
    ['*-*-* 24:00', undefined],
    ['*-*-* 06:60', undefined],
  ])('%s', (text, daily) => {
    expect(parseDailyCalendar(text)).toEqual(daily);
  });

  it.each([
    ['before the time, same day', Date.UTC(2023, 9, 8, 4), Date.UTC(2023, 9, 8, 6)],
    ['exactly at the time', Date.UTC(2023, 9, 8, 6), Date.UTC(2023, 9, 8, 6)],
    ['after the time, next day', Date.UTC(2023, 9, 8, 6, 1), Date.UTC(2023, 9, 9, 6)],
    ['across a month end', Date.UTC(2023, 9, 31, 7), Date.UTC(2023, 10, 1, 6)],
  ])('next 06:00 firing %s', (_, from, next) => {
    expect(nextDailyFiring({ hour: 6, minute: 0, second: 0 }, from)).toBe(next);
  });
});
