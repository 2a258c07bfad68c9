import { describe, expect, it } from 'vitest';
import { type KlogRecord, parseKlogLine, parseKlogLines, readGoQuoted } from './klog.ts';

// The iptables-restore failure exactly as kube-proxy logs it (reference §5.3).
const IPTABLES_FAILURE = [
  'E0610 07:32:16.910840       1 proxier.go:1564] "Failed to execute iptables-restore" err=<',
  "\texit status 2: iptables-restore v1.8.8 (legacy): Couldn't load target `KUBE-SVC-…':No such file or directory",
  '\tError occurred at line: 177',
  "\tTry `iptables-restore -h' or 'iptables-restore --help' for more information.",
  ' > ipFamily="IPv4"',
  'I0610 07:32:16.910860       1 proxier.go:833] "Sync failed" ipFamily="IPv4" retryingTime="30s"',
];

const SERVICES_URL =
  'https://10.0.0.1:6443/api/v1/services?labelSelector=%21service.kubernetes.io%2Fheadless%2C%21service.kubernetes.io%2Fservice-proxy-name&limit=500&resourceVersion=0';

// client-go v0.32 reflector failures (reference §5.1).
const REFLECTOR_WARN = `W0610 07:32:10.123456       1 reflector.go:569] k8s.io/client-go/informers/factory.go:160: failed to list *v1.Service: Get "${SERVICES_URL}": dial tcp 10.0.0.1:6443: connect: connection refused`;
const REFLECTOR_ERR = `E0610 07:32:10.123500       1 reflector.go:166] "Unhandled Error" err="k8s.io/client-go/informers/factory.go:160: Failed to watch *v1.Service: failed to list *v1.Service: Get \\"${SERVICES_URL}\\": dial tcp 10.0.0.1:6443: connect: connection refused" logger="UnhandledError"`;

describe('parseKlogLine header', () => {
  const cases: [line: string, want: Pick<KlogRecord, 'severity' | 'atMs' | 'thread' | 'source'>][] = [
    [
      'I0610 07:32:16.910860       1 proxier.go:833] "Sync failed"',
      { severity: 'info', atMs: Date.UTC(2025, 5, 10, 7, 32, 16, 910), thread: 1, source: 'proxier.go:833' },
    ],
    [
      'W1231 23:59:59.999999   12345 reflector.go:569] x',
      {
        severity: 'warning',
        atMs: Date.UTC(2025, 11, 31, 23, 59, 59, 999),
        thread: 12345,
        source: 'reflector.go:569',
      },
    ],
    [
      'E0101 00:00:00.000001 123456789 server.go:1] boom',
      { severity: 'error', atMs: Date.UTC(2025, 0, 1), thread: 123456789, source: 'server.go:1' },
    ],
    [
      'F0228 12:00:00.500000       7 ???:1] fatal',
      { severity: 'fatal', atMs: Date.UTC(2025, 1, 28, 12, 0, 0, 500), thread: 7, source: '???:1' },
    ],
  ];
  it.each(cases)('%s', (line, want) => {
    expect(parseKlogLine(line, 2025)).toMatchObject(want);
  });

  it('takes the year from the hint, so 29 February needs a leap year', () => {
    const line = 'I0229 01:02:03.000000       1 a.go:1] leap';
    expect(parseKlogLine(line, 2024)?.atMs).toBe(Date.UTC(2024, 1, 29, 1, 2, 3));
    expect(parseKlogLine(line, 2025)).toBeUndefined();
  });
});

describe('parseKlogLine rejects what is not klog', () => {
  const cases: string[] = [
    '',
    'hello world',
    '[INFO] plugin/ready: Still waiting on: "kubernetes"',
    'X0610 07:32:16.910840       1 proxier.go:1564] bad severity',
    'I1310 07:32:16.910840       1 proxier.go:1564] month 13',
    'I0431 07:32:16.910840       1 proxier.go:1564] 31 April',
    'I0610 24:00:00.000000       1 proxier.go:1564] hour 24',
    'I0610 07:32:16       1 proxier.go:1564] no fraction',
    'I0610 07:32:16.910840 proxier.go:1564] no thread',
    'I0610 07:32:16.910840       1 proxier.go:1564 no bracket',
    '2024-06-10T07:32:16.910840Z stderr F I0610 07:32:16.910840       1 a.go:1] CRI-prefixed',
  ];
  it.each(cases)('%j', (line) => {
    expect(parseKlogLine(line, 2025)).toBeUndefined();
  });
});

describe('parseKlogLine message and fields', () => {
  const H = 'I0610 07:32:16.910860       1 x.go:1] ';
  const cases: [name: string, body: string, message: string, fields: Record<string, string>][] = [
    [
      'sync failed',
      '"Sync failed" ipFamily="IPv4" retryingTime="30s"',
      'Sync failed',
      {
        ipFamily: 'IPv4',
        retryingTime: '30s',
      },
    ],
    ['message only', '"Starting"', 'Starting', {}],
    ['empty message', '""', '', {}],
    [
      'Go escapes',
      '"a\\"b" err="line1\\nline2\\ttab \\\\ back \\"q\\"" x="\\u00e9\\x1b\\U0001F600\\101"',
      'a"b',
      {
        err: 'line1\nline2\ttab \\ back "q"',
        x: 'é\x1b😀A',
      },
    ],
    [
      'bare tokens',
      '"Counts" n=5 ok=true ratio=0.5 ptr=<nil> d=1m0s',
      'Counts',
      {
        n: '5',
        ok: 'true',
        ratio: '0.5',
        ptr: '<nil>',
        d: '1m0s',
      },
    ],
    [
      'bracketed bare values',
      '"Objs" s={Name:a Namespace:b} l=[x y] m=map[a:1 b:2] p=&{A:1 B:{C:2}} after="z"',
      'Objs',
      {
        s: '{Name:a Namespace:b}',
        l: '[x y]',
        m: 'map[a:1 b:2]',
        p: '&{A:1 B:{C:2}}',
        after: 'z',
      },
    ],
    [
      'pseudo-struct with quotes',
      '"P" obj={ name="a}b" n=1 } k=v',
      'P',
      { obj: '{ name="a}b" n=1 }', k: 'v' },
    ],
    [
      'KObj and err',
      '"Error updating node status, will retry" err="error getting node \\"n1\\": Get \\"https://10.0.0.1:6443/api/v1/nodes/n1?resourceVersion=0&timeout=10s\\": dial tcp 10.0.0.1:6443: connect: connection refused"',
      'Error updating node status, will retry',
      {
        err: 'error getting node "n1": Get "https://10.0.0.1:6443/api/v1/nodes/n1?resourceVersion=0&timeout=10s": dial tcp 10.0.0.1:6443: connect: connection refused',
      },
    ],
    ['unstructured', 'Starting kube-proxy: version v1.32.0', 'Starting kube-proxy: version v1.32.0', {}],
    [
      'unstructured with quotes',
      'Failed to get "foo": not found a=b',
      'Failed to get "foo": not found a=b',
      {},
    ],
    ['leading quote but printf text', '"node1" is not ready', '"node1" is not ready', {}],
    ['unterminated quote', '"Sync failed ipFamily=IPv4', '"Sync failed ipFamily=IPv4', {}],
    ['bad escape', '"a" k="\\q"', '"a" k="\\q"', {}],
    ['unbalanced bracket falls back to token', '"U" v={open k=1', 'U', { v: '{open', k: '1' }],
  ];
  it.each(cases)('%s', (_name, body, message, fields) => {
    const r = parseKlogLine(H + body, 2025);
    expect(r?.message).toBe(message);
    expect(r?.fields).toEqual(fields);
    expect(r?.raw).toBe(H + body);
  });

  it('keeps an empty body', () => {
    expect(parseKlogLine('I0610 07:32:16.910860       1 x.go:1]', 2025)?.message).toBe('');
  });

  it('reads the client-go reflector lines', () => {
    const w = parseKlogLine(REFLECTOR_WARN, 2025);
    expect(w).toMatchObject({ severity: 'warning', source: 'reflector.go:569', fields: {} });
    expect(w?.message).toBe(
      `k8s.io/client-go/informers/factory.go:160: failed to list *v1.Service: Get "${SERVICES_URL}": dial tcp 10.0.0.1:6443: connect: connection refused`,
    );
    const e = parseKlogLine(REFLECTOR_ERR, 2025);
    expect(e).toMatchObject({ severity: 'error', source: 'reflector.go:166', message: 'Unhandled Error' });
    expect(e?.fields).toEqual({
      err: `k8s.io/client-go/informers/factory.go:160: Failed to watch *v1.Service: failed to list *v1.Service: Get "${SERVICES_URL}": dial tcp 10.0.0.1:6443: connect: connection refused`,
      logger: 'UnhandledError',
    });
  });

  it('parses a whole multi-line record passed as one string', () => {
    const r = parseKlogLine(IPTABLES_FAILURE.slice(0, 5).join('\n'), 2025);
    expect(r?.fields['ipFamily']).toBe('IPv4');
    expect(r?.fields['err']?.split('\n')).toHaveLength(3);
  });

  it('keeps the first line of a multi-line record on its own, with an empty value', () => {
    const r = parseKlogLine(IPTABLES_FAILURE[0]!, 2025);
    expect(r?.message).toBe('Failed to execute iptables-restore');
    expect(r?.fields).toEqual({ err: '' });
  });
});

describe('parseKlogLines', () => {
  it('folds the iptables-restore error into one record and keeps ipFamily after the >', () => {
    const { records, unparsed } = parseKlogLines(IPTABLES_FAILURE, 2025);
    expect(unparsed).toBe(0);
    expect(records).toHaveLength(2);
    expect(records[0]).toEqual({
      severity: 'error',
      atMs: Date.UTC(2025, 5, 10, 7, 32, 16, 910),
      thread: 1,
      source: 'proxier.go:1564',
      message: 'Failed to execute iptables-restore',
      fields: {
        err: [
          "exit status 2: iptables-restore v1.8.8 (legacy): Couldn't load target `KUBE-SVC-…':No such file or directory",
          'Error occurred at line: 177',
          "Try `iptables-restore -h' or 'iptables-restore --help' for more information.",
        ].join('\n'),
        ipFamily: 'IPv4',
      },
      raw: IPTABLES_FAILURE.slice(0, 5).join('\n'),
    });
    expect(records[1]).toMatchObject({
      message: 'Sync failed',
      fields: { ipFamily: 'IPv4', retryingTime: '30s' },
    });
  });

  const cases: [name: string, lines: string[], messages: string[], unparsed: number][] = [
    [
      'reflector lines',
      [REFLECTOR_WARN, REFLECTOR_ERR],
      [expect.stringContaining('failed to list'), 'Unhandled Error'],
      0,
    ],
    [
      'garbage between records is counted and skipped',
      ['goroutine 1 [running]:', IPTABLES_FAILURE[5]!, '\tmain.main()', 'panic: boom', IPTABLES_FAILURE[5]!],
      ['Sync failed', 'Sync failed'],
      3,
    ],
    ['a tail that starts inside a multi-line value', IPTABLES_FAILURE.slice(2), ['Sync failed'], 3],
    ['blank lines are ignored', ['', '   ', IPTABLES_FAILURE[5]!, ''], ['Sync failed'], 0],
    [
      'CRLF line ends',
      IPTABLES_FAILURE.map((l) => l + '\r'),
      ['Failed to execute iptables-restore', 'Sync failed'],
      0,
    ],
  ];
  it.each(cases)('%s', (_name, lines, messages, unparsed) => {
    const got = parseKlogLines(lines, 2025);
    expect(got.records.map((r) => r.message)).toEqual(messages);
    expect(got.unparsed).toBe(unparsed);
  });

  it('handles two multi-line values in one record', () => {
    const lines = [
      'E0610 07:32:16.910840       1 proxier.go:1564] "Failed to execute iptables-restore" err=<',
      '\tiptables-restore: line 3 failed',
      ' > rules=<',
      '\t*nat',
      '',
      '\tCOMMIT',
      ' > ipFamily="IPv6"',
      'I0610 07:32:16.910860       1 proxier.go:833] "Sync failed"',
    ];
    const { records, unparsed } = parseKlogLines(lines, 2025);
    expect(unparsed).toBe(0);
    expect(records.map((r) => r.fields)).toEqual([
      { err: 'iptables-restore: line 3 failed', rules: '*nat\n\nCOMMIT', ipFamily: 'IPv6' },
      {},
    ]);
  });

  it('keeps a record whose multi-line value never closes', () => {
    const cut = IPTABLES_FAILURE.slice(0, 3);
    const { records } = parseKlogLines([...cut, IPTABLES_FAILURE[5]!], 2025);
    expect(records).toHaveLength(2);
    expect(records[0]?.fields['err']?.split('\n')).toHaveLength(2);
    expect(records[0]?.raw).toBe(cut.join('\n'));
    expect(parseKlogLines(cut, 2025).records[0]?.fields['err']).toContain('Error occurred at line: 177');
  });

  it('never throws on odd input', () => {
    const odd = ['\t', ' >', 'I0610 07:32:16.910840       1 a.go:1] "x" k=<', ' >', ' > k2=<', '\u0000', '"'];
    expect(() => parseKlogLines(odd, 2025)).not.toThrow();
  });
});

describe('performance on long lines', () => {
  const long = 'x'.repeat(100_000);
  const cases: [name: string, line: string][] = [
    ['plain garbage', long],
    ['header-like prefix then garbage', 'I0610 07:32:16.910840 ' + ' '.repeat(100_000)],
    ['header without bracket', 'I0610 07:32:16.910840       1 ' + long],
    ['unterminated quoted message', 'I0610 07:32:16.910840       1 a.go:1] "' + long],
    ['long bracketed value', 'I0610 07:32:16.910840       1 a.go:1] "m" v=' + '{'.repeat(100_000)],
  ];
  it.each(cases)('%s returns quickly', (_name, line) => {
    const t0 = performance.now();
    parseKlogLine(line, 2025);
    parseKlogLines([line, line], 2025);
    expect(performance.now() - t0).toBeLessThan(200);
  });
});

describe('readGoQuoted', () => {
  const cases: [text: string, start: number, want: { value: string; end: number } | undefined][] = [
    ['"abc" rest', 0, { value: 'abc', end: 5 }],
    ['k="a\\"b"', 2, { value: 'a"b', end: 8 }],
    ['"\\xff"', 0, { value: '\uFFFD', end: 6 }],
    ['"abc', 0, undefined],
    ['"a\nb"', 0, undefined],
    ['"\\u12"', 0, undefined],
    ['abc', 0, undefined],
  ];
  it.each(cases)('%j at %i', (text, start, want) => {
    expect(readGoQuoted(text, start)).toEqual(want);
  });
});
