/**
 * Emergence of admission-webhook failures on a quiet copy of the healthy baseline, with a
 * policy webhook whose server runs in the cluster (policy-system/policy, two replicas).
 * The faults are low (the server scaled away, slow, serving the wrong certificate); the
 * tests read what an operator reads: FailedCreate events, replicas short, nodes NotReady,
 * the webhook metrics.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../time/virtual-clock.ts';
import { resourceForKind } from '../api/resources.ts';
import { loadScenario } from '../scenario/loader.ts';
import { type Scenario, scenarioSchema } from '../scenario/schema.ts';
import { Simulator } from '../simulator.ts';

const eventType = resourceForKind('Event')!;
const nodeType = resourceForKind('Node')!;
const minute = 60_000;

const policyServer = {
  name: 'policy-system',
  deployments: [
    {
      name: 'policy',
      replicas: 2,
      containers: [{ name: 'webhook', image: 'ghcr.io/example/policy:1.4.0', ports: [8443] }],
      service: { ports: [{ port: 443, targetPort: 8443 }] },
    },
  ],
};

const podWebhook = (o: Record<string, unknown> = {}) => ({
  name: 'policy',
  webhook: 'validate.policy.example.com',
  service: 'policy-system/policy',
  rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
  namespaceSelector: 'kubernetes.io/metadata.name notin (kube-system, policy-system)',
  ...o,
});

async function withWebhook(
  webhook: Record<string, unknown>,
  timeline: unknown[],
  writers: unknown[] = [],
  o: { cluster?: Record<string, unknown>; server?: unknown } = {},
) {
  const base = await loadScenario('healthy-day');
  const input = structuredClone(base) as unknown as Record<string, unknown>;
  input.churn = { rollingDeploys: [], crashLoops: [], nodes: [] };
  input.cluster = { ...(input.cluster as object), admissionWebhooks: [webhook], writers, ...o.cluster };
  const workloads = input.workloads as { namespaces: unknown[] };
  workloads.namespaces = [...workloads.namespaces, o.server ?? policyServer];
  input.timeline = timeline;
  if (timeline.some((e) => (e as { fault?: unknown }).fault))
    input.expected = { category: 'control-plane-degraded', onset: '+10m', rootCause: 'the fault under test' };
  const scenario: Scenario = scenarioSchema.parse(input);
  const start = Date.parse(scenario.start);
  const clock = new VirtualClock(start);
  const sim = new Simulator({ scenario, clock, tls: false });
  const warnings = (reason: string) =>
    (
      sim.store.listObjects(eventType) as unknown as { reason: string; message: string; type: string }[]
    ).filter((e) => e.reason === reason && e.type === 'Warning');
  const notReady = () =>
    (
      sim.store.listObjects(nodeType) as unknown as {
        status: { conditions: { type: string; status: string }[] };
      }[]
    ).filter((n) => n.status.conditions.find((c) => c.type === 'Ready')?.status !== 'True').length;
  return {
    sim,
    at: (m: number) => clock.runUntil(start + m * minute),
    warnings,
    notReady,
    stop: () => sim.stop(),
  };
}

/** A controller that stamps the ConfigMap it owns every minute, and logs in frontend's pods when it cannot. */
const configSync = {
  name: 'config-sync',
  kind: 'ConfigMap',
  namespace: 'shop',
  object: 'settings',
  every: '1m',
  logsTo: 'shop/frontend',
};

const restartShop = { at: '+15m', action: { type: 'restart-workload', workload: 'shop/catalog' } };

describe('admission webhooks', () => {
  it('a healthy webhook: rollouts create their pods, nothing fails, every call is counted', async () => {
    const w = await withWebhook(podWebhook(), [restartShop]);
    await w.at(30);
    expect(w.warnings('FailedCreate')).toEqual([]);
    const calls = w.sim.metrics.value('apiserver_admission_webhook_request_total', {
      code: '200',
      name: 'validate.policy.example.com',
      operation: 'CREATE',
      rejected: 'false',
      type: 'validating',
    });
    expect(calls).toBeGreaterThan(0);
    await w.stop();
  });

  it('a control plane outside the pod network (EKS with an overlay CNI): calls to a pod time out, to a hostNetwork pod they land', async () => {
    const cluster = { cni: { kind: 'calico', version: 'v3.19.1', controlPlaneReachesPods: false } };
    const w = await withWebhook(podWebhook(), [restartShop], [], { cluster });
    await w.at(30);
    const failed = w.warnings('FailedCreate');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0].message).toMatch(
      /failed calling webhook "validate\.policy\.example\.com": failed to call webhook: Post "https:\/\/policy\.policy-system\.svc:443\/validate\?timeout=10s": context deadline exceeded$/,
    );
    await w.stop();
    const onHost = structuredClone(policyServer) as { deployments: Record<string, unknown>[] };
    onHost.deployments[0].hostNetwork = true;
    const h = await withWebhook(podWebhook(), [restartShop], [], { cluster, server: onHost });
    await h.at(30);
    expect(h.warnings('FailedCreate')).toEqual([]);
    await h.stop();
  });

  it('a namespace’s labels from the scenario are on its Namespace, where namespaceSelectors read them', async () => {
    const server = { ...policyServer, labels: { 'policy.example.com/enforce': 'true' } };
    // Only namespaces carrying the label are sent to the webhook: its own namespace, whose pods
    // then fail closed while its server is scaled away; shop's rollout is untouched.
    const selective = podWebhook({ namespaceSelector: 'policy.example.com/enforce = true' });
    const w = await withWebhook(
      selective,
      [
        { at: '+5m', action: { type: 'scale-workload', workload: 'policy-system/policy', replicas: 0 } },
        { at: '+6m', action: { type: 'scale-workload', workload: 'policy-system/policy', replicas: 2 } },
        restartShop,
      ],
      [],
      { server },
    );
    await w.at(30);
    const ns = w.sim.store.find(resourceForKind('Namespace')!, '', 'policy-system');
    expect(ns?.metadata.labels).toMatchObject({ 'policy.example.com/enforce': 'true' });
    const failed = w.warnings('FailedCreate');
    expect(failed.length).toBeGreaterThan(0);
    expect(
      failed.every(
        (e) =>
          (e as unknown as { involvedObject: { namespace: string } }).involvedObject.namespace ===
          'policy-system',
      ),
    ).toBe(true);
    await w.stop();
  });

  it('its server scaled to zero: pod creation fails closed with the real error, naming the webhook', async () => {
    const w = await withWebhook(podWebhook(), [
      { at: '+10m', action: { type: 'scale-workload', workload: 'policy-system/policy', replicas: 0 } },
      restartShop,
    ]);
    await w.at(30);
    const failed = w.warnings('FailedCreate');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0].message).toBe(
      'Error creating: Internal error occurred: failed calling webhook "validate.policy.example.com": failed to call webhook: Post "https://policy.policy-system.svc:443/validate?timeout=10s": no endpoints available for service "policy"',
    );
    await w.stop();
  });

  it('with failurePolicy Ignore the same outage lets pods through and counts the fail-open', async () => {
    const w = await withWebhook(podWebhook({ failurePolicy: 'Ignore' }), [
      { at: '+10m', action: { type: 'scale-workload', workload: 'policy-system/policy', replicas: 0 } },
      restartShop,
    ]);
    await w.at(30);
    expect(w.warnings('FailedCreate')).toEqual([]);
    expect(
      w.sim.metrics.value('apiserver_admission_webhook_fail_open_count', {
        name: 'validate.policy.example.com',
        type: 'validating',
      }),
    ).toBeGreaterThan(0);
    await w.stop();
  });

  it('a certificate for the wrong names: x509 in the error', async () => {
    const w = await withWebhook(podWebhook(), [
      {
        at: '+10m',
        fault: {
          type: 'webhook-certificate',
          webhook: 'policy',
          certificate: { dnsNames: ['policy-webhook', 'policy-webhook.default.svc'] },
        },
      },
      restartShop,
    ]);
    await w.at(30);
    expect(w.warnings('FailedCreate')[0]?.message).toMatch(
      /: tls: failed to verify certificate: x509: certificate is valid for policy-webhook, policy-webhook\.default\.svc, not policy\.policy-system\.svc$/,
    );
    await w.stop();
  });

  it('a certificate that expires: calls fail from that moment, with the times in the error', async () => {
    const w = await withWebhook(podWebhook({ certificate: { notAfter: '+12m' } }), [restartShop]);
    await w.at(30);
    expect(w.warnings('FailedCreate')[0]?.message).toMatch(
      /x509: certificate has expired or is not yet valid: current time 2024-03-06T00:1\d:\d\dZ is after 2024-03-06T00:12:00Z$/,
    );
    await w.stop();
  });

  it('a broad webhook that also matches leases, its server too slow: leases stop, nodes flap NotReady', async () => {
    const broad = podWebhook({
      rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }],
      namespaceSelector: undefined,
    });
    const w = await withWebhook(broad, [
      { at: '+10m', fault: { type: 'webhook-server', webhook: 'policy', effect: 'slow', latency: '15s' } },
    ]);
    const nodeNotReady = () =>
      (
        w.sim.store.listObjects(eventType) as unknown as { reason: string; source?: { component?: string } }[]
      ).filter((e) => e.reason === 'NodeNotReady' && e.source?.component === 'node-controller').length;
    await w.at(9);
    expect(nodeNotReady()).toBe(0);
    await w.at(15);
    // `*` matches leases but not nodes/status: the kubelets' status posts still land, so
    // every node goes Unknown when its lease is stale and Ready again when it posts.
    expect(nodeNotReady()).toBeGreaterThanOrEqual(7);
    await w.stop();
  });

  it('a broad webhook failing open but with a 30 s timeout, its server hanging: the kubelets’ heartbeats time out first', async () => {
    // The OPA tutorial's configuration of 2019 (admissionregistration v1beta1: failurePolicy
    // Ignore, timeoutSeconds 30): the apiserver waits 30 s and then lets the write through,
    // but the kubelet's heartbeat client gave up after 10 s, so no lease is renewed.
    const broad = podWebhook({
      rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }],
      namespaceSelector: undefined,
      failurePolicy: 'Ignore',
      timeoutSeconds: 30,
    });
    const hanging = (latency: string) =>
      withWebhook(broad, [
        { at: '+10m', fault: { type: 'webhook-server', webhook: 'policy', effect: 'slow', latency } },
      ]);
    const nodeNotReady = (w: Awaited<ReturnType<typeof hanging>>) =>
      (
        w.sim.store.listObjects(eventType) as unknown as { reason: string; source?: { component?: string } }[]
      ).filter((e) => e.reason === 'NodeNotReady' && e.source?.component === 'node-controller').length;
    const w = await hanging('60s');
    await w.at(15);
    expect(nodeNotReady(w)).toBeGreaterThanOrEqual(7);
    await w.stop();
    const quick = await hanging('5s');
    await quick.at(15);
    expect(nodeNotReady(quick)).toBe(0);
    await quick.stop();
  });

  it('after heartbeats through a hanging webhook recover, the kubelets put back the pods the node controller marked not Ready', async () => {
    const broad = podWebhook({
      rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }],
      namespaceSelector: undefined,
    });
    const w = await withWebhook(broad, [
      {
        at: '+10m',
        fault: { id: 'hang', type: 'webhook-server', webhook: 'policy', effect: 'slow', latency: '60s' },
      },
      { at: '+20m', heal: { fault: 'hang' } },
    ]);
    const dnsReady = () =>
      (
        w.sim.store.listObjects(resourceForKind('Pod')!, 'kube-system') as unknown as {
          metadata: { labels?: Record<string, string> };
          status?: { conditions?: { type: string; status: string }[] };
        }[]
      ).filter(
        (p) =>
          p.metadata.labels?.['k8s-app'] === 'kube-dns' &&
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
    await w.at(9);
    expect(dnsReady()).toBe(2);
    await w.at(32);
    expect(w.notReady()).toBe(0);
    expect(dnsReady()).toBe(2);
    await w.stop();
  });

  it('a control-plane upgrade with a hanging webhook on ConfigMaps: the restarted kube-apiserver cannot finish ca-registration and crash-loops', async () => {
    // Jetstack's GKE outage (2019): the post-start hook's update of
    // kube-system/extension-apiserver-authentication waited on an OPA webhook that did not
    // answer; the replica failed its health checks and the upgrade halted there.
    const broad = podWebhook({
      rules: [
        { operations: ['CREATE', 'UPDATE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['configmaps'] },
      ],
      namespaceSelector: undefined,
      failurePolicy: 'Ignore',
      timeoutSeconds: 30,
    });
    const upgrade = { type: 'upgrade', component: 'control-plane', to: 'v1.30.0-eks-1' };
    const w = await withWebhook(broad, [
      { at: '+10m', fault: { type: 'webhook-server', webhook: 'policy', effect: 'slow', latency: '60s' } },
      { at: '+12m', action: upgrade },
      { at: '+20m', action: { type: 'delete-webhook', webhook: 'policy' } },
    ]);
    await w.at(11);
    expect(w.sim.controlPlane.allDown()).toBe(false);
    await w.at(16);
    expect(w.sim.controlPlane.allDown()).toBe(true);
    await w.at(24);
    expect(w.sim.controlPlane.allDown()).toBe(false);
    await w.stop();
    const healthy = await withWebhook(broad, [{ at: '+12m', action: upgrade }]);
    await healthy.at(16);
    expect(healthy.sim.controlPlane.allDown()).toBe(false);
    await healthy.stop();
  });

  it('a webhook on Jobs only, its server gone: the CronJob’s Jobs fail, the other writers’ writes land', async () => {
    const jobsOnly = podWebhook({
      rules: [{ operations: ['CREATE'], apiGroups: ['batch'], apiVersions: ['v1'], resources: ['jobs'] }],
    });
    const writers = [{ name: 'nightly-report', kind: 'Job', namespace: 'shop', every: '5m' }, configSync];
    const w = await withWebhook(
      jobsOnly,
      [{ at: '+10m', action: { type: 'scale-workload', workload: 'policy-system/policy', replicas: 0 } }],
      writers,
    );
    await w.at(30);
    const failed = w.warnings('FailedCreate');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0].message).toBe(
      'Error creating job: Internal error occurred: failed calling webhook "validate.policy.example.com": failed to call webhook: Post "https://policy.policy-system.svc:443/validate?timeout=10s": no endpoints available for service "policy"',
    );
    const settings = w.sim.store.find(resourceForKind('ConfigMap')!, 'shop', 'settings');
    expect(settings?.metadata.annotations?.['config-sync/last-sync']).toBe('2024-03-06T00:30:00Z');
    await w.stop();
  });

  it('a full etcd: the controller updating its ConfigMap logs etcd’s refusal in its pods', async () => {
    const writers = [configSync];
    const w = await withWebhook(
      podWebhook(),
      [{ at: '+10m', fault: { type: 'etcd-database-full' } }],
      writers,
    );
    await w.at(15);
    const pod = (
      w.sim.store.listObjects(resourceForKind('Pod')!, 'shop') as {
        metadata: { name?: string; labels?: Record<string, string> };
      }[]
    ).find((p) => p.metadata.labels?.app === 'frontend')!;
    const log = w.sim.logs.lines('shop', pod.metadata.name!, 'web', false)?.map((l) => l.text) ?? [];
    expect(log.at(-1)).toMatch(
      /^E0306 00:1\d:00\.000000 +1 controller\.go:316\] "Failed to update ConfigMap" err="etcdserver: mvcc: database space exceeded" configmap="shop\/settings"$/,
    );
    await w.stop();
  });
});
