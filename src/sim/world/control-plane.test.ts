/**
 * Emergence of control-plane faults on a quiet kubeadm baseline (upgrade-done-right without
 * its timeline or churn: three control-plane nodes with stacked etcd, six workers). Each
 * fault is injected low at +10m; the tests read the store and the control plane's own
 * state the way kubectl and the request path meet them.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../time/virtual-clock.ts';
import { resourceForKind } from '../api/resources.ts';
import { loadScenario } from '../scenario/loader.ts';
import { type Scenario, scenarioSchema } from '../scenario/schema.ts';
import { Simulator } from '../simulator.ts';

const podType = resourceForKind('Pod')!;
const nodeType = resourceForKind('Node')!;
const minute = 60_000;

interface PodView {
  metadata: { name?: string; labels?: Record<string, string> };
  spec?: { containers?: { livenessProbe?: { httpGet?: { path?: string; port?: number } } }[] };
  status?: {
    phase?: string;
    containerStatuses?: { ready: boolean; restartCount: number; state?: { waiting?: { reason?: string } } }[];
  };
}

async function quietControlPlane(timeline: unknown[], cluster: Record<string, unknown> = {}) {
  const base = await loadScenario('upgrade-done-right');
  const input = structuredClone(base) as unknown as Record<string, unknown>;
  input.churn = { rollingDeploys: [], crashLoops: [], nodes: [] };
  input.cluster = { ...(input.cluster as object), ...cluster };
  input.timeline = timeline;
  if (timeline.length)
    input.expected = { category: 'control-plane-degraded', onset: '+10m', rootCause: 'the fault under test' };
  const scenario: Scenario = scenarioSchema.parse(input);
  const start = Date.parse(scenario.start);
  const clock = new VirtualClock(start);
  const sim = new Simulator({ scenario, clock, tls: false });
  const at = (m: number) => clock.runUntil(start + m * minute);
  const pod = (name: string) =>
    (sim.store.listObjects(podType, 'kube-system') as unknown as PodView[]).find(
      (p) => p.metadata.name === name,
    )!;
  const restarts = (name: string) => pod(name).status?.containerStatuses?.[0]?.restartCount ?? 0;
  const notReadyNodes = () =>
    (
      sim.store.listObjects(nodeType) as unknown as {
        metadata: { name: string };
        status: { conditions: { type: string; status: string }[] };
      }[]
    )
      .filter((n) => n.status.conditions.find((c) => c.type === 'Ready')?.status !== 'True')
      .map((n) => n.metadata.name);
  return { sim, at, pod, restarts, notReadyNodes, stop: () => sim.stop() };
}

const fault = (f: Record<string, unknown>, healAt = '+40m') => [
  { at: '+10m', fault: { id: 'f', ...f } },
  { at: healAt, heal: { fault: 'f' } },
];

describe('the control plane as static pods', () => {
  it('a quiet baseline: four kubeadm static pods per control-plane node, Running and Ready, no restarts', async () => {
    const w = await quietControlPlane([]);
    await w.at(60);
    for (const node of ['cp-0', 'cp-1', 'cp-2']) {
      for (const c of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
        const p = w.pod(`${c}-${node}`);
        expect(p.metadata.labels).toEqual({ component: c, tier: 'control-plane' });
        expect(p.status?.phase).toBe('Running');
        expect(p.status?.containerStatuses?.[0]).toMatchObject({ ready: true, restartCount: 0 });
      }
    }
    // kubeadm 1.29: the apiserver probes /livez on 6443; etcd still /health?exclude=NOSPACE&serializable=true.
    expect(w.pod('kube-apiserver-cp-0').spec?.containers?.[0].livenessProbe?.httpGet).toMatchObject({
      path: '/livez',
      port: 6443,
    });
    expect(w.pod('etcd-cp-0').spec?.containers?.[0].livenessProbe?.httpGet).toMatchObject({
      path: '/health?exclude=NOSPACE&serializable=true',
      port: 2381,
    });
    expect(w.sim.controlPlane.unusable()).toBe(false);
    expect(w.notReadyNodes()).toEqual([]);
    await w.stop();
  });

  it('etcd crashing on one member: it crash-loops, its apiserver is cut off, quorum and the cluster hold', async () => {
    const w = await quietControlPlane(fault({ type: 'etcd-member-down', members: { names: ['cp-1'] } }));
    await w.at(30);
    expect(w.restarts('etcd-cp-1')).toBeGreaterThanOrEqual(4);
    expect(w.restarts('etcd-cp-0')).toBe(0);
    const cp = w.sim.controlPlane;
    expect(cp.quorum()).toBe(true);
    expect(cp.replica(cp.member('cp-1')!).etcd).toBe('member-down');
    expect(cp.replica(cp.member('cp-0')!).etcd).toBeUndefined();
    expect(w.restarts('kube-controller-manager-cp-0')).toBe(0);
    expect(w.notReadyNodes()).toEqual([]);
    await w.at(45);
    expect(cp.replica(cp.member('cp-1')!).etcd).toBeUndefined();
    await w.stop();
  });

  it('etcd losing quorum: in-cluster clients lose the API, the leading controller-manager and scheduler restart once', async () => {
    const w = await quietControlPlane(fault({ type: 'etcd-member-down', members: { count: 2 } }));
    await w.at(30);
    const cp = w.sim.controlPlane;
    expect(cp.quorum()).toBe(false);
    expect(cp.unusable()).toBe(true);
    // Nothing can be written: kubelets' statuses and the node lifecycle controller freeze.
    expect(w.notReadyNodes()).toEqual([]);
    await w.at(50);
    expect(cp.unusable()).toBe(false);
    expect(w.restarts('kube-controller-manager-cp-0')).toBe(1);
    expect(w.restarts('kube-scheduler-cp-0')).toBe(1);
    expect(w.restarts('kube-controller-manager-cp-1')).toBe(0);
    expect(w.restarts('etcd-cp-0')).toBeGreaterThanOrEqual(4);
    // CoreDNS needs the API through the VIP and gave up while it was gone.
    const dns = (w.sim.store.listObjects(podType, 'kube-system') as unknown as PodView[]).filter(
      (p) => p.metadata.labels?.['k8s-app'] === 'kube-dns',
    );
    expect(dns.every((p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) > 0)).toBe(true);
    const kcmLog = w.sim.logs.lines(
      'kube-system',
      'kube-controller-manager-cp-0',
      'kube-controller-manager',
      true,
    );
    expect(kcmLog?.map((l) => l.text).join('\n')).toMatch(
      /failed to renew lease kube-system\/kube-controller-manager: timed out waiting for the condition\n.*"leaderelection lost"/,
    );
    await w.stop();
  });

  it('kube-apiserver crashing on every replica closes the endpoint, and it opens again when healed', async () => {
    const w = await quietControlPlane(fault({ type: 'apiserver-crash' }, '+20m'));
    await w.at(15);
    expect(w.sim.faults.current.unreachable).toBe('refuse');
    await w.at(30);
    expect(w.sim.faults.current.unreachable).toBeUndefined();
    expect(w.restarts('kube-apiserver-cp-0')).toBeGreaterThanOrEqual(3);
    const last = w.sim.logs.lines('kube-system', 'kube-apiserver-cp-0', 'kube-apiserver', true);
    expect(last?.at(-1)?.text).toMatch(
      /^E\d{4} [\d:.]+ +1 run\.go:72\] "command failed" err="open \/etc\/kubernetes\/pki\/apiserver\.crt: no such file or directory"$/,
    );
    await w.stop();
  });

  it('a full etcd database: writes stop cluster-wide (kubelets cannot post), reads and DNS keep working', async () => {
    const w = await quietControlPlane(fault({ type: 'etcd-database-full' }));
    await w.at(30);
    const cp = w.sim.controlPlane;
    expect(cp.writable()).toBe(false);
    expect(cp.unusable()).toBe(false);
    const etcdLog = w.sim.logs.lines('kube-system', 'etcd-cp-0', 'etcd', false)?.map((l) => l.text);
    expect(
      etcdLog?.some((l) => JSON.parse(l).msg === 'alarm raised' && JSON.parse(l).alarm === 'NOSPACE'),
    ).toBe(true);
    await w.stop();
  });

  it('a full etcd database: the node lifecycle controller cannot write either, so nodes keep their last Ready status', async () => {
    // node_lifecycle_controller.go tryUpdateNodeHealth: the NodeStatusUnknown update is a
    // write; etcd refuses it (database space exceeded) and the Node keeps Ready=True, only
    // its Lease's renewTime goes stale. Nothing is tainted, no pod is marked not ready.
    const w = await quietControlPlane(fault({ type: 'etcd-database-full' }));
    await w.at(30);
    expect(w.notReadyNodes()).toEqual([]);
    await w.at(50);
    expect(w.notReadyNodes()).toEqual([]);
    await w.stop();
  });

  it('a full etcd database under kubeadm before 1.25: plain /health probes fail on NOSPACE, the kubelet kills etcd again and again', async () => {
    // kubeadm < 1.25 probes etcd on plain /health (kubernetes PR #110744 added
    // exclude=NOSPACE); /health answers 503 while the alarm is raised, so liveness (8 × 10 s)
    // kills each member, and after every restart the startup probe (10 s + 24 × 10 s) does.
    const w = await quietControlPlane(fault({ type: 'etcd-database-full' }, '+60m'), {
      kubernetesVersion: 'v1.22.14',
    });
    await w.at(5);
    expect(w.pod('etcd-cp-0').spec?.containers?.[0].livenessProbe?.httpGet).toMatchObject({
      path: '/health',
    });
    await w.at(40);
    // The current instance logs why it stopped; the kubelets cannot post status meanwhile.
    const last = w.sim.logs.lines('kube-system', 'etcd-cp-0', 'etcd', true)?.map((l) => l.text) ?? [];
    expect(
      last.some((l) => (JSON.parse(l) as { msg?: string }).msg === 'received signal; shutting down'),
    ).toBe(true);
    // Once the alarm is cleared the counts show: first kill 80 s after the alarm, then
    // ~4 min of startup probe plus back-off each time.
    await w.at(62);
    for (const node of ['cp-0', 'cp-1', 'cp-2']) expect(w.restarts(`etcd-${node}`)).toBeGreaterThanOrEqual(5);
    // The kubelets' Unhealthy/Killing events are writes too: refused while the alarm holds.
    // Healed: no more kills.
    const before = w.restarts('etcd-cp-0');
    await w.at(80);
    expect(w.restarts('etcd-cp-0')).toBe(before);
    await w.stop();
  });

  it('a full etcd database under kubeadm 1.25+: the probes exclude NOSPACE, etcd keeps running', async () => {
    const w = await quietControlPlane(fault({ type: 'etcd-database-full' }));
    await w.at(45);
    expect(w.restarts('etcd-cp-0')).toBe(0);
    await w.stop();
  });

  const agent = {
    name: 'node-agent',
    serviceAccount: 'monitoring/node-agent',
    verb: 'list',
    resource: 'pods',
    every: '30s',
    perNode: true,
  };
  const rejected = (w: Awaited<ReturnType<typeof quietControlPlane>>) =>
    w.sim.metrics.value('apiserver_flowcontrol_rejected_requests_total', {
      flow_schema: 'service-accounts',
      priority_level: 'workload-low',
      reason: 'queue-full',
    });

  it('a per-node agent listing pods every 30 s is load within capacity: nothing rejected', async () => {
    const w = await quietControlPlane([], { apiClients: [agent] });
    await w.at(30);
    w.sim.metrics.render();
    expect(rejected(w)).toBe(0);
    const served = w.sim.metrics.value('apiserver_flowcontrol_dispatched_requests_total', {
      flow_schema: 'service-accounts',
      priority_level: 'workload-low',
    });
    // Nine nodes, one list each per 30 s, for 30 minutes.
    expect(served).toBeGreaterThanOrEqual(535);
    expect(served).toBeLessThanOrEqual(541);
    await w.stop();
  });

  it('the same agent in a relist loop saturates workload-low: its requests are rejected with 429', async () => {
    const w = await quietControlPlane(
      fault({ type: 'api-client-surge', client: 'node-agent', factor: 500_000 }),
      {
        apiClients: [agent],
      },
    );
    await w.at(9);
    w.sim.metrics.render();
    expect(rejected(w)).toBe(0);
    await w.at(20);
    w.sim.metrics.render();
    expect(rejected(w)).toBeGreaterThan(0);
    const state = w.sim.load.levels().get('workload-low')!;
    expect(state.utilization).toBeGreaterThan(1);
    await w.stop();
  });

  it('kubelet client certificates expiring on the workers: they go NotReady, kube-apiserver logs why; renewal heals', async () => {
    const w = await quietControlPlane([
      {
        at: '+10m',
        fault: { id: 'f', type: 'certificate-expires', certificate: 'kubelets', pools: ['workers'] },
      },
      { at: '+25m', action: { type: 'renew-certificates', which: ['kubelets'] } },
    ]);
    await w.at(9);
    expect(w.notReadyNodes()).toEqual([]);
    await w.at(20);
    expect(w.notReadyNodes().sort()).toEqual([
      'worker-0',
      'worker-1',
      'worker-2',
      'worker-3',
      'worker-4',
      'worker-5',
    ]);
    const log =
      w.sim.logs.lines('kube-system', 'kube-apiserver-cp-0', 'kube-apiserver', false)?.map((l) => l.text) ??
      [];
    expect(
      log.some((l) =>
        l.includes(
          '"Unable to authenticate the request" err="[x509: certificate has expired or is not yet valid: current time 2024-06-11T08:',
        ),
      ),
    ).toBe(true);
    await w.at(30);
    expect(w.notReadyNodes()).toEqual([]);
    await w.stop();
  });

  it('the serving certificate expiring: no client gets through, in the cluster or outside', async () => {
    const w = await quietControlPlane([], { certificates: { apiServer: { notAfter: '+10m' } } });
    await w.at(9);
    expect(w.sim.controlPlane.unusable()).toBe(false);
    await w.at(11);
    expect(w.sim.controlPlane.servingCertificateExpired()).toBe(true);
    expect(w.sim.controlPlane.unusable()).toBe(true);
    // Pods dialling the kubernetes VIP reach it and fail the handshake, as Go words it.
    expect(w.sim.world?.deps.check('worker-0', ['api'])?.error).toMatch(
      /^Get "https:\/\/10\.96\.0\.1:443\/api\?timeout=32s": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2024-06-11T08:1\d:\d\dZ is after 2024-06-11T08:10:00Z$/,
    );
    await w.stop();
  });
});
