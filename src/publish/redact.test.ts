import { describe, expect, it } from 'vitest';
import { redact } from './redact.ts';

describe('redact', () => {
  it.each([
    ['Authorization: Bearer abcdef0123456789xyz', 'Authorization: Bearer [REDACTED]'],
    [
      'token eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJl here',
      'token [REDACTED] here',
    ],
    ['GET https://admin:hunter2@registry.example.com/v2/', 'GET https://[REDACTED]@registry.example.com/v2/'],
    ['password=hunter2 user=bob', 'password=[REDACTED] user=bob'],
    ['DB_PASSWORD: "s3cr3t value"', 'DB_PASSWORD: [REDACTED]'],
    ['api_key=abc123&x=1', 'api_key=[REDACTED]&x=1'],
    ['key AKIAIOSFODNN7EXAMPLE in env', 'key [REDACTED] in env'],
    [
      'posted to https://hooks.slack.com/services/T000/B000/XXXX',
      'posted to https://hooks.slack.com/[REDACTED]',
    ],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', '[REDACTED]'],
  ])('%s', (input, want) => {
    expect(redact(input)).toBe(want);
  });

  it('leaves ordinary cluster text alone', () => {
    const text =
      'node/aks-agentpool-1 NotReady since 2018-07-19T15:02:10Z: Kubelet stopped posting node status; iptables-restore failed (exit status 1)';
    expect(redact(text)).toBe(text);
  });
});
