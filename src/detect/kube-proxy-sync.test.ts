import { describe, expect, it } from 'vitest';
import { event, node, t0, viewOf } from './fixtures.ts';
import {
  agentCondition,
  klogLine,
  logsObs,
  proxyScrape,
  restoreFailureLines,
} from './fixtures-components.ts';
import { failedLine, kubeProxySync } from './kube-proxy-sync.ts';
import { ofKind } from './signal.ts';

const s = (n: number) => n * 1000;
const m = (n: number) => n * 60_000;
const nodes = (...names: string[]) => names.map((name) => node({ name }));
const proxyLogs = (nodeName: string, atMs: number, lines: string[]) =>
  logsObs({ pod: `kube-proxy-${nodeName}`, container: 'kube-proxy', node: nodeName, lines, atMs });

describe('kubeProxySync', () => {
  it('stays quiet while syncs succeed and the counter holds still', () => {
    const view = viewOf({ nodes: nodes('w1', 'w2') }, t0, [
      proxyScrape('w1', t0 - s(30), { failures: 4 }),
      proxyScrape('w1', t0, { failures: 4 }),
      proxyScrape('w2', t0, { failures: 0 }),
    ]);
    expect(kubeProxySync(view, t0)).toEqual([]);
  });

  it('warns on a sparse handful of failures that recovered (the day-early warning)', () => {
    const first = t0 - m(20);
    const view = viewOf({ nodes: nodes('w1', 'w2', 'w3') }, t0 - m(30), [
      proxyScrape('w1', first - s(10), { failures: 0 }),
      proxyLogs('w1', first + s(40), [...restoreFailureLines(first), ...restoreFailureLines(first + s(30))]),
      proxyScrape('w1', first + s(50), { failures: 2, syncAgeS: 10 }),
      proxyScrape('w1', t0, { failures: 2, syncAgeS: 8 }),
    ]);
    const [sig] = ofKind(kubeProxySync(view, t0), 'proxy-sync-failing');
    expect(sig.kind).toBe('proxy-sync-failing');
    expect(sig.severity).toBe('warning');
    expect(sig.sinceMs).toBe(first);
    expect(sig.facts).toMatchObject({
      nodes: ['w1'],
      staleNodes: [],
      failingNowNodes: [],
      failures: 2,
      firstFailureMs: first,
      lastSuccessfulSyncAgeSeconds: 8,
      errorText: 'exit status 1 (iptables-restore: line 8022 failed\n)',
      failedLine: 8022,
      sources: ['log', 'metric'],
      xtablesLock: false,
      clusterNodes: 3,
    });
  });

  it('counts counter increases between scrapes, and a reset as a restart', () => {
    const view = viewOf({ nodes: nodes('w1', 'w2', 'w3', 'w4') }, t0, [
      proxyScrape('w1', t0 - s(90), { failures: 10 }),
      proxyScrape('w1', t0 - s(60), { failures: 13 }),
      proxyScrape('w1', t0 - s(30), { failures: 2 }),
      proxyScrape('w1', t0, { failures: 2 }),
    ]);
    const [sig] = ofKind(kubeProxySync(view, t0), 'proxy-sync-failing');
    expect(sig.facts).toMatchObject({ failures: 5, firstFailureMs: t0 - s(60), sources: ['metric'] });
    expect(sig.facts.errorText).toBeUndefined();
  });

  it('is critical when several nodes have not synced for two sync periods', () => {
    const view = viewOf({ nodes: nodes('w1', 'w2', 'w3', 'w4', 'w5') }, t0, [
      ...['w1', 'w2', 'w3'].flatMap((n) => [
        proxyScrape(n, t0 - s(30), { failures: 7, syncAgeS: 270 }),
        proxyScrape(n, t0, { failures: 8, syncAgeS: 300, queuedAgeS: 280 }),
      ]),
      proxyScrape('w4', t0, { syncAgeS: 5 }),
    ]);
    const [sig] = ofKind(kubeProxySync(view, t0), 'proxy-sync-failing');
    expect(sig.severity).toBe('critical');
    expect(sig.facts).toMatchObject({
      nodes: ['w1', 'w2', 'w3'],
      staleNodes: ['w1', 'w2', 'w3'],
      failingNowNodes: ['w1', 'w2', 'w3'],
      failures: 3,
      lastSuccessfulSyncAgeSeconds: 300,
    });
    expect(sig.evidence.some((e) => e.text.includes('still waits'))).toBe(true);
  });

  it('does not judge sync age from a scrape that is itself old', () => {
    const view = viewOf({ nodes: nodes('w1') }, t0, [proxyScrape('w1', t0 - m(10), { syncAgeS: 400 })]);
    expect(kubeProxySync(view, t0)).toEqual([]);
  });

  it('reads the node agent condition: failures, first failure, error, stale rules', () => {
    const message =
      'kube-proxy iptables-restore is failing; failures=20 window=10m0s first=2024-01-15T11:30:10Z last=2024-01-15T11:59:40Z lastSuccessfulSync=2024-01-15T11:29:40Z failuresTotal=64 error="exit status 1 (iptables-restore: line 8022 failed\\n)"';
    const cond = agentCondition({
      type: 'IptablesRestoreFailing',
      status: 'True',
      reason: 'IptablesRestoreFailed',
      message,
      heartbeatMs: t0 - s(7),
    });
    const view = viewOf({ nodes: [node({ name: 'w1', conditions: [cond] }), ...nodes('w2')] });
    const [sig] = ofKind(kubeProxySync(view, t0), 'proxy-sync-failing');
    expect(sig.facts).toMatchObject({
      nodes: ['w1'],
      staleNodes: ['w1'],
      failures: 20,
      firstFailureMs: Date.parse('2024-01-15T11:30:10Z'),
      errorText: 'exit status 1 (iptables-restore: line 8022 failed\n)',
      sources: ['agent'],
    });
    expect(sig.facts.lastSuccessfulSyncAgeSeconds).toBe(
      Math.round((t0 - s(7) - Date.parse('2024-01-15T11:29:40Z')) / 1000),
    );
  });

  it('remembers the agent event after the condition cleared', () => {
    const inner =
      'kube-proxy iptables-restore is failing; failures=2 window=10m0s first=2024-01-15T11:20:40Z last=2024-01-15T11:21:10Z lastSuccessfulSync=2024-01-15T11:21:40Z failuresTotal=2 error="exit status 1 (iptables-restore: line 8022 failed\\n)"';
    const ev = event({
      kind: 'Node',
      name: 'w2',
      reason: 'IptablesRestoreFailed',
      type: 'Warning',
      component: 'kubetriage-agent',
      message: `Node condition IptablesRestoreFailing is now: True, reason: IptablesRestoreFailed, message: ${JSON.stringify(inner)}`,
      firstMs: t0 - m(39),
    });
    const view = viewOf({ nodes: nodes('w1', 'w2'), events: [ev] });
    const [sig] = ofKind(kubeProxySync(view, t0), 'proxy-sync-failing');
    expect(sig.severity).toBe('warning');
    expect(sig.facts).toMatchObject({
      nodes: ['w2'],
      failures: 2,
      firstFailureMs: Date.parse('2024-01-15T11:20:40Z'),
      sources: ['event'],
      failedLine: 8022,
    });
  });

  it('forgets failures older than the lookback', () => {
    const view = viewOf({ nodes: nodes('w1') }, t0, [
      proxyLogs('w1', t0 - m(61), restoreFailureLines(t0 - m(61))),
    ]);
    expect(kubeProxySync(view, t0)).toEqual([]);
  });

  it('flags xtables lock contention and reads multi-line klog errors', () => {
    const lines = [
      klogLine('E', t0 - s(20), 'proxier.go:1564', '"Failed to execute iptables-restore" err=<'),
      '\texit status 4: Another app is currently holding the xtables lock. Perhaps you want to use the -w option?',
      ' > ipFamily="IPv4"',
    ];
    const view = viewOf({ nodes: nodes('w1', 'w2', 'w3', 'w4') }, t0, [proxyLogs('w1', t0, lines)]);
    const [sig] = ofKind(kubeProxySync(view, t0), 'proxy-sync-failing');
    expect(sig.facts).toMatchObject({ xtablesLock: true, failingNowNodes: ['w1'], failures: 1 });
    expect(sig.severity).toBe('warning');
  });

  it('is critical when many nodes fail now', () => {
    const names = ['w1', 'w2', 'w3'];
    const view = viewOf({ nodes: nodes(...names, 'w4', 'w5', 'w6') }, t0, [
      ...names.map((n) => proxyLogs(n, t0, restoreFailureLines(t0 - s(30)))),
    ]);
    expect(kubeProxySync(view, t0)[0].severity).toBe('critical');
  });
});

describe('failedLine', () => {
  it.each([
    ['exit status 1 (iptables-restore: line 8022 failed\n)', 8022],
    [
      "exit status 2: iptables-restore v1.8.8 (legacy): Couldn't load target\nError occurred at line: 177",
      177,
    ],
    ['exit status 4: xtables lock', undefined],
  ])('%s', (text, line) => expect(failedLine(text)).toBe(line));
});
