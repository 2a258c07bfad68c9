import { describe, expect, it } from 'vitest';
import { parseLogBatch } from './log-records.ts';

const at = Date.UTC(2026, 5, 10, 7, 40);

describe('parseLogBatch', () => {
  it('joins a multi-line klog record and keeps its fields', () => {
    const lines = [
      'E0610 07:32:16.910840       1 proxier.go:1564] "Failed to execute iptables-restore" err=<',
      '\texit status 1: iptables-restore: line 8022 failed',
      ' > ipFamily="IPv4"',
      'I0610 07:32:16.910860       1 proxier.go:833] "Sync failed" ipFamily="IPv4" retryingTime="30s"',
    ];
    const out = parseLogBatch(lines, at);
    expect(out.map((r) => r.format)).toEqual(['klog', 'klog']);
    const [fail, sync] = out;
    if (fail.format !== 'klog' || sync.format !== 'klog') throw new Error('expected klog');
    expect(fail.record).toMatchObject({
      severity: 'error',
      message: 'Failed to execute iptables-restore',
      fields: { ipFamily: 'IPv4' },
    });
    expect(fail.record.fields.err).toContain('line 8022 failed');
    expect(sync.record.fields.retryingTime).toBe('30s');
    expect(sync.record.atMs).toBe(Date.UTC(2026, 5, 10, 7, 32, 16, 910));
  });

  it('reads CoreDNS lines and keeps garbage as raw, without stopping', () => {
    const out = parseLogBatch(
      [
        '[INFO] plugin/ready: Still waiting on: "kubernetes"',
        '\u0000\u0001 binary garbage',
        '[ERROR] plugin/kubernetes: Failed to watch *v1.Namespace: failed to list *v1.Namespace: Get "https://10.96.0.1:443/api/v1/namespaces?limit=500&resourceVersion=0": dial tcp 10.96.0.1:443: i/o timeout',
      ],
      at,
    );
    expect(out.map((r) => r.format)).toEqual(['coredns', 'raw', 'coredns']);
  });

  it('keeps stray non-klog lines inside a klog batch as raw', () => {
    const out = parseLogBatch(
      ['I0610 07:32:16.910860       1 proxier.go:833] "Sync failed"', 'panic: something odd'],
      at,
    );
    expect(out.map((r) => r.format)).toEqual(['klog', 'raw']);
  });
});
