import { describe, expect, it } from 'vitest';
import type { Signal } from '../detect/signal.ts';
import { diagnose } from './diagnose.ts';

const t0 = Date.UTC(2024, 0, 15, 12, 0, 0);

function sig(
  kind: string,
  subject: string,
  facts: Signal['facts'] = {},
  extra: Partial<Signal> = {},
): Signal {
  return {
    detector: 'test',
    kind,
    subject,
    severity: 'warning',
    sinceMs: t0 - 120_000,
    summary: `${kind} ${subject}`,
    scope: {},
    facts,
    evidence: [{ source: 'object', ref: subject, text: kind }],
    ...extra,
  };
}

const notReady = (n: string, extra: Signal['facts'] = {}) =>
  sig('node-not-ready', `node/${n}`, {
    status: 'Unknown',
    notReadySeconds: 300,
    unschedulable: false,
    ...extra,
  });
const loop = (ns: string, name: string, nodes: string[], extra: Partial<Signal> = {}) =>
  sig(
    'crash-loop',
    `workload/${ns}/Deployment/${name}`,
    {
      namespace: ns,
      workloadKind: 'Deployment',
      workloadName: name,
      nodes,
      reasonCodes: ['Error/1=3'],
      exitCodes: ['1'],
    },
    extra,
  );

describe('diagnose', () => {
  it('names a node-level fault when unrelated apps fail on the same flapping nodes, and rules out the apps', () => {
    const d = diagnose(
      [
        notReady('n1'),
        sig('node-flapping', 'node/n2', { flips: 5 }),
        sig('node-flapping', 'node/n3', { flips: 4 }),
        sig(
          'not-ready-spread',
          'cluster',
          { notReadyNow: 1, totalNodes: 12, wentNotReady60m: 3, onsetSpanMinutes: 25 },
          { scope: { nodes: ['n1', 'n2', 'n3'] } },
        ),
        loop('api', 'pilot', ['n1', 'n2']),
        loop('api', 'tiles', ['n2', 'n3']),
      ],
      t0,
    );
    const [top] = d.hypotheses;
    expect(top.pattern).toBe('node-network');
    expect(top.confidence).toBeGreaterThanOrEqual(0.7);
    expect(top.blastRadius.nodes).toEqual(['n1', 'n2', 'n3']);
    expect(top.ruledOut.map((r) => r.pattern)).toContain('app-bug');
    expect(top.runbooks).toContain('restart-nodes');
    // The apps' loops sit only on troubled nodes: they are evidence, not app findings.
    expect(d.findings).toEqual([]);
  });

  it('keeps an app that fails wherever it runs a finding, not a cluster hypothesis', () => {
    const d = diagnose([loop('shop', 'recs', ['n4', 'n5'])], t0);
    expect(d.hypotheses).toEqual([]);
    expect(d.findings.map((f) => [f.pattern, f.clusterLevel, f.severity])).toEqual([
      ['app-bug', false, 'info'],
    ]);
  });

  it('blames a rollout that came right before the failures', () => {
    const d = diagnose(
      [
        loop('shop', 'cart', ['n4']),
        sig('change', 'workload/shop/Deployment/cart', { what: 'rollout' }, { sinceMs: t0 - 300_000 }),
      ],
      t0,
    );
    expect(d.findings[0].pattern).toBe('bad-rollout');
    expect(d.findings[0].nextSteps.map((s) => s.command)).toContain(
      'kubectl rollout undo -n shop deployment/cart',
    );
  });

  it('says the control plane is unreachable when our probes and watches fail', () => {
    const d = diagnose(
      [
        sig(
          'api-unreachable',
          'cluster',
          { errorKinds: ['timeout'], reflectorsFailing: ['reflector/pods'] },
          { severity: 'critical' },
        ),
      ],
      t0,
    );
    expect(d.hypotheses[0].pattern).toBe('control-plane-unreachable');
    expect(d.hypotheses[0].nextSteps.some((s) => /Do not restart nodes/.test(s.say))).toBe(true);
  });

  it('puts broken service routing above cluster DNS when CoreDNS only fails to reach the API through the VIP', () => {
    const d = diagnose(
      [
        sig('in-cluster-api-unreachable', 'service/default/kubernetes', {
          vip: '10.96.0.1',
          nodes: ['w1', 'w2', 'w3'],
          errorKinds: ['timeout'],
          externalApiHealthy: true,
          endpointReachableFromNodes: true,
        }),
        sig(
          'dns-pods-unhealthy',
          'service/kube-system/kube-dns',
          { ready: 0, total: 2, logHints: ['api-unreachable'] },
          { severity: 'critical' },
        ),
        sig('change', 'cluster', { what: 'control-plane-version' }, { sinceMs: t0 - 600_000 }),
      ],
      t0,
    );
    expect(d.hypotheses.map((h) => h.pattern)).toEqual(['service-routing', 'cluster-dns']);
    expect(d.hypotheses[0].statement).toMatch(/CoreDNS crash-loops because it cannot list from the API/);
    expect(d.hypotheses[0].runbooks).toEqual(['bypass-service-host']);
  });

  it('does not blame cluster DNS when its pods are down only because their nodes are', () => {
    const signals = [
      notReady('n1'),
      notReady('n2'),
      sig(
        'dns-pods-unhealthy',
        'service/kube-system/kube-dns',
        { ready: 0, total: 2 },
        { scope: { nodes: ['n1', 'n2'] } },
      ),
      sig('dns-lookups-failing', 'cluster', { clusterDnsNodes: ['n3', 'n4'] }),
    ];
    expect(diagnose(signals, t0).hypotheses.map((h) => h.pattern)).not.toContain('cluster-dns');
    const ownFault = [signals[2], signals[3]].map((s) => ({ ...s, scope: { nodes: ['n5'] } }));
    expect(diagnose(ownFault, t0).hypotheses.map((h) => h.pattern)).toContain('cluster-dns');
  });

  it('does not call VIP timeouts on NotReady nodes broken routing', () => {
    const d = diagnose(
      [
        notReady('n1'),
        notReady('n2'),
        sig('in-cluster-api-unreachable', 'service/default/kubernetes', {
          nodes: ['n1', 'n2'],
          externalApiHealthy: true,
        }),
      ],
      t0,
    );
    expect(d.hypotheses.map((h) => h.pattern)).not.toContain('service-routing');
  });

  it('advises against restarting DNS when kube-proxy cannot sync, and links the version skew', () => {
    const d = diagnose(
      [
        sig(
          'proxy-sync-failing',
          'cluster',
          { nodes: ['n1', 'n2', 'n3'], staleNodes: ['n1', 'n2', 'n3'], failures: 40 },
          { severity: 'critical' },
        ),
        sig('version-skew', 'cluster', { component: 'kube-proxy', rule: 'kube-proxy-kubelet-same-minor' }),
      ],
      t0,
    );
    const [top] = d.hypotheses;
    expect(top.pattern).toBe('service-proxy-sync-failure');
    expect(top.severity).toBe('critical');
    expect(top.statement).toMatch(/version skew/);
    expect(top.ruledOut.find((r) => r.pattern === 'cluster-dns')?.why).toMatch(/do not restart CoreDNS/);
  });

  it('warns, not pages, on the first sparse kube-proxy failures', () => {
    const d = diagnose(
      [sig('proxy-sync-failing', 'cluster', { nodes: ['n7'], staleNodes: [], failures: 1 })],
      t0,
    );
    expect(d.hypotheses[0].severity).toBe('warning');
  });

  it('names a periodic node-local job over a generic node fault when onsets repeat at the same hour', () => {
    const d = diagnose(
      [
        notReady('p1'),
        notReady('p2'),
        sig('periodic-onset', 'cluster', {
          days: ['2023-10-08', '2023-10-09'],
          windowStart: '06:01',
          windowEnd: '07:13',
          nodes: ['p1', 'p2', 'p3'],
          distinguishingAttributes: ['version=1.27.6-do.0|1.28.2-do.0'],
        }),
        sig('agent-automatic-upgrade-scheduled', 'cluster', {
          nodes: ['p1', 'p2', 'p3'],
          timers: ['apt-daily-upgrade.timer'],
          schedules: ['*-*-* 06:00:00'],
        }),
        sig('agent-package-upgrade-failed', 'cluster', { nodes: ['p1'] }),
      ],
      t0,
    );
    expect(d.hypotheses[0].pattern).toBe('node-scheduled-job');
    expect(d.hypotheses[0].statement).toContain('apt-daily-upgrade.timer');
    const generic = d.hypotheses.find((h) => h.pattern === 'node-network');
    expect(generic === undefined || generic.confidence < d.hypotheses[0].confidence).toBe(true);
  });

  it('treats one node down as a single-node failure, and a cordoned node going down as maintenance', () => {
    expect(diagnose([notReady('n9')], t0).hypotheses.map((h) => h.pattern)).toEqual(['kubelet-failure']);
    expect(diagnose([notReady('n9', { notReadySeconds: 20 })], t0).hypotheses).toEqual([]);
    expect(
      diagnose([notReady('n9', { unschedulable: true }), notReady('n8', { unschedulable: true })], t0)
        .hypotheses,
    ).toEqual([]);
  });
});
