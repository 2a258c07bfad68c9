import { describe, expect, it } from 'vitest';
import { notReady } from './fixtures.ts';
import { render, slotNames } from './template.ts';

const s = notReady('n1');
const slot = (text: string) => ({ text, from: [s] });

describe('templates', () => {
  it.each([
    ['{a} and {b}', { a: slot('x'), b: slot('y') }, 'x and y'],
    ['{a}[ ({b})].', { a: slot('x') }, 'x.'],
    ['{a}[ ({b})].', { a: slot('x'), b: slot('y') }, 'x (y).'],
    ['{a}[ ({b}[, {c}])]', { a: slot('x'), b: slot('y') }, 'x (y)'],
    ['{a}[ ({b}[, {c}])]', { a: slot('x'), b: slot('y'), c: slot('z') }, 'x (y, z)'],
    ['{a}[ ({b}[, {c}])]', { a: slot('x'), c: slot('z') }, 'x'],
  ])('%s', (template, slots, expected) => {
    expect(render(template, slots)?.text).toBe(expected);
  });

  it('says nothing when a slot outside any group is empty: no claim without a signal', () => {
    expect(render('{a} since {b}', { a: slot('x') })).toBeUndefined();
    expect(render('{a} since {b}', { a: slot('x'), b: { text: '', from: [s] } })).toBeUndefined();
  });

  it('reports the signals its words came from, and the slots it names', () => {
    expect(render('{a}', { a: slot('x') })?.from).toEqual([s]);
    expect(slotNames('{a}[ ({b}[, {c.d}])]')).toEqual(['a', 'b', 'c.d']);
  });
});

describe('literal brackets', () => {
  it('keeps brackets that hold no slot, and brackets inside slot text', () => {
    expect(render("kubectl get ds -o jsonpath='{.spec.template.spec.containers[0].image}'", {})?.text).toBe(
      "kubectl get ds -o jsonpath='{.spec.template.spec.containers[0].image}'",
    );
    expect(render('VIP[ at {addr}]', { addr: slot('[fd00::1]:443') })?.text).toBe('VIP at [fd00::1]:443');
  });
});
