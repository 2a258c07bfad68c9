import { describe, expect, it } from 'vitest';
import { NotifyTargetError, parseNotifyTarget, redactSpec, targetHost } from './targets.ts';

describe('notify targets', () => {
  it.each([
    [
      'slack=https://hooks.slack.com/services/T0/B0/xyz',
      { kind: 'slack', url: 'https://hooks.slack.com/services/T0/B0/xyz' },
    ],
    [
      'webhook=https://ops.example/hook?token=s3cret',
      { kind: 'webhook', url: 'https://ops.example/hook?token=s3cret' },
    ],
    ['alertmanager=http://am:9093', { kind: 'alertmanager', url: 'http://am:9093' }],
    ['Slack = https://hooks.slack.com/x ', { kind: 'slack', url: 'https://hooks.slack.com/x' }],
  ])('parses %s', (spec, target) => expect(parseNotifyTarget(spec)).toEqual(target));

  it.each([
    ['https://hooks.slack.com/services/T0/B0/xyz', 'is not kind=url', 'https://hooks.slack.com/…'],
    [
      'slak=https://hooks.slack.com/services/T0/B0/xyz',
      'unknown kind "slak"',
      'slak=https://hooks.slack.com/…',
    ],
    ['webhook=ftp://files.example/x', 'needs an http:// or https:// URL', 'webhook=ftp://files.example/…'],
    ['alertmanager=', 'needs an http', 'alertmanager=…'],
    ['slack', 'is not kind=url', '"slack"'],
  ])('rejects %s, naming it without its secret part', (spec, why, shown) => {
    let err: unknown;
    try {
      parseNotifyTarget(spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotifyTargetError);
    const e = err as NotifyTargetError;
    expect(e.message).toContain(why);
    expect(e.message).toContain(shown);
    expect(e.message).not.toContain('xyz');
    expect(e.hint).toContain('slack=https://hooks.slack.com/services/');
  });

  it('shows only the host of a URL', () => {
    expect(targetHost({ kind: 'slack', url: 'https://hooks.slack.com/services/T0/B0/xyz' })).toBe(
      'hooks.slack.com',
    );
    expect(redactSpec('webhook=https://user:pw@ops.example:8443/')).toBe(
      'webhook=https://ops.example:8443/…',
    );
  });
});
