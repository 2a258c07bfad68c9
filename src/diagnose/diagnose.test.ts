/**
 * diagnose() itself, over the whole catalogue: ranking, findings kept apart, look-alike
 * verdicts worked out from the look-alikes' own evaluations, the honest unknown, and what
 * changed before the onset. What each pattern concludes is in its table (catalogue/*.cases.ts).
 */
import { describe, expect, it } from 'vitest';
import type { SourceFamily } from '../detect/signal-kinds.ts';
import { edgeTraffic } from './catalogue/edge-traffic.ts';
import { catalogue } from './catalogue/index.ts';
import { tables } from './catalogue/tables.ts';
import { diagnose } from './diagnose.ts';
import { evaluate, judgeLookAlike } from './engine.ts';
import {
  apiUnreachable,
  change,
  crashLoop,
  edgeProbe,
  flapping,
  hour,
  min,
  notReady,
  source,
  spread,
  t0,
} from './fixtures.ts';
import type { Hypothesis } from './hypothesis.ts';
import { SignalQuery } from './query.ts';
import { namingFloor, unknownPattern } from './unknown.ts';

const three = ['n1', 'n2', 'n3'];
const wave = [
  notReady('n1'),
  flapping('n2'),
  flapping('n3'),
  spread(three, { onsetSpanMinutes: 25, notReadyNow: 1, wentNotReady60m: 3 }),
];
const appsOnThem = [crashLoop('api', 'pilot', ['n1', 'n2']), crashLoop('api', 'tiles', ['n2', 'n3'])];
/** The three nodes took a new kernel an hour before the first of them went down (20 min ago). */
const kernelOnThem = change(
  'node-kernel',
  { nodes: three, count: 3, from: '5.15.0-1061-azure', to: '5.15.0-1064-azure' },
  { sinceMs: t0 - 80 * min },
);
const fresh = (...families: SourceFamily[]) => families.map((f) => source(f));
const nodeSources = fresh('reflector/nodes', 'reflector/leases', 'reflector/pods', 'reflector/deployments');

function verdict(h: Hypothesis | undefined, pattern: string) {
  return h?.ruledOut.find((r) => r.pattern === pattern);
}

describe('diagnose', () => {
  it('ranks cluster hypotheses by confidence and keeps a workload’s own trouble a finding', () => {
    const d = diagnose([...wave, ...appsOnThem, kernelOnThem, crashLoop('shop', 'cart', ['n4', 'n5'])], t0);
    expect(d.hypotheses.map((h) => [h.pattern, h.confidence])).toEqual([
      ['node-image-regression', 0.7],
      ['node-network', 0.6],
      // The apps fail only on the nodes that took the kernel, but those nodes are down themselves.
      ['upgrade-regression', 0.4],
    ]);
    expect(d.hypotheses.every((h) => h.clusterLevel)).toBe(true);
    expect(d.findings.map((f) => [f.pattern, f.clusterLevel, f.blastRadius.workloads])).toEqual([
      ['app-bug', false, ['shop/Deployment/cart']],
    ]);
  });

  it('rules a look-alike out by quoting the requirement it lacks', () => {
    const [top] = diagnose([...wave, ...appsOnThem], t0).hypotheses;
    expect(top.pattern).toBe('node-network');
    expect(verdict(top, 'control-plane-unreachable')).toMatchObject({
      verdict: 'ruled-out',
      why: expect.stringContaining(
        "it needs the API server leaving kubetriage's probes and watches unanswered, and that is not seen",
      ),
    });
    expect(verdict(top, 'node-image-regression')?.why).toContain(
      'taking a new kernel, OS image, kubelet or runtime',
    );
  });

  it('rules a look-alike out by quoting the clause against it', () => {
    // Nodes went down 20 min before kubetriage lost the API: both hold, the node story less.
    const [top] = diagnose([...wave, ...appsOnThem, apiUnreachable()], t0).hypotheses;
    expect(top.pattern).toBe('control-plane-unreachable');
    expect(verdict(top, 'node-network')).toMatchObject({
      verdict: 'ruled-out',
      why: 'Network fault on the nodes, spreading from node to node: the API server does not answer kubetriage either',
    });
  });

  it('says a look-alike was not checked when the source that would show it gave no data', () => {
    const [top] = diagnose([...wave, ...appsOnThem, ...nodeSources, source('probe', 'stale')], t0).hypotheses;
    expect(top.pattern).toBe('node-network');
    expect(verdict(top, 'control-plane-unreachable')).toMatchObject({
      verdict: 'not-checked',
      why: expect.stringContaining('not checked, no data from probe'),
      evidence: [expect.objectContaining({ ref: 'source/probe' })],
    });
    // With the probes delivering, the same silence rules it out.
    const [again] = diagnose([...wave, ...appsOnThem, ...nodeSources, source('probe')], t0).hypotheses;
    expect(verdict(again, 'control-plane-unreachable')?.verdict).toBe('ruled-out');
  });

  it("says a look-alike's support was not checked, not unseen, when its source is forbidden to kubetriage", () => {
    // The public URL fails; the ingress counters that would show whether the ingress itself
    // answers 5xx are refused (the opt-in proxy role not granted): their silence proves nothing.
    const signals = [edgeProbe('https://shop.example.com/'), source('probe-url')];
    const judged = (ingress: ReturnType<typeof source>) => {
      const q = new SignalQuery([...signals, ingress], t0);
      return judgeLookAlike(edgeTraffic, evaluate(edgeTraffic, q), 0.9, q);
    };
    const forbidden = judged(source('metrics/ingress', 'forbidden'));
    expect(forbidden?.verdict).toBe('weaker');
    expect(forbidden?.why).toContain(
      "not checked, no data from metrics/ingress (forbidden to kubetriage's role): the ingress controller counts no 5xx",
    );
    expect(forbidden?.why).not.toContain('not seen');
    // Scraped, and still without the clause, it was looked for and not seen.
    const q = new SignalQuery([...signals, source('metrics/ingress')], t0);
    expect(judgeLookAlike(edgeTraffic, evaluate(edgeTraffic, q), 0.9, q)?.why).not.toContain('not checked');
  });

  it('says the cause is not identified when nothing explains clear trouble, with all it considered', () => {
    // Every node of a small cluster NotReady at once, with no node agent, logs or kube-proxy metrics.
    const everyNode = [
      notReady('n1'),
      notReady('n2'),
      notReady('n3'),
      spread(three, { totalNodes: 3, notReadyNow: 3 }),
    ];
    const d = diagnose(
      [
        ...everyNode,
        ...appsOnThem,
        ...nodeSources,
        source('probe'),
        source('agent', 'never'),
        source('logs', 'never'),
        source('metrics/kube-proxy', 'stale'),
      ],
      t0,
    );
    const [top] = d.hypotheses;
    expect(top).toMatchObject({ pattern: unknownPattern, confidence: namingFloor, severity: 'critical' });
    expect(top.considered?.map((c) => c.pattern).sort()).toEqual(
      catalogue
        .filter((p) => p.clusterLevel)
        .map((p) => p.id)
        .sort(),
    );
    expect(top.considered?.[0]).toMatchObject({
      pattern: 'node-network',
      confidence: 0.4,
      shortBy: expect.stringContaining('all 3 nodes went NotReady together'),
    });
    // Events, outside probes and the write probe are missing too: the webhook, registry and edge patterns could not be checked.
    expect(top.wouldDecide).toEqual([
      'agent',
      'logs',
      'metrics/kube-apiserver',
      'metrics/kube-proxy',
      'probe-url',
      'probe-write',
      'reflector/events',
    ]);
    expect(top.nextSteps.at(-1)?.say).toContain(
      'missing sources (agent, logs, metrics/kube-apiserver, metrics/kube-proxy, probe-url, probe-write, reflector/events)',
    );
  });

  it('leaves no template syntax in what it says, in any table case', () => {
    // Commands keep theirs (jsonpath braces); statements and steps are prose.
    const said = tables.flatMap((t) =>
      t.cases.flatMap((c) => {
        const d = diagnose(c.signals, t0);
        return [...d.hypotheses, ...d.findings].flatMap((h) => [
          h.statement,
          ...h.nextSteps.map((s) => s.say),
        ]);
      }),
    );
    expect(said.length).toBeGreaterThan(100);
    expect(said.filter((text) => /[[\]{}]/.test(text))).toEqual([]);
  });

  it('lists what changed before the onset, best scope match first', () => {
    const controlPlane = change(
      'control-plane-version',
      { from: 'v1.28.9', to: 'v1.29.4' },
      { sinceMs: t0 - 3 * hour },
    );
    const elsewhere = change(
      'rollout',
      { workload: 'shop/Deployment/cart', namespace: 'shop' },
      { sinceMs: t0 - 30 * min },
    );
    const dayBefore = change('node-kernel', { nodes: three, count: 3 }, { sinceMs: t0 - 30 * hour });
    const afterOnset = change('node-labels', { nodes: three, count: 3 }, { sinceMs: t0 - 5 * min });
    const [top] = diagnose(
      [...wave, ...appsOnThem, kernelOnThem, controlPlane, elsewhere, dayBefore, afterOnset],
      t0,
    ).hypotheses;
    expect(top.pattern).toBe('node-image-regression');
    expect(top.changes?.map((c) => [c.text, c.scopeMatch, c.fleetWide])).toEqual([
      [kernelOnThem.summary, 1, false],
      [controlPlane.summary, 0.5, true],
    ]);
  });
});
