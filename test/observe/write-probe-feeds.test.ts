/**
 * The write probe read two ways from the same simulated moment: through the replay feed from
 * the scenario's start (dry-run creates served in-process by the simulator's request path),
 * and through the live feed over HTTPS (the same creates POSTed with `?dryRun=All`). A policy
 * webhook that fails closed starts serving a certificate for the wrong name; reads stay fine,
 * and both reads must name the webhook, the cause and the object tried.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { replayScenario } from '../../src/cli/scenario-replay.ts';
import type { Signal } from '../../src/detect/signal.ts';
import { writesRefused } from '../../src/detect/writes-refused.ts';
import { LiveFeed } from '../../src/kube/live-feed.ts';
import { ClusterView } from '../../src/observe/cluster-view.ts';
import { loadScenario } from '../../src/sim/scenario/loader.ts';
import { type Scenario, scenarioSchema } from '../../src/sim/scenario/schema.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { realClock } from '../../src/time/clock.ts';
import { OffsetClock } from '../../src/time/offset-clock.ts';
import { VirtualClock } from '../../src/time/virtual-clock.ts';
import { apiClientFor } from '../support/live-feed.ts';
import { serveSimCluster } from '../support/sim-cluster.ts';

const minute = 60_000;
const hook = 'validate.policy.example.com';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** The healthy baseline, quiet, with a policy webhook on ConfigMaps whose certificate goes wrong at +10m. */
async function badCertificate(): Promise<Scenario> {
  const input = structuredClone(await loadScenario('healthy-day')) as unknown as Record<string, unknown>;
  input.churn = { rollingDeploys: [], crashLoops: [], nodes: [] };
  input.cluster = {
    ...(input.cluster as object),
    admissionWebhooks: [
      {
        name: 'policy',
        webhook: hook,
        service: 'policy-system/policy',
        rules: [
          {
            operations: ['CREATE', 'UPDATE'],
            apiGroups: [''],
            apiVersions: ['v1'],
            resources: ['configmaps'],
          },
        ],
        namespaceSelector: 'kubernetes.io/metadata.name notin (kube-system, policy-system)',
        failurePolicy: 'Fail',
        timeoutSeconds: 10,
      },
    ],
  };
  const workloads = input.workloads as { namespaces: unknown[] };
  workloads.namespaces = [
    ...workloads.namespaces,
    {
      name: 'policy-system',
      deployments: [
        {
          name: 'policy',
          replicas: 2,
          containers: [{ name: 'webhook', image: 'ghcr.io/example/policy:1.4.0', ports: [8443] }],
          service: { ports: [{ port: 443, targetPort: 8443 }] },
        },
      ],
    },
  ];
  input.timeline = [
    {
      at: '+10m',
      fault: {
        type: 'webhook-certificate',
        webhook: 'policy',
        certificate: { dnsNames: ['policy-webhook'] },
      },
    },
  ];
  input.expected = {
    category: 'admission-webhook-failure',
    onset: '+10m',
    rootCause: 'the fault under test',
  };
  return scenarioSchema.parse(input);
}

const facts = (s: Signal) =>
  s.kind === 'writes-refused'
    ? {
        subject: s.subject,
        severity: s.severity,
        cause: s.facts.cause,
        webhook: s.facts.webhook,
        targets: s.facts.targets,
        lastStatus: s.facts.lastStatus,
        // The live client prefixes its server URL; the rest is the API server's own words.
        error: s.facts.lastError.replace(/^https:\/\/[^/]+/, ''),
      }
    : undefined;

const expected = {
  subject: `webhook/${hook}`,
  severity: 'critical',
  cause: 'x509',
  webhook: hook,
  targets: ['configmaps/default'],
  lastStatus: 500,
  error:
    '/api/v1/namespaces/default/configmaps: Internal error occurred: failed calling webhook "validate.policy.example.com": failed to call webhook: Post "https://policy.policy-system.svc:443/validate?timeout=10s": tls: failed to verify certificate: x509: certificate is valid for policy-webhook, not policy.policy-system.svc',
};

describe('the write probe: live and replay agree', () => {
  it('sees writes refused by a webhook whose certificate no longer fits, with reads unharmed', async () => {
    const scenario = await badCertificate();

    // Replay: nothing before the fault, the refusals after it.
    const before = await replayScenario(scenario, { forMs: 9 * minute });
    expect(writesRefused(before.view, before.endMs)).toEqual([]);
    expect(before.view.writeProbes.toArray().filter((p) => p.ok).length).toBeGreaterThan(10);
    const r = await replayScenario(scenario, { forMs: 14 * minute });
    const replayed = writesRefused(r.view, r.endMs);
    expect(replayed.map(facts)).toEqual([expected]);

    // Live: the same moment, served over HTTPS, probed twice as the live feed does every 30 s.
    const start = Date.parse(scenario.start);
    const simClock = new VirtualClock(start);
    const sim = new Simulator({ scenario, clock: simClock });
    await simClock.runUntil(start + 14 * minute);
    const cluster = await serveSimCluster(sim);
    cleanup.push(() => cluster.stop());
    const client = apiClientFor(cluster);
    const clock = new OffsetClock(realClock, () => client.serverOffsetMs);
    const view = new ClusterView();
    const feed = new LiveFeed({
      client,
      clock,
      sink: (obs) => view.apply(obs),
      resources: [],
      writeProbes: [{ kind: 'configmap', namespace: 'default' }],
    });
    // The served simulator waits on its virtual clock (the webhook call takes its time there):
    // keep it moving while the probes are out.
    let probing = true;
    const ticking = (async () => {
      while (probing) {
        await simClock.runFor(100);
        await realClock.sleep(5);
      }
    })();
    try {
      await feed.pollNow();
      await feed.pollNow();
    } finally {
      probing = false;
      await ticking;
      await feed.stop();
    }
    const live = writesRefused(view, clock.now());
    expect(live.map(facts)).toEqual([expected]);
    expect(live.map((s) => (s.kind === 'writes-refused' ? s.facts.failures : 0))).toEqual([2]);
  }, 240_000);
});
