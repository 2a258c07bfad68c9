import { describe, expect, it } from 'vitest';
import { listField, parseAgentMessage, parseGoDuration } from './agent-message.ts';

describe('agent message fields', () => {
  it.each([
    [
      'a VIP timeout with a quoted error',
      'TCP connect to the kubernetes service VIP timed out; target=10.96.0.1:443 service=default/kubernetes stage=connect timeout=3s error="dial tcp 10.96.0.1:443: i/o timeout" since=2024-11-22T12:04:10Z',
      {
        target: '10.96.0.1:443',
        service: 'default/kubernetes',
        stage: 'connect',
        timeout: '3s',
        error: 'dial tcp 10.96.0.1:443: i/o timeout',
        since: '2024-11-22T12:04:10Z',
      },
    ],
    [
      'an iptables error with JSON escapes',
      'kube-proxy iptables-restore is failing; failures=2 error="exit status 1 (iptables-restore: line 8022 failed\\n)"',
      { failures: '2', error: 'exit status 1 (iptables-restore: line 8022 failed\n)' },
    ],
    ['an empty quoted value', 'x; a="" b=1', { a: '', b: '1' }],
    ['no fields at all', 'conntrack table has room', {}],
    [
      'a value holding a semicolon and equals',
      'x; exec="/bin/sh -c a=b; c" n=2',
      { exec: '/bin/sh -c a=b; c', n: '2' },
    ],
    [
      'a message cut inside a quoted value',
      'x; a=1 error="dial tcp 10.96',
      { a: '1', error: 'dial tcp 10.96' },
    ],
    ['unknown fields are kept, a bare key is empty', 'x; future=yes flag', { future: 'yes', flag: '' }],
  ])('reads %s', (_name, message, fields) => {
    expect(parseAgentMessage(message).fields).toEqual(fields);
  });

  it('keeps the summary apart, never parsed', () => {
    expect(parseAgentMessage('cluster DNS answered SERVFAIL; rcode=SERVFAIL').summary).toBe(
      'cluster DNS answered SERVFAIL',
    );
  });

  it('splits per-timer groups joined by " | ", the first group winning in fields', () => {
    const m = parseAgentMessage(
      '2 enabled systemd timer(s) run unattended package upgrades; timer=apt-daily-upgrade.timer onCalendar="*-*-* 06:00:00" randomizedDelay=1h0m0s | timer=dnf-automatic.timer onCalendar=daily randomizedDelay=0s',
    );
    expect(m.groups).toEqual([
      { timer: 'apt-daily-upgrade.timer', onCalendar: '*-*-* 06:00:00', randomizedDelay: '1h0m0s' },
      { timer: 'dnf-automatic.timer', onCalendar: 'daily', randomizedDelay: '0s' },
    ]);
    expect(m.fields.timer).toBe('apt-daily-upgrade.timer');
  });
});

describe('list fields', () => {
  it.each([
    ['linux-image-amd64@6.1.55-1,systemd@252.17-1', ['linux-image-amd64@6.1.55-1', 'systemd@252.17-1'], 0],
    ['a,b,c,d,e,f,g,h,+4', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 4],
    ['', [], 0],
  ])('%s', (value, items, more) => {
    expect(listField(value)).toEqual({ items, more });
  });
});

describe('Go durations', () => {
  it.each([
    ['1h0m0s', 3_600_000],
    ['23m4s', 1_384_000],
    ['3s', 3000],
    ['1.5s', 1500],
    ['300ms', 300],
    ['0s', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('%s', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });
});
