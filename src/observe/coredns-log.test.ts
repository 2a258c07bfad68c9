import { describe, expect, it } from 'vitest';
import {
  apiUnreachable,
  type ClientGoListFailure,
  type CorednsRecord,
  klogClientGoFailure,
  parseClientGoListFailure,
  parseCorednsLine,
  pluginsNotReady,
} from './coredns-log.ts';
import { parseKlogLine } from './klog.ts';

const NS_URL = 'https://10.96.0.1:443/api/v1/namespaces?limit=500&resourceVersion=0';
const REFLECTOR = 'pkg/mod/k8s.io/client-go@v0.29.3/tools/cache/reflector.go:229';

// CoreDNS v1.11.3 with the API server unreachable (reference §5.4).
const COREDNS_OUTAGE = [
  '[INFO] plugin/ready: Still waiting on: "kubernetes"',
  `[INFO] plugin/kubernetes: ${REFLECTOR}: failed to list *v1.Namespace: Get "${NS_URL}": dial tcp 10.96.0.1:443: i/o timeout`,
  `[ERROR] plugin/kubernetes: ${REFLECTOR}: Failed to watch *v1.Namespace: failed to list *v1.Namespace: Get "${NS_URL}": dial tcp 10.96.0.1:443: i/o timeout`,
  '[WARNING] plugin/kubernetes: starting server with unsynced Kubernetes API',
];

describe('parseCorednsLine', () => {
  const cases: [line: string, want: Omit<CorednsRecord, 'raw'> | undefined][] = [
    [COREDNS_OUTAGE[0]!, { level: 'info', plugin: 'ready', message: 'Still waiting on: "kubernetes"' }],
    [
      COREDNS_OUTAGE[2]!,
      {
        level: 'error',
        plugin: 'kubernetes',
        message: `${REFLECTOR}: Failed to watch *v1.Namespace: failed to list *v1.Namespace: Get "${NS_URL}": dial tcp 10.96.0.1:443: i/o timeout`,
      },
    ],
    [
      COREDNS_OUTAGE[3]!,
      { level: 'warning', plugin: 'kubernetes', message: 'starting server with unsynced Kubernetes API' },
    ],
    [
      '[DEBUG] plugin/reload: Running configuration SHA512 = abc',
      {
        level: 'debug',
        plugin: 'reload',
        message: 'Running configuration SHA512 = abc',
      },
    ],
    [
      '[FATAL] plugin/loop: Loop (127.0.0.1:55953 -> :53) detected for zone "."',
      {
        level: 'fatal',
        plugin: 'loop',
        message: 'Loop (127.0.0.1:55953 -> :53) detected for zone "."',
      },
    ],
    ['[INFO] Reloading', { level: 'info', plugin: undefined, message: 'Reloading' }],
    [
      '[INFO] 10.244.0.1:53012 - 1234 "A IN example.com. udp 29 false 512" NOERROR qr,rd,ra 45 0.000123s',
      {
        level: 'info',
        plugin: undefined,
        message: '10.244.0.1:53012 - 1234 "A IN example.com. udp 29 false 512" NOERROR qr,rd,ra 45 0.000123s',
      },
    ],
    ['[INFO] plugin/health:', { level: 'info', plugin: 'health', message: '' }],
    [
      '[ERROR] plugin/errors: 2 example.com. A: read udp 10.244.0.5:1->8.8.8.8:53: i/o timeout\r',
      {
        level: 'error',
        plugin: 'errors',
        message: '2 example.com. A: read udp 10.244.0.5:1->8.8.8.8:53: i/o timeout',
      },
    ],
    ['.:53', undefined],
    ['CoreDNS-1.11.3', undefined],
    ['linux/amd64, go1.21.11, a6338e9', undefined],
    ['[NOTICE] plugin/x: y', undefined],
    ['[INFO', undefined],
    ['', undefined],
    ['E0610 07:32:16.910840       1 proxier.go:1564] x', undefined],
  ];
  it.each(cases)('%j', (line, want) => {
    const got = parseCorednsLine(line);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toEqual({ ...want, raw: line.replace(/\r$/, '') });
  });

  it('returns quickly on a 100 KB line', () => {
    const t0 = performance.now();
    expect(parseCorednsLine('['.repeat(100_000))).toBeUndefined();
    expect(parseCorednsLine('[INFO] plugin/' + 'x'.repeat(100_000))?.plugin).toBeUndefined();
    expect(parseClientGoListFailure('failed to list ' + '*'.repeat(100_000))).toBeUndefined();
    expect(parseClientGoListFailure('failed to list *v1.Pod: dial tcp ' + '1'.repeat(100_000))?.kind).toBe(
      'other',
    );
    expect(performance.now() - t0).toBeLessThan(200);
  });
});

describe('parseClientGoListFailure', () => {
  const ep = 'https://10.0.0.1:6443/api/v1/endpoints?limit=500&resourceVersion=0';
  const cases: [name: string, text: string, want: ClientGoListFailure | undefined][] = [
    [
      'CoreDNS list, i/o timeout',
      COREDNS_OUTAGE[1]!,
      {
        resource: '*v1.Namespace',
        informer: REFLECTOR,
        watch: false,
        url: NS_URL,
        dialTarget: '10.96.0.1:443',
        error: 'i/o timeout',
        kind: 'io-timeout',
      },
    ],
    [
      'CoreDNS watch wrapping a list',
      COREDNS_OUTAGE[2]!,
      {
        resource: '*v1.Namespace',
        informer: REFLECTOR,
        watch: true,
        url: NS_URL,
        dialTarget: '10.96.0.1:443',
        error: 'i/o timeout',
        kind: 'io-timeout',
      },
    ],
    [
      'connection refused',
      `k8s.io/client-go/informers/factory.go:160: failed to list *v1.Endpoints: Get "${ep}": dial tcp 10.0.0.1:6443: connect: connection refused`,
      {
        resource: '*v1.Endpoints',
        informer: 'k8s.io/client-go/informers/factory.go:160',
        watch: false,
        url: ep,
        dialTarget: '10.0.0.1:6443',
        error: 'connect: connection refused',
        kind: 'connection-refused',
      },
    ],
    [
      'no route to host, IPv6 target',
      `failed to list *v1.Secret: Get "${ep}": dial tcp [fd00::1]:443: connect: no route to host`,
      {
        resource: '*v1.Secret',
        watch: false,
        url: ep,
        dialTarget: '[fd00::1]:443',
        error: 'connect: no route to host',
        kind: 'no-route',
      },
    ],
    [
      'context deadline exceeded',
      `x.go:1: failed to list *v1.Node: Get "${ep}": context deadline exceeded`,
      {
        resource: '*v1.Node',
        informer: 'x.go:1',
        watch: false,
        url: ep,
        error: 'context deadline exceeded',
        kind: 'deadline-exceeded',
      },
    ],
    [
      'client timeout',
      `failed to list *v1.Node: Get "${ep}": net/http: request canceled (Client.Timeout exceeded while awaiting headers)`,
      {
        resource: '*v1.Node',
        watch: false,
        url: ep,
        error: 'net/http: request canceled (Client.Timeout exceeded while awaiting headers)',
        kind: 'deadline-exceeded',
      },
    ],
    [
      'TLS handshake timeout',
      `failed to list *v1.Ingress: Get "${ep}": net/http: TLS handshake timeout`,
      {
        resource: '*v1.Ingress',
        watch: false,
        url: ep,
        error: 'net/http: TLS handshake timeout',
        kind: 'tls-handshake-timeout',
      },
    ],
    [
      'http2 connection lost',
      `failed to list *v1.CertificateRequest: Get "${ep}": http2: client connection lost`,
      {
        resource: '*v1.CertificateRequest',
        watch: false,
        url: ep,
        error: 'http2: client connection lost',
        kind: 'connection-lost',
      },
    ],
    [
      'connection reset',
      `failed to list *v1.Pod: Get "${ep}": read tcp 10.244.0.5:40000->10.96.0.1:443: read: connection reset by peer`,
      {
        resource: '*v1.Pod',
        watch: false,
        url: ep,
        error: 'read tcp 10.244.0.5:40000->10.96.0.1:443: read: connection reset by peer',
        kind: 'connection-reset',
      },
    ],
    [
      'DNS failure without a dial target',
      `failed to list *v1.Pod: Get "${ep}": dial tcp: lookup kubernetes.default.svc on 10.96.0.10:53: no such host`,
      {
        resource: '*v1.Pod',
        watch: false,
        url: ep,
        error: 'lookup kubernetes.default.svc on 10.96.0.10:53: no such host',
        kind: 'dns',
      },
    ],
    [
      'EOF',
      `failed to list *v1.Pod: Get "${ep}": EOF`,
      { resource: '*v1.Pod', watch: false, url: ep, error: 'EOF', kind: 'eof' },
    ],
    [
      'RBAC refusal keeps its quotes',
      'failed to list *v1.Pod: pods is forbidden: User "system:serviceaccount:kube-system:coredns" cannot list resource "pods"',
      {
        resource: '*v1.Pod',
        watch: false,
        error:
          'pods is forbidden: User "system:serviceaccount:kube-system:coredns" cannot list resource "pods"',
        kind: 'other',
      },
    ],
    [
      'raw klog line with escaped quotes',
      `E0610 07:32:10.123500       1 reflector.go:166] "Unhandled Error" err="k8s.io/client-go/informers/factory.go:160: Failed to watch *v1.Service: failed to list *v1.Service: Get \\"${ep}\\": dial tcp 10.0.0.1:6443: connect: connection refused" logger="UnhandledError"`,
      {
        resource: '*v1.Service',
        informer: 'k8s.io/client-go/informers/factory.go:160',
        watch: true,
        url: ep,
        dialTarget: '10.0.0.1:6443',
        error: 'connect: connection refused',
        kind: 'connection-refused',
      },
    ],
    ['not a reflector failure', 'Get "x": dial tcp 1.2.3.4:5: i/o timeout', undefined],
    ['marker without a resource', 'failed to list: nope', undefined],
    ['empty', '', undefined],
  ];
  it.each(cases)('%s', (_name, text, want) => {
    expect(parseClientGoListFailure(text)).toEqual(want);
  });
});

describe('klogClientGoFailure', () => {
  const url = 'https://10.0.0.1:6443/api/v1/services?limit=500&resourceVersion=0';
  const cases: [line: string, kind: string | undefined][] = [
    [
      `W0610 07:32:10.123456       1 reflector.go:569] k8s.io/client-go/informers/factory.go:160: failed to list *v1.Service: Get "${url}": dial tcp 10.0.0.1:6443: connect: connection refused`,
      'connection-refused',
    ],
    [
      `E0610 07:32:10.123500       1 reflector.go:166] "Unhandled Error" err="k8s.io/client-go/informers/factory.go:160: Failed to watch *v1.Service: failed to list *v1.Service: Get \\"${url}\\": dial tcp 10.0.0.1:6443: i/o timeout" logger="UnhandledError"`,
      'io-timeout',
    ],
    [
      'I0610 07:32:16.910860       1 proxier.go:833] "Sync failed" ipFamily="IPv4" retryingTime="30s"',
      undefined,
    ],
  ];
  it.each(cases)('%s', (line, kind) => {
    const record = parseKlogLine(line, 2025);
    expect(record).toBeDefined();
    const failure = klogClientGoFailure(record!);
    expect(failure?.kind).toBe(kind);
    if (kind) expect(failure).toMatchObject({ resource: '*v1.Service', url, dialTarget: '10.0.0.1:6443' });
  });
});

describe('apiUnreachable and pluginsNotReady over the CoreDNS outage', () => {
  const records = COREDNS_OUTAGE.map((l) => parseCorednsLine(l)!);
  it('finds the unreachable API in the reflector lines only', () => {
    expect(records.map((r) => apiUnreachable(r)?.dialTarget)).toEqual([
      undefined,
      '10.96.0.1:443',
      '10.96.0.1:443',
      undefined,
    ]);
  });

  it('ignores refusals from a reachable API server', () => {
    const r = parseCorednsLine(
      '[ERROR] plugin/kubernetes: x.go:1: failed to list *v1.Service: services is forbidden: User "x" cannot list resource "services"',
    )!;
    expect(parseClientGoListFailure(r.message)?.kind).toBe('other');
    expect(apiUnreachable(r)).toBeUndefined();
  });

  const ready: [line: string, want: string[] | undefined][] = [
    ['[INFO] plugin/ready: Still waiting on: "kubernetes"', ['kubernetes']],
    ['[INFO] plugin/ready: Plugins not ready: "kubernetes", "forward"', ['kubernetes', 'forward']],
    ['[INFO] plugin/kubernetes: Still waiting on: "kubernetes"', undefined],
    ['[INFO] plugin/ready: something else', undefined],
  ];
  it.each(ready)('pluginsNotReady %j', (line, want) => {
    expect(pluginsNotReady(parseCorednsLine(line)!)).toEqual(want);
  });
});
