import { describe, expect, it } from 'vitest';
import {
  histogram,
  labelsMatch,
  type PromSample,
  parseFloatToken,
  parsePromText,
  sampleValue,
  sumValues,
} from './prom-text.ts';

// kube-proxy v1.32 :10249/metrics, trimmed (reference §5.3).
const KUBE_PROXY = `# HELP kubeproxy_sync_proxy_rules_duration_seconds [ALPHA] SyncProxyRules latency in seconds
# TYPE kubeproxy_sync_proxy_rules_duration_seconds histogram
kubeproxy_sync_proxy_rules_duration_seconds_bucket{le="0.001"} 0
kubeproxy_sync_proxy_rules_duration_seconds_bucket{le="0.002"} 0
kubeproxy_sync_proxy_rules_duration_seconds_bucket{le="0.004"} 3
kubeproxy_sync_proxy_rules_duration_seconds_bucket{le="0.008"} 25
kubeproxy_sync_proxy_rules_duration_seconds_bucket{le="0.016"} 40
kubeproxy_sync_proxy_rules_duration_seconds_bucket{le="+Inf"} 42
kubeproxy_sync_proxy_rules_duration_seconds_sum 0.3125
kubeproxy_sync_proxy_rules_duration_seconds_count 42
# HELP kubeproxy_sync_proxy_rules_iptables_restore_failures_total [ALPHA] Cumulative proxy iptables restore failures
# TYPE kubeproxy_sync_proxy_rules_iptables_restore_failures_total counter
kubeproxy_sync_proxy_rules_iptables_restore_failures_total 7
# HELP kubeproxy_sync_proxy_rules_iptables_total [ALPHA] Total number of iptables rules owned by kube-proxy
# TYPE kubeproxy_sync_proxy_rules_iptables_total gauge
kubeproxy_sync_proxy_rules_iptables_total{table="filter"} 4
kubeproxy_sync_proxy_rules_iptables_total{table="nat"} 123

# HELP kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds [ALPHA] The last time a sync of proxy rules was queued
# TYPE kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds gauge
kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds 1.7180047369108603e+09
# HELP kubeproxy_sync_proxy_rules_last_timestamp_seconds [ALPHA] The last time proxy rules were successfully synced
# TYPE kubeproxy_sync_proxy_rules_last_timestamp_seconds gauge
kubeproxy_sync_proxy_rules_last_timestamp_seconds 1.718004516e+09
# HELP kubeproxy_proxy_healthz_total [ALPHA] Cumulative proxy healthz HTTP status
# TYPE kubeproxy_proxy_healthz_total counter
kubeproxy_proxy_healthz_total{code="200"} 10
kubeproxy_proxy_healthz_total{code="503"} 2
`;

// CoreDNS v1.11.3 :9153/metrics, trimmed (reference §5.4).
const COREDNS = `# HELP coredns_dns_requests_total Counter of DNS requests made per zone, protocol and family.
# TYPE coredns_dns_requests_total counter
coredns_dns_requests_total{family="1",proto="udp",server="dns://:53",type="A",view="",zone="."} 1200
coredns_dns_requests_total{family="1",proto="udp",server="dns://:53",type="AAAA",view="",zone="."} 300
# HELP coredns_dns_responses_total Counter of response status codes.
# TYPE coredns_dns_responses_total counter
coredns_dns_responses_total{plugin="kubernetes",rcode="NOERROR",server="dns://:53",view="",zone="."} 1400
coredns_dns_responses_total{plugin="",rcode="SERVFAIL",server="dns://:53",view="",zone="."} 60
coredns_dns_responses_total{plugin="kubernetes",rcode="NXDOMAIN",server="dns://:53",view="",zone="."} 40
# HELP coredns_dns_request_duration_seconds Histogram of the time (in seconds) each request took per zone.
# TYPE coredns_dns_request_duration_seconds histogram
coredns_dns_request_duration_seconds_bucket{server="dns://:53",type="A",view="",zone=".",le="0.00025"} 1000
coredns_dns_request_duration_seconds_bucket{server="dns://:53",type="A",view="",zone=".",le="+Inf"} 1200
coredns_dns_request_duration_seconds_sum{server="dns://:53",type="A",view="",zone="."} 2.5
coredns_dns_request_duration_seconds_count{server="dns://:53",type="A",view="",zone="."} 1200
coredns_dns_request_duration_seconds_bucket{server="dns://:53",type="AAAA",view="",zone=".",le="0.00025"} 250
coredns_dns_request_duration_seconds_bucket{server="dns://:53",type="AAAA",view="",zone=".",le="+Inf"} 300
coredns_dns_request_duration_seconds_sum{server="dns://:53",type="AAAA",view="",zone="."} 0.5
coredns_dns_request_duration_seconds_count{server="dns://:53",type="AAAA",view="",zone="."} 300
# HELP coredns_panics_total A metrics that counts the number of panics.
# TYPE coredns_panics_total counter
coredns_panics_total 0
# HELP coredns_forward_healthcheck_broken_total Counter of the number of complete failures of the healthchecks.
# TYPE coredns_forward_healthcheck_broken_total counter
coredns_forward_healthcheck_broken_total 0
# HELP coredns_kubernetes_rest_client_requests_total Number of HTTP requests, partitioned by status code, method, and host.
# TYPE coredns_kubernetes_rest_client_requests_total counter
coredns_kubernetes_rest_client_requests_total{code="<error>",host="10.96.0.1:443",method="GET"} 17
coredns_kubernetes_rest_client_requests_total{code="200",host="10.96.0.1:443",method="GET"} 5
`;

describe('parsePromText on kube-proxy metrics', () => {
  const got = parsePromText(KUBE_PROXY);

  it('reads every sample and no garbage', () => {
    expect(got.skipped).toBe(0);
    expect(got.samples).toHaveLength(15);
    expect(got.types['kubeproxy_sync_proxy_rules_duration_seconds']).toBe('histogram');
    expect(got.types['kubeproxy_sync_proxy_rules_iptables_restore_failures_total']).toBe('counter');
    expect(got.help['kubeproxy_sync_proxy_rules_last_timestamp_seconds']).toBe(
      '[ALPHA] The last time proxy rules were successfully synced',
    );
  });

  const values: [name: string, labels: Record<string, string> | undefined, want: number | undefined][] = [
    ['kubeproxy_sync_proxy_rules_last_timestamp_seconds', undefined, 1718004516],
    ['kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds', undefined, 1718004736.9108603],
    ['kubeproxy_sync_proxy_rules_iptables_restore_failures_total', undefined, 7],
    ['kubeproxy_sync_proxy_rules_iptables_total', { table: 'nat' }, 123],
    ['kubeproxy_sync_proxy_rules_iptables_total', { table: 'mangle' }, undefined],
    ['kubeproxy_proxy_healthz_total', { code: '503' }, 2],
    ['kubeproxy_sync_proxy_rules_duration_seconds_bucket', { le: '+Inf' }, 42],
    ['kubeproxy_sync_proxy_rules_duration_seconds_count', undefined, 42],
    ['kubeproxy_missing', undefined, undefined],
  ];
  it.each(values)('sampleValue %s %j', (name, labels, want) => {
    expect(sampleValue(got.samples, name, labels)).toBe(want);
  });

  it('assembles the sync duration histogram', () => {
    expect(histogram(got.samples, 'kubeproxy_sync_proxy_rules_duration_seconds')).toEqual({
      labels: {},
      buckets: [
        { le: 0.001, count: 0 },
        { le: 0.002, count: 0 },
        { le: 0.004, count: 3 },
        { le: 0.008, count: 25 },
        { le: 0.016, count: 40 },
        { le: Number.POSITIVE_INFINITY, count: 42 },
      ],
      sum: 0.3125,
      count: 42,
    });
    expect(histogram(got.samples, 'kubeproxy_sync_proxy_rules_iptables_total')).toBeUndefined();
  });
});

describe('parsePromText on CoreDNS metrics', () => {
  const got = parsePromText(COREDNS);

  it('reads labels, including empty values and `<error>`', () => {
    expect(got.skipped).toBe(0);
    expect(got.samples[0]).toEqual({
      name: 'coredns_dns_requests_total',
      labels: { family: '1', proto: 'udp', server: 'dns://:53', type: 'A', view: '', zone: '.' },
      value: 1200,
    });
    expect(
      sampleValue(got.samples, 'coredns_kubernetes_rest_client_requests_total', { code: '<error>' }),
    ).toBe(17);
  });

  const sums: [name: string, labels: Record<string, string> | undefined, want: number | undefined][] = [
    ['coredns_dns_requests_total', undefined, 1500],
    ['coredns_dns_responses_total', { rcode: 'SERVFAIL' }, 60],
    ['coredns_dns_responses_total', { plugin: 'kubernetes' }, 1440],
    ['coredns_dns_responses_total', { rcode: 'REFUSED' }, undefined],
    ['coredns_panics_total', undefined, 0],
    ['coredns_panics_total', { plugin: '' }, 0],
    ['coredns_panics_total', { plugin: 'x' }, undefined],
  ];
  it.each(sums)('sumValues %s %j', (name, labels, want) => {
    expect(sumValues(got.samples, name, labels)).toBe(want);
  });

  it('keeps histogram series apart', () => {
    const aaaa = histogram(got.samples, 'coredns_dns_request_duration_seconds', { type: 'AAAA' });
    expect(aaaa).toEqual({
      labels: { server: 'dns://:53', type: 'AAAA', view: '', zone: '.' },
      buckets: [
        { le: 0.00025, count: 250 },
        { le: Number.POSITIVE_INFINITY, count: 300 },
      ],
      sum: 0.5,
      count: 300,
    });
    expect(histogram(got.samples, 'coredns_dns_request_duration_seconds')?.count).toBe(1200);
  });
});

describe('parsePromText line by line', () => {
  const cases: [name: string, line: string, want: PromSample | undefined][] = [
    ['bare', 'up 1', { name: 'up', labels: {}, value: 1 }],
    ['timestamp', 'up 1 1718004736910', { name: 'up', labels: {}, value: 1, timestampMs: 1718004736910 }],
    ['negative timestamp', 'up 1 -5', { name: 'up', labels: {}, value: 1, timestampMs: -5 }],
    ['tabs and leading blanks', '\t up\t2.5\t', { name: 'up', labels: {}, value: 2.5 }],
    ['colon name', 'job:up:sum 3', { name: 'job:up:sum', labels: {}, value: 3 }],
    ['exponent', 'x 1.5e-3', { name: 'x', labels: {}, value: 0.0015 }],
    ['+Inf', 'x +Inf', { name: 'x', labels: {}, value: Number.POSITIVE_INFINITY }],
    ['-Inf', 'x -Inf', { name: 'x', labels: {}, value: Number.NEGATIVE_INFINITY }],
    ['NaN', 'x NaN', { name: 'x', labels: {}, value: Number.NaN }],
    ['empty labels', 'x{} 1', { name: 'x', labels: {}, value: 1 }],
    ['trailing comma', 'x{a="b",} 1', { name: 'x', labels: { a: 'b' }, value: 1 }],
    ['spaces in label set', 'x{ a = "b" , c="d" } 1', { name: 'x', labels: { a: 'b', c: 'd' }, value: 1 }],
    [
      'escapes',
      'x{p="C:\\\\dir",q="say \\"hi\\"",r="l1\\nl2",s="\\t"} 1',
      {
        name: 'x',
        labels: { p: 'C:\\dir', q: 'say "hi"', r: 'l1\nl2', s: '\\t' },
        value: 1,
      },
    ],
    ['braces and commas inside a value', 'x{a="}{,="} 1', { name: 'x', labels: { a: '}{,=' }, value: 1 }],
    ['le label', 'h_bucket{le="0.005"} 9', { name: 'h_bucket', labels: { le: '0.005' }, value: 9 }],
    ['no space after labels', 'x{a="b"}1', { name: 'x', labels: { a: 'b' }, value: 1 }],
    [
      'exemplar ignored',
      'x_bucket{le="1"} 3 # {trace_id="abc"} 0.5',
      { name: 'x_bucket', labels: { le: '1' }, value: 3 },
    ],
    ['missing value', 'x', undefined],
    ['bad value', 'x abc', undefined],
    ['hex value', 'x 0x10', undefined],
    ['bad timestamp', 'x 1 1.5', undefined],
    ['extra token', 'x 1 2 3', undefined],
    ['unterminated labels', 'x{a="b" 1', undefined],
    ['unterminated label value', 'x{a="b} 1', undefined],
    ['unquoted label value', 'x{a=b} 1', undefined],
    ['bad label name', 'x{1a="b"} 1', undefined],
    ['bad metric name', '1x 1', undefined],
    ['name glued to value', 'x-1 1', undefined],
    ['html', '<html><body>404</body></html>', undefined],
  ];
  it.each(cases)('%s', (_name, line, want) => {
    const got = parsePromText(line);
    expect(got.samples).toEqual(want ? [want] : []);
    expect(got.skipped).toBe(want ? 0 : 1);
  });

  const comments: [
    line: string,
    types: Record<string, string>,
    help: Record<string, string>,
    skipped: number,
  ][] = [
    ['# TYPE x counter', { x: 'counter' }, {}, 0],
    ['#TYPE x summary', { x: 'summary' }, {}, 0],
    ['# TYPE x bogus', {}, {}, 1],
    ['# TYPE', {}, {}, 1],
    ['# HELP x a \\\\ b \\n c', {}, { x: 'a \\ b \n c' }, 0],
    ['# HELP x', {}, { x: '' }, 0],
    ['# just a comment', {}, {}, 0],
    ['# EOF', {}, {}, 0],
  ];
  it.each(comments)('%j', (line, types, help, skipped) => {
    const got = parsePromText(line);
    expect(got).toEqual({ samples: [], types, help, skipped });
  });

  it('counts garbage lines and keeps going; blank lines and CRLF are fine', () => {
    const got = parsePromText('a 1\r\n\r\ngarbage here\n\n  \nb{x="y"} 2\r\n{} 3\n');
    expect(got.samples.map((s) => [s.name, s.value])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(got.skipped).toBe(2);
  });

  it('parses an empty body', () => {
    expect(parsePromText('')).toEqual({ samples: [], types: {}, help: {}, skipped: 0 });
  });
});

describe('performance on long lines', () => {
  const cases: [name: string, line: string][] = [
    ['garbage', '!'.repeat(100_000)],
    ['long name, no value', 'x'.repeat(100_000)],
    ['digits then junk', 'x ' + '1'.repeat(100_000) + 'e'],
    ['unterminated label value', 'x{a="' + '\\'.repeat(100_000)],
    ['many labels never closed', 'x{' + 'a="b",'.repeat(20_000)],
  ];
  it.each(cases)('%s returns quickly', (_name, line) => {
    const t0 = performance.now();
    const got = parsePromText(line + '\n' + line);
    expect(got.skipped).toBe(2);
    expect(performance.now() - t0).toBeLessThan(200);
  });
});

describe('helpers', () => {
  const floats: [token: string, want: number | undefined][] = [
    ['1', 1],
    ['-1.5', -1.5],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['+Inf', Number.POSITIVE_INFINITY],
    ['inf', Number.POSITIVE_INFINITY],
    ['-infinity', Number.NEGATIVE_INFINITY],
    ['nan', Number.NaN],
    ['', undefined],
    ['.', undefined],
    ['1e', undefined],
    ['Infinityx', undefined],
    [' 1', undefined],
  ];
  it.each(floats)('parseFloatToken(%j)', (token, want) => {
    expect(parseFloatToken(token)).toEqual(want);
  });

  const matches: [labels: Record<string, string>, want: Record<string, string> | undefined, ok: boolean][] = [
    [{ a: '1' }, undefined, true],
    [{ a: '1' }, {}, true],
    [{ a: '1', b: '2' }, { a: '1' }, true],
    [{ a: '1' }, { a: '2' }, false],
    [{ a: '1' }, { b: '' }, true],
    [{ a: '1' }, { b: '2' }, false],
  ];
  it.each(matches)('labelsMatch(%j, %j)', (labels, want, ok) => {
    expect(labelsMatch(labels, want)).toBe(ok);
  });
});
