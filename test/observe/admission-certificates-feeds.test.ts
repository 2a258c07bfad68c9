/**
 * The admission inventory and the certificates on the cluster's call paths, read two ways
 * from the same simulated moment: through the replay feed, and through the live feed over
 * HTTPS (the webhook configurations by their reflectors, the API server's serving
 * certificate from a TLS handshake of its own). Both must name the same webhooks and
 * certificates in the same state.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { replayScenario } from '../../src/cli/scenario-replay.ts';
import { admissionInventory } from '../../src/detect/admission-inventory.ts';
import { certificateValidity } from '../../src/detect/certificate-validity.ts';
import type { Signal } from '../../src/detect/signal.ts';
import { LiveFeed } from '../../src/kube/live-feed.ts';
import { watchedResources } from '../../src/kube/observations.ts';
import { ClusterView } from '../../src/observe/cluster-view.ts';
import { type Scenario, scenarioSchema } from '../../src/sim/scenario/schema.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { minute, networkScenario } from '../../src/sim/world/network-fixture.ts';
import { realClock } from '../../src/time/clock.ts';
import { OffsetClock } from '../../src/time/offset-clock.ts';
import { VirtualClock } from '../../src/time/virtual-clock.ts';
import { apiClientFor } from '../support/live-feed.ts';
import { serveSimCluster } from '../support/sim-cluster.ts';
import { waitFor } from '../support/wait-for.ts';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const detect = (view: ClusterView, nowMs: number): Signal[] => [
  ...admissionInventory(view, nowMs),
  ...certificateValidity(view, nowMs),
];

/** The network fixture with a policy webhook (pods, every namespace, failing closed) and its server. */
function withPolicyWebhook(timeline: unknown[]): Scenario {
  const input = structuredClone(networkScenario()) as unknown as Record<string, unknown>;
  const cluster = input.cluster as Record<string, unknown>;
  const webhook = {
    name: 'policy',
    webhook: 'validate.policy.example.com',
    service: 'policy-system/policy',
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    failurePolicy: 'Fail',
  };
  cluster.admissionWebhooks = [webhook];
  (input.workloads as { namespaces: unknown[] }).namespaces.push({
    name: 'policy-system',
    deployments: [
      {
        name: 'policy',
        replicas: 2,
        containers: [{ name: 'webhook', image: 'ghcr.io/example/policy:1.4.0', ports: [8443] }],
        service: { ports: [{ port: 443, targetPort: 8443 }] },
      },
    ],
  });
  input.timeline = timeline.map((e) =>
    (e as { action?: { type?: string } }).action?.type === 'apply-webhook'
      ? { ...(e as object), action: { type: 'apply-webhook', webhook: { ...webhook, timeoutSeconds: 5 } } }
      : e,
  );
  if (timeline.some((e) => (e as { fault?: unknown }).fault))
    input.expected = { category: 'certificate-expiry', onset: '+5m', rootCause: 'the fault under test' };
  return scenarioSchema.parse(input);
}

/** [kind, subject, severity, the facts both feeds must agree on], sorted. */
function summary(signals: Signal[]) {
  return signals
    .map((s) => {
      const f =
        s.kind === 'admission-webhook'
          ? {
              backendState: s.facts.backendState,
              caBundle: s.facts.caBundle,
              caDaysLeft: s.facts.caDaysLeft,
              changed: s.facts.changed,
              failsClosedOnSystemWrites: s.facts.failsClosedOnSystemWrites,
              timeoutSeconds: s.facts.timeoutSeconds,
              risks: s.facts.risks,
            }
          : s.kind === 'certificate-validity'
            ? {
                state: s.facts.state,
                subject: s.facts.subject,
                authorizationError: s.facts.authorizationError,
                // The live server's certificate is dated by the real clock, the replay's by the scenario's.
                ...(s.facts.holder === 'webhook-ca' ? { daysLeft: s.facts.daysLeft } : {}),
              }
            : null;
      return [s.kind, s.subject, s.severity, f] as const;
    })
    .sort((a, b) => `${a[0]} ${a[1]}`.localeCompare(`${b[0]} ${b[1]}`));
}

async function replayed(scenario: Scenario, forMs: number) {
  const r = await replayScenario(scenario, { forMs });
  return summary(detect(r.view, r.endMs));
}

/**
 * The same moment read by the live feed; watching from `watchFromMs` when given (to see
 * changes as they happen), `synced` false when no request can get through.
 */
async function live(
  scenario: Scenario,
  forMs: number,
  o: { watchFromMs?: number; until?: (v: ClusterView) => boolean; synced?: boolean } = {},
) {
  const start = Date.parse(scenario.start);
  const simClock = new VirtualClock(start);
  const sim = new Simulator({ scenario, clock: simClock });
  await simClock.runUntil(start + (o.watchFromMs ?? forMs));
  const cluster = await serveSimCluster(sim);
  cleanup.push(() => cluster.stop());
  await sim.certificateServed();
  const client = apiClientFor(cluster);
  const view = new ClusterView();
  // The cluster's time (the simulator's Date header), as `kubetriage scan` runs; before any
  // answer, the scenario's clock.
  const clock = new OffsetClock(realClock, () => client.serverOffsetMs || simClock.now() - realClock.now());
  const feed = new LiveFeed({ client, clock, sink: (obs) => view.apply(obs) });
  feed.start();
  try {
    if (o.synced !== false)
      await waitFor('initial sync', () => watchedResources.every((r) => view.synced(r)));
    if (o.watchFromMs !== undefined) {
      await simClock.runUntil(start + forMs);
      await waitFor('the watches deliver what happened', () => o.until?.(view) ?? true);
    }
    await feed.pollNow();
  } finally {
    await feed.stop();
  }
  return summary(detect(view, clock.now()));
}

describe('admission inventory and certificates: live and replay agree', () => {
  it("a policy webhook's server scaled away after its configuration changed: no ready endpoints, fails closed on system pods", async () => {
    const scenario = withPolicyWebhook([
      { at: '+5m', action: { type: 'apply-webhook' } },
      { at: '+6m', action: { type: 'scale-workload', workload: 'policy-system/policy', replicas: 0 } },
    ]);
    const r = await replayed(scenario, 12 * minute);
    const l = await live(scenario, 12 * minute, {
      watchFromMs: 4 * minute,
      until: (v) =>
        v.get('validatingwebhookconfigurations', 'policy')?.metadata.generation === 2 &&
        !v.list('pods').some((p) => p.metadata.namespace === 'policy-system'),
    });
    expect(r).toEqual([
      [
        'admission-webhook',
        'webhook/validate.policy.example.com',
        'warning',
        {
          backendState: 'no-ready-endpoints',
          caBundle: 'valid',
          caDaysLeft: 334,
          changed: 'updated',
          failsClosedOnSystemWrites: true,
          timeoutSeconds: 5,
          risks: ['no-ready-endpoints', 'fails-closed-on-system-writes'],
        },
      ],
      [
        'certificate-validity',
        'certificate/kube-apiserver',
        'info',
        { state: 'valid', subject: 'CN=kube-apiserver', authorizationError: '' },
      ],
      [
        'certificate-validity',
        'certificate/validatingwebhookconfiguration/policy',
        'info',
        {
          state: 'valid',
          subject: 'O=policy-system, CN=policy.policy-system.svc-ca',
          authorizationError: '',
          daysLeft: 334,
        },
      ],
    ]);
    expect(l).toEqual(r);
  }, 240_000);

  it("the API server's serving certificate expires: read from the handshake that now fails, expired, critical", async () => {
    const scenario = withPolicyWebhook([
      { at: '+5m', fault: { type: 'certificate-expires', certificate: 'apiServer' } },
    ]);
    const pick = (rows: Awaited<ReturnType<typeof replayed>>) =>
      rows.filter((x) => x[1] === 'certificate/kube-apiserver');
    const r = pick(await replayed(scenario, 10 * minute));
    const l = pick(await live(scenario, 10 * minute, { synced: false }));
    expect(r).toEqual([
      [
        'certificate-validity',
        'certificate/kube-apiserver',
        'critical',
        { state: 'expired', subject: 'CN=kube-apiserver', authorizationError: 'CERT_HAS_EXPIRED' },
      ],
    ]);
    expect(l).toEqual(r);
  }, 240_000);
});
