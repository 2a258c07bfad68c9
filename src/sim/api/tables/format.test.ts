/**
 * Tests for the shared formatting helpers: label and selector strings as apimachinery prints
 * them, and the `<unknown>` age of objects without a usable timestamp.
 */

import { describe, expect, it } from 'vitest';
import {
  formatLabelSelector,
  formatLabels,
  labelSelectorString,
  layoutContainerCells,
  since,
} from './format.ts';

describe('formatLabels', () => {
  it.each([
    [undefined, '<none>'],
    [{}, '<none>'],
    [{ b: '2', a: '1' }, 'a=1,b=2'],
    [{ 'kubernetes.io/os': 'linux' }, 'kubernetes.io/os=linux'],
  ])('%j → %s', (labels, want) => {
    expect(formatLabels(labels)).toBe(want);
  });
});

describe('label selectors', () => {
  it.each([
    ['missing', undefined, '', '<none>'],
    ['empty', {}, '', '<none>'],
    [
      'matchLabels sorted by key',
      { matchLabels: { tier: 'web', app: 'shop' } },
      'app=shop,tier=web',
      'app=shop,tier=web',
    ],
    [
      'expressions',
      {
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['prod', 'dev'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'zone', operator: 'NotIn', values: ['b'] },
          { key: 'app', operator: 'Exists' },
        ],
      },
      'app,!canary,env in (dev,prod),zone notin (b)',
      'app,!canary,env in (dev,prod),zone notin (b)',
    ],
    [
      'In without values',
      { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] },
      undefined,
      '<error>',
    ],
    [
      'unknown operator',
      { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] },
      undefined,
      '<error>',
    ],
  ])('%s', (_name, selector, raw, formatted) => {
    expect(labelSelectorString(selector)).toBe(raw);
    expect(formatLabelSelector(selector)).toBe(formatted);
  });
});

describe('since', () => {
  const now = Date.parse('2025-01-01T00:10:00Z');
  it.each([
    ['2025-01-01T00:00:00Z', '10m'],
    ['2025-01-01T00:09:59.500000Z', '0s'],
    [undefined, '<unknown>'],
    [null, '<unknown>'],
    ['', '<unknown>'],
    ['0001-01-01T00:00:00Z', '<unknown>'],
    ['not a time', '<unknown>'],
  ])('%j → %s', (ts, want) => {
    expect(since(ts, now)).toBe(want);
  });
});

describe('layoutContainerCells', () => {
  it('joins names and images in order', () => {
    const cells = layoutContainerCells([
      { name: 'app', image: 'nginx:1.27' },
      { name: 'sidecar', image: 'envoy:1.31' },
    ]);
    expect(cells).toEqual(['app,sidecar', 'nginx:1.27,envoy:1.31']);
    expect(layoutContainerCells(undefined)).toEqual(['', '']);
  });
});
