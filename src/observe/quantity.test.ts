import { describe, expect, it } from 'vitest';
import { parseQuantity } from './quantity.ts';

describe('parseQuantity', () => {
  it.each([
    // https://gist.github.com/243688abadd186b30219d57ca3050a39 (kubectl get --raw …/metrics.k8s.io/v1beta1/nodes/…)
    ['12436m', 12.436],
    ['4991296Ki', 4991296 * 1024],
    ['2', 2],
    ['1500000n', 0.0015],
    ['2Gi', 2 * 2 ** 30],
    ['16374532Ki', 16374532 * 1024],
    ['1e3', 1000],
    ['500M', 5e8],
    ['', undefined],
    ['lots', undefined],
  ])('%s is %s', (text, value) => {
    const got = parseQuantity(text);
    if (value === undefined) expect(got).toBeUndefined();
    else expect(got).toBeCloseTo(value, 9);
  });
});
