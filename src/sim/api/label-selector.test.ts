import { describe, expect, it } from 'vitest';
import { goQuote, parseLabelSelector } from './label-selector.ts';
import { ApiError } from './status.ts';

const nameRegex =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const valueRegex =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('parseLabelSelector matching', () => {
  const cases: [selector: string, labels: Record<string, string> | undefined, want: boolean][] = [
    ['', { x: 'y' }, true],
    ['', undefined, true],
    ['x=y', { x: 'y' }, true],
    ['x==y', { x: 'y' }, true],
    ['x=y', { x: 'z' }, false],
    ['x=z', {}, false],
    ['x=y', undefined, false],
    ['x=y,z=w', { x: 'y', z: 'w' }, true],
    ['x=y,z=w', { x: 'w', z: 'w' }, false],
    ['x!=y,z!=w', { x: 'z', z: 'a' }, true],
    ['x!=y,z!=w', { x: 'z', z: 'w' }, false],
    // != and notin select objects without the key.
    ['x!=y', {}, true],
    ['x!=y', undefined, true],
    ['x notin (a,b)', {}, true],
    ['x notin (a,b)', { x: 'a' }, false],
    ['x notin (a,b)', { x: 'c' }, true],
    ['x in (a,b)', { x: 'b' }, true],
    ['x in (a,b)', { x: 'c' }, false],
    ['x in (a,b)', {}, false],
    ['x', { x: 'z' }, true],
    ['x', { y: 'z' }, false],
    ['x', { x: '' }, true],
    ['!x', { y: 'z' }, true],
    ['!x', { x: 'z' }, false],
    ['!x', undefined, true],
    ['x>1', { x: '2' }, true],
    ['x>1', { x: '0' }, false],
    ['x>1', { x: 'two' }, false],
    ['x>1', {}, false],
    ['x<1', { x: '0' }, true],
    ['x<1', { x: '2' }, false],
    ['x<1', { x: '-5' }, true],
    ['x>9223372036854775806', { x: '9223372036854775807' }, true],
    ['x>1', { x: '9223372036854775808' }, false],
    // in/notin are identifiers where a key or value is expected.
    ['notin=in', { notin: 'in' }, true],
    ['x in (in,notin)', { x: 'notin' }, true],
    // An empty value is a value.
    ['x=', { x: '' }, true],
    ['x=', { x: 'a' }, false],
    ['x=,z=w', { x: '', z: 'w' }, true],
    ['x in ()', { x: '' }, true],
    ['x in (,a)', { x: '' }, true],
    ['x in (a,,b)', { x: '' }, true],
    ['x in (a,)', { x: '' }, true],
    ['x in (a,b)', { x: '' }, false],
    // Whitespace anywhere between tokens.
    ['  app = web ,  tier in ( a , b )  ', { app: 'web', tier: 'b' }, true],
    ['\tapp\n==\rweb', { app: 'web' }, true],
    ['example.com/app=web', { 'example.com/app': 'web' }, true],
    // Prototype keys are not labels.
    ['constructor', {}, false],
    ['!toString', {}, true],
  ];
  it.each(cases)('%j on %j → %s', (selector, labels, want) => {
    expect(parseLabelSelector(selector).matches(labels)).toBe(want);
  });
});

describe('parseLabelSelector empty and requirements', () => {
  it.each([
    ['', true],
    ['   ', true],
    ['x', false],
    ['!x', false],
  ])('%j empty=%s', (selector, empty) => {
    expect(parseLabelSelector(selector).empty).toBe(empty);
  });

  it('sorts requirements by key and values, dropping duplicate values', () => {
    expect(parseLabelSelector('z=1,a in (c,b,c),m').requirements).toEqual([
      { key: 'a', operator: 'in', values: ['b', 'c'] },
      { key: 'm', operator: 'exists', values: [] },
      { key: 'z', operator: '=', values: ['1'] },
    ]);
  });

  it.each([
    ['x=a', '='],
    ['x==a', '=='],
    ['x!=a', '!='],
    ['x>1', 'gt'],
    ['x<1', 'lt'],
    ['x in (a)', 'in'],
    ['x notin (a)', 'notin'],
    ['x', 'exists'],
    ['!x', '!'],
  ])('%j has operator %s', (selector, op) => {
    expect(parseLabelSelector(selector).requirements[0].operator).toBe(op);
  });
});

describe('parseLabelSelector errors', () => {
  const cases: [selector: string, message: string][] = [
    ['x=a||y=b', 'unable to parse requirement: values[0][x]: Invalid value: "a||y": ' + valueRegex],
    ['x==a==b', "found '==', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    [
      'x<a',
      "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer",
    ],
    [
      'x>',
      "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer",
    ],
    [
      'x>99999999999999999999',
      "unable to parse requirement: values[0]: Invalid value: \"99999999999999999999\": for 'Gt', 'Lt' operators, the value must be an integer",
    ],
    ['x a', "unable to parse requirement: found 'a', expected: in, notin, =, ==, !=, gt, lt"],
    ['x(', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['x in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['x in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['x in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['x in (a,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['x=(', "unable to parse requirement: found '(', expected: identifier"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['! =a', "unable to parse requirement: found '=', expected: identifier"],
    ['!=a', "found '!=', expected: !, identifier, or 'end of string'"],
    ['x,', "found '', expected: identifier after ','"],
    ['x,,y', "found ',', expected: identifier after ','"],
    [',x', "found ',', expected: !, identifier, or 'end of string'"],
    ['=x', "found '=', expected: !, identifier, or 'end of string'"],
    ['x=a b', "found 'b', expected: ',' or 'end of string'"],
    ['-x', `unable to parse requirement: <nil>: Invalid value: "-x": ${nameRegex}`],
    [
      'a/b/c=d',
      "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ],
    ['/x', 'unable to parse requirement: <nil>: Invalid value: "/x": prefix part must be non-empty'],
    [
      'Example.com/x',
      "unable to parse requirement: <nil>: Invalid value: \"Example.com/x\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ],
    [
      'example.com/',
      `unable to parse requirement: <nil>: Invalid value: "example.com/": name part must be non-empty; ${nameRegex}`,
    ],
    [
      `${'k'.repeat(64)}`,
      `unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 characters`,
    ],
    [
      `x=${'v'.repeat(64)}`,
      `unable to parse requirement: values[0][x]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`,
    ],
    ['x in (b,-a)', `unable to parse requirement: values[0][x]: Invalid value: "-a": ${valueRegex}`],
    [
      'x in (-a,b-)',
      `unable to parse requirement: [values[0][x]: Invalid value: "-a": ${valueRegex}, values[1][x]: Invalid value: "b-": ${valueRegex}]`,
    ],
    ['x>-1', `unable to parse requirement: values[0][x]: Invalid value: "-1": ${valueRegex}`],
    [
      'x<a_',
      "unable to parse requirement: [values[0]: Invalid value: \"a_\": for 'Gt', 'Lt' operators, the value must be an integer, " +
        `values[0][x]: Invalid value: "a_": ${valueRegex}]`,
    ],
  ];
  it.each(cases)('%j', (selector, message) => {
    let caught: unknown;
    try {
      parseLabelSelector(selector);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ApiError);
    const err = caught as ApiError;
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toBe(message);
  });
});

describe('goQuote', () => {
  it.each([
    ['abc', '"abc"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['a\x01b', '"a\\x01b"'],
    ['\u0085', '"\\u0085"'],
    ['é', '"é"'],
  ])('%j → %s', (s, want) => {
    expect(goQuote(s)).toBe(want);
  });
});
