/**
 * Emergence, fault by fault: each fault of the library is injected into a quiet copy of
 * the healthy baseline (no churn, no other timeline), and the symptoms a real cluster
 * would show must appear where the fault is and nowhere else. Nothing here scripts a
 * symptom; the tests read the store the way kubectl would.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../time/virtual-clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { loadScenario } from '../scenario/loader.ts';
import { type Fault, type Scenario, scenarioSchema } from '../scenario/schema.ts';
import { Simulator } from '../simulator.ts';

const nodeType = resourceForKind('Node')!;
const podType = resourceForKind('Pod')!;
const eventType = resourceForKind('Event')!;
const minute = 60_000;
// A node that holds no single-replica dependency (redis sits on ip-10-0-1-0), so its loss
// leaves the pods on the other nodes healthy.
const target = 'ip-10-0-1-3';

interface NodeView {
  spec?: { taints?: { key: string; effect: string }[] };
  status?: {
    conditions?: { type: string; status: string; reason?: string }[];
    nodeInfo?: Record<string, string>;
  };
}
interface PodView {
  spec?: { nodeName?: string };
  status?: {
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      name: string;
      restartCount: number;
      ready: boolean;
      state?: { waiting?: { reason?: string } };
    }[];
  };
}

async function withFault(
  fault: Record<string, unknown>,
  forMs: number,
  o: { apiEndpoint?: string; dnsVersion?: string } = {},
) {
  const base = await loadScenario('healthy-day');
  const input = structuredClone(base) as unknown as Record<string, unknown>;
  if (o.apiEndpoint)
    (input.cluster as { controlPlane: { endpoint: string } }).controlPlane.endpoint = o.apiEndpoint;
  if (o.dnsVersion) (input.cluster as { dns: { version: string } }).dns.version = o.dnsVersion;
  input.churn = { rollingDeploys: [], crashLoops: [], nodes: [] };
  input.timeline = [{ at: '+10m', fault: { id: 'under-test', ...fault } }];
  // Scoring only; the simulator never reads it, but the schema wants a faulty file to say so.
  input.expected = { category: 'kubelet-failure', onset: '+10m', rootCause: 'the fault under test' };
  const scenario: Scenario = scenarioSchema.parse(input);
  const start = Date.parse(scenario.start);
  const clock = new VirtualClock(start);
  const sim = new Simulator({ scenario, clock, tls: false });
  await clock.runUntil(start + 10 * minute + forMs);
  const nodes = sim.store.listObjects(nodeType) as (KubeObject & NodeView)[];
  const pods = (sim.store.listObjects(podType) as (KubeObject & PodView)[]).filter(
    (p) => !p.metadata.deletionTimestamp,
  );
  const ready = (n: string) =>
    nodes.find((x) => x.metadata.name === n)?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  const podsOn = (n: string) => pods.filter((p) => p.spec?.nodeName === n);
  const unhealthy = (p: KubeObject & PodView) =>
    p.status?.containerStatuses?.some((c) => !c.ready || c.state?.waiting?.reason === 'CrashLoopBackOff') ??
    true;
  const others = nodes.map((n) => n.metadata.name ?? '').filter((n) => n !== target);
  const stop = () => sim.stop();
  return {
    sim,
    nodes,
    pods,
    ready,
    podsOn,
    unhealthy,
    others,
    stop,
    events: () => sim.store.listObjects(eventType),
  };
}

/** Cluster DNS is down while the machines are fine: every node stays Ready, apps elsewhere lose lookups. */
function expectDnsLostNodesReady(w: Awaited<ReturnType<typeof withFault>>): void {
  for (const n of w.nodes) expect(w.ready(n.metadata.name ?? '')).toBe('True');
  const needDns = w.pods.filter(
    (p) =>
      p.metadata.namespace !== 'kube-system' && w.unhealthy(p) && w.others.includes(p.spec?.nodeName ?? ''),
  );
  expect(needDns.length).toBeGreaterThan(0);
}

describe('faults, one at a time', () => {
  it('kubelet-stop: the node goes Unknown and tainted unreachable; the other nodes and their pods are fine', async () => {
    const w = await withFault(
      { type: 'kubelet-stop', nodes: { names: [target] } } satisfies Partial<Fault>,
      3 * minute,
    );
    expect(w.ready(target)).toBe('Unknown');
    const n = w.nodes.find((x) => x.metadata.name === target)!;
    expect(n.spec?.taints?.map((t) => `${t.key}:${t.effect}`)).toContain(
      'node.kubernetes.io/unreachable:NoExecute',
    );
    for (const o of w.others) expect(w.ready(o)).toBe('True');
    expect(w.others.flatMap((o) => w.podsOn(o)).filter(w.unhealthy)).toEqual([]);
    await w.stop();
  });

  it('kubelet-flap: most status updates fail and the node flips NotReady and back', async () => {
    const w = await withFault(
      { type: 'kubelet-flap', nodes: { names: [target] }, statusUpdateFailureRate: 0.97 },
      30 * minute,
    );
    const flips = w
      .events()
      .filter(
        (e) =>
          (e as { reason?: string; involvedObject?: { name?: string } }).involvedObject?.name === target &&
          ['NodeNotReady', 'NodeReady'].includes((e as { reason?: string }).reason ?? ''),
      );
    expect(flips.length).toBeGreaterThan(0);
    for (const o of w.others) expect(w.ready(o)).toBe('True');
    await w.stop();
  });

  it('node-network total: the node is lost to the control plane; pods elsewhere keep serving', async () => {
    const w = await withFault(
      { type: 'node-network', nodes: { names: [target] }, loss: 'total' },
      3 * minute,
    );
    expect(w.ready(target)).toBe('Unknown');
    expect(w.sim.nodeReachable(target)).toBe(false);
    expect(w.others.flatMap((o) => w.podsOn(o)).filter(w.unhealthy)).toEqual([]);
    await w.stop();
  });

  it('node-dns: pods on that node that need DNS go unready or serve errors; the node stays Ready, other nodes are fine', async () => {
    const w = await withFault(
      { type: 'node-dns', nodes: { names: [target] }, affects: ['pods'] },
      5 * minute,
    );
    expect(w.ready(target)).toBe('True');
    // catalog, cart and checkout report unready when a need fails; the frontend serves errors.
    const unreadyApps = w
      .podsOn(target)
      .filter((p) => ['catalog', 'cart', 'checkout'].includes(p.metadata.labels?.app ?? ''));
    expect(unreadyApps.every(w.unhealthy)).toBe(true);
    const frontends = w.podsOn(target).filter((p) => p.metadata.labels?.app === 'frontend');
    expect(unreadyApps.length + frontends.length).toBeGreaterThan(0);
    if (frontends.length) {
      const controllers = w.pods.filter((p) => p.metadata.labels?.app === 'ingress-nginx-controller');
      const text = controllers
        .map((c) => w.sim.nodeProxy.lookup(`pods/${c.metadata.namespace}/${c.metadata.name}`, 10254))
        .map((h) => h?.({ method: 'GET', path: '/metrics', query: new URLSearchParams() }).body ?? '')
        .join('\n');
      expect(text).toMatch(/service="frontend",status="500"\} \d+/);
    }
    expect(w.others.flatMap((o) => w.podsOn(o)).filter(w.unhealthy)).toEqual([]);
    await w.stop();
  });

  it("node-dns on the host: a kubelet that names its API server by hostname loses it and the node goes Unknown; the agent's resolver check says why", async () => {
    // healthy-day's endpoint is an EKS hostname, as managed control planes give.
    const w = await withFault(
      { type: 'node-dns', nodes: { names: [target] }, affects: ['host'] },
      3 * minute,
    );
    expect(w.ready(target)).toBe('Unknown');
    const n = w.nodes.find((x) => x.metadata.name === target)!;
    const resolver = n.status?.conditions?.find((c) => c.type === 'NodeResolverUnhealthy');
    expect(resolver?.status).toBe('True');
    for (const o of w.others) expect(w.ready(o)).toBe('True');
    expect(w.others.flatMap((o) => w.podsOn(o)).filter(w.unhealthy)).toEqual([]);
    await w.stop();
  });

  it('node-dns on the host: a kubelet that dials its API server by address keeps the node Ready', async () => {
    const w = await withFault(
      { type: 'node-dns', nodes: { names: [target] }, affects: ['host'] },
      3 * minute,
      {
        apiEndpoint: 'https://10.0.0.10:6443',
      },
    );
    expect(w.ready(target)).toBe('True');
    await w.stop();
  });

  it('node-scheduled-job breaking the host resolver: after the run the node resolver fails and the kubelet loses its API server by name', async () => {
    const w = await withFault(
      {
        type: 'node-scheduled-job',
        nodes: { names: [target] },
        job: {
          name: 'apt-daily-upgrade.timer',
          onCalendar: '*-*-* 00:12:00',
          runtime: { min: '1m', max: '1m' },
          changes: { packages: ['systemd=237-3ubuntu10.54'] },
        },
        breaks: { when: 'always', probability: 1, effect: 'host-dns-broken' },
      },
      8 * minute,
    );
    expect(w.ready(target)).toBe('Unknown');
    const n = w.nodes.find((x) => x.metadata.name === target)!;
    expect(n.status?.conditions?.find((c) => c.type === 'NodeResolverUnhealthy')?.status).toBe('True');
    // Cluster DNS still answers the node's pods: only the host's resolver is broken.
    expect(n.status?.conditions?.find((c) => c.type === 'ClusterDNSUnhealthy')?.status).toBe('False');
    // The agent's last-run record names what the run upgraded (docs/node-agent-report.md).
    const upgrade = n.status?.conditions?.find((c) => c.type === 'PackageUpgradeInProgress') as
      | { status: string; message?: string }
      | undefined;
    expect(upgrade?.status).toBe('False');
    expect(upgrade?.message).toContain('lastPackages=1 lastNotable=systemd@237-3ubuntu10.54');
    for (const o of w.others) expect(w.ready(o)).toBe('True');
    await w.stop();
  });

  it('service-routing to the API VIP: CoreDNS crash-loops everywhere while every node stays Ready', async () => {
    const w = await withFault(
      { type: 'service-routing', services: ['default/kubernetes'], clearedBy: [] },
      8 * minute,
    );
    const dns = w.pods.filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-dns');
    expect(dns.length).toBe(2);
    expect(dns.every((p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) > 0)).toBe(true);
    for (const n of w.nodes) expect(w.ready(n.metadata.name ?? '')).toBe('True');
    const log = w.sim.logs.lines('kube-system', dns[0].metadata.name ?? '', 'coredns', true) ?? [];
    expect(log.map((l) => l.text).join('\n')).toContain('dial tcp 172.20.0.1:443: i/o timeout');
    await w.stop();
  });

  it('dns-overload: every CoreDNS replica is OOMKilled again and again; apps lose DNS on every node, nodes stay Ready', async () => {
    const w = await withFault({ type: 'dns-overload', runsFor: '30s' }, 8 * minute);
    const dns = w.pods.filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-dns');
    expect(dns.length).toBe(2);
    for (const p of dns) {
      const status = (
        p.status as { containerStatuses?: { restartCount: number; lastState?: { terminated?: object } }[] }
      ).containerStatuses?.[0];
      expect(status?.restartCount).toBeGreaterThan(1);
      expect(status?.lastState?.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
      // Killed at the limit: it writes no last line of its own.
      const log = w.sim.logs.lines('kube-system', p.metadata.name ?? '', 'coredns', true) ?? [];
      expect(log.map((l) => l.text)).not.toContain('');
    }
    expectDnsLostNodesReady(w);
    await w.stop();
  });

  it('dns-overload with a range of run lengths: each replica is OOMKilled on its own schedule, not all at once', async () => {
    // CoreDNS issue 3388: three replicas at a 170Mi limit restarted 836, 379 and 164 times,
    // each after running a different while; the kernel kills each cgroup when it fills.
    const w = await withFault({ type: 'dns-overload', runsFor: '4m', runsForMax: '20m' }, 90 * minute);
    const dns = w.pods.filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-dns');
    expect(dns.length).toBe(2);
    const last = dns.map((p) => {
      const s = (
        p.status as {
          containerStatuses?: {
            restartCount: number;
            lastState?: { terminated?: { reason?: string; exitCode?: number; finishedAt?: string } };
          }[];
        }
      ).containerStatuses?.[0];
      expect(s?.restartCount).toBeGreaterThan(1);
      expect(s?.lastState?.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
      return { restarts: s?.restartCount ?? 0, at: Date.parse(s?.lastState?.terminated?.finishedAt ?? '') };
    });
    // Drawn anew on every start: the replicas drift apart.
    expect(Math.abs(last[0].at - last[1].at)).toBeGreaterThan(minute);
    for (const n of w.nodes) expect(w.ready(n.metadata.name ?? '')).toBe('True');
    await w.stop();
  });

  it("dns-forward-loop: every CoreDNS replica exits at start-up with the loop plugin's fatal line; apps lose DNS, nodes stay Ready", async () => {
    // CoreDNS loop plugin: forwarding to the node's 127.0.0.53 stub reaches CoreDNS itself;
    // the start-up HINFO probe is seen more than twice and log.Fatalf exits (coredns/coredns#2087).
    const w = await withFault({ type: 'dns-forward-loop' }, 5 * minute);
    const dns = w.pods.filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-dns');
    expect(dns.length).toBe(2);
    for (const p of dns) {
      const status = (
        p.status as {
          containerStatuses?: {
            restartCount: number;
            ready: boolean;
            lastState?: { terminated?: object };
          }[];
        }
      ).containerStatuses?.[0];
      expect(status?.restartCount).toBeGreaterThan(1);
      expect(status?.ready).toBe(false);
      expect(status?.lastState?.terminated).toMatchObject({ reason: 'Error', exitCode: 1 });
      const log = w.sim.logs.lines('kube-system', p.metadata.name ?? '', 'coredns', true) ?? [];
      expect(log.map((l) => l.text).join('\n')).toMatch(
        /\[FATAL\] plugin\/loop: Loop \(127\.0\.0\.1:\d+ -> :53\) detected for zone "\.", see https:\/\/coredns\.io\/plugins\/loop#troubleshooting\. Query: "HINFO \d+\.\d+\."/,
      );
    }
    expectDnsLostNodesReady(w);
    await w.stop();
  });

  it("dns-forward-loop on CoreDNS 1.2.x: the loop plugin's first wording, the probe seen more than twice", async () => {
    const w = await withFault({ type: 'dns-forward-loop' }, 3 * minute, { dnsVersion: '1.2.2' });
    const dns = w.pods.filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-dns');
    const log = w.sim.logs.lines('kube-system', dns[0].metadata.name ?? '', 'coredns', true) ?? [];
    expect(log.map((l) => l.text).join('\n')).toMatch(
      /\[FATAL\] plugin\/loop: Seen "HINFO IN \d+\.\d+\." more than twice, loop detected/,
    );
    await w.stop();
  });

  it('api-server-unreachable from outside only: the endpoint hangs for clients, the cluster inside runs on', async () => {
    const w = await withFault({ type: 'api-server-unreachable', from: ['outside'] }, 3 * minute);
    expect(w.sim.faults.current.unreachable).toBe('hang');
    for (const n of w.nodes) expect(w.ready(n.metadata.name ?? '')).toBe('True');
    await w.stop();
  });

  it('api-server-degraded: answers slow down and fail at the given rate; it heals after its duration', async () => {
    const w = await withFault(
      { type: 'api-server-degraded', latency: '2s', errorRate: 0.2, status: 503, duration: '1h' },
      3 * minute,
    );
    expect(w.sim.faults.current.latencyMs).toBe(2000);
    expect(w.sim.faults.current.errors).toEqual({ rate: 0.2, code: 503 });
    await w.stop();
  });

  it('node-reboot: the node is down for its downtime, comes back with a new boot id and restarted containers', async () => {
    const w = await withFault(
      { type: 'node-reboot', nodes: { names: [target] }, downtime: '3m' },
      8 * minute,
    );
    expect(w.ready(target)).toBe('True');
    const rebooted = w.events().some((e) => (e as { reason?: string }).reason === 'Rebooted');
    expect(rebooted).toBe(true);
    const restarted = w
      .podsOn(target)
      .filter((p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) > 0);
    expect(restarted.length).toBeGreaterThan(0);
    await w.stop();
  });

  it('node-replace: the machine is deleted and a new one joins its pool', async () => {
    const w = await withFault(
      { type: 'node-replace', nodes: { names: [target] }, replacementAfter: '2m' },
      6 * minute,
    );
    const names = w.nodes.map((n) => n.metadata.name);
    expect(names).not.toContain(target);
    expect(names.filter((n) => n?.startsWith('ip-10-0-1-')).length).toBe(6);
    expect(w.pods.filter((p) => p.spec?.nodeName === target)).toEqual([]);
    await w.stop();
  });

  it('component-version-change by the provider: the kubelet version moves with no other symptom', async () => {
    const w = await withFault(
      {
        type: 'component-version-change',
        component: 'kubelet',
        to: 'v1.29.3-eks-ae9a62a',
        nodes: { names: [target] },
      },
      5 * minute,
    );
    const n = w.nodes.find((x) => x.metadata.name === target)!;
    expect(n.status?.nodeInfo?.kubeletVersion).toBe('v1.29.3-eks-ae9a62a');
    expect(w.ready(target)).toBe('True');
    await w.stop();
  });
});
