import { describe, expect, it } from 'vitest';
import { UrlProbeTargets } from './url-probe-targets.ts';

describe('UrlProbeTargets', () => {
  it('keeps every result of a URL the user gave', () => {
    const t = new UrlProbeTargets(['https://shop.example.com/']);
    expect(t.urls()).toEqual(['https://shop.example.com/']);
    expect(t.keep('https://shop.example.com/', undefined)).toBe(true);
  });

  it('keeps a found address only once it has answered from here', () => {
    let found = ['http://internal-lb/', 'http://public-lb/'];
    const t = new UrlProbeTargets(['http://public-lb/'], () => found);
    expect(t.urls()).toEqual(['http://public-lb/', 'http://internal-lb/']);
    expect(t.keep('http://internal-lb/', undefined)).toBe(false);
    expect(t.keep('http://internal-lb/', 503)).toBe(true);
    // Once answered, its failures are news, even with no answer at all.
    expect(t.keep('http://internal-lb/', undefined)).toBe(true);
    found = [];
    expect(t.urls()).toEqual(['http://public-lb/']);
  });
});
