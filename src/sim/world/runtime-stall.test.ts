/**
 * The runtime-stall fault in a quiet copy of the healthy baseline: the runtime stops
 * answering on one node and the kubelet behaves as the real one does. The Lease keeps being
 * renewed while PLEG's relist hangs; after 3 min Ready is False with the PLEG message
 * (pkg/kubelet/pleg/generic.go Healthy, pkg/kubelet/runtime.go runtimeErrors), pod work
 * freezes, calls end in `context deadline exceeded`, and the node lifecycle controller taints
 * and evicts. Healing brings everything back with one catch-up.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../time/virtual-clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { loadScenario } from '../scenario/loader.ts';
import { type Scenario, scenarioSchema } from '../scenario/schema.ts';
import { Simulator } from '../simulator.ts';

const nodeType = resourceForKind('Node')!;
const podType = resourceForKind('Pod')!;
const eventType = resourceForKind('Event')!;
const leaseType = resourceForKind('Lease', 'coordination.k8s.io')!;
const minute = 60_000;
const target = 'ip-10-0-1-0';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}
interface PodView {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    containerStatuses?: { restartCount: number; state?: { waiting?: { reason?: string } } }[];
  };
}
interface EventView {
  reason?: string;
  message?: string;
  involvedObject?: { name?: string; kind?: string };
  source?: { host?: string };
}

async function stalled(fault: Record<string, unknown>, timeline: Record<string, unknown>[] = []) {
  const base = await loadScenario('healthy-day');
  const input = structuredClone(base) as unknown as Record<string, unknown>;
  input.churn = { rollingDeploys: [], crashLoops: [], nodes: [] };
  input.timeline = [
    { at: '+10m', fault: { id: 'stall', type: 'runtime-stall', nodes: { names: [target] }, ...fault } },
    ...timeline,
  ];
  input.expected = {
    category: 'container-runtime-failure',
    onset: '+10m',
    rootCause: 'the fault under test',
  };
  const scenario: Scenario = scenarioSchema.parse(input);
  const start = Date.parse(scenario.start);
  const clock = new VirtualClock(start);
  const sim = new Simulator({ scenario, clock, tls: false });
  const at = (ms: number) => clock.runUntil(start + 10 * minute + ms);
  const ready = (n = target) =>
    (
      sim.store.find(nodeType, '', n) as { status?: { conditions?: Condition[] } } | undefined
    )?.status?.conditions?.find((c) => c.type === 'Ready');
  const taints = () =>
    (
      (sim.store.find(nodeType, '', target) as { spec?: { taints?: { key: string; effect: string }[] } }).spec
        ?.taints ?? []
    ).map((t) => `${t.key}:${t.effect}`);
  const leaseAgeMs = () =>
    clock.now() -
    Date.parse(
      (sim.store.find(leaseType, 'kube-node-lease', target) as unknown as { spec: { renewTime: string } })
        .spec.renewTime,
    );
  const podsOn = (n = target) =>
    (sim.store.listObjects(podType) as (KubeObject & PodView)[]).filter((p) => p.spec?.nodeName === n);
  const events = (reason: string) =>
    (sim.store.listObjects(eventType) as EventView[]).filter((e) => e.reason === reason);
  return { sim, clock, at, ready, taints, leaseAgeMs, podsOn, events, stop: () => sim.stop() };
}

/** A pod bound to the node as a DaemonSet's is: it tolerates not-ready for good. */
function bindPod(w: Awaited<ReturnType<typeof stalled>>, name: string): void {
  w.sim.store.create(podType, {
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: target,
      containers: [{ name: 'app', image: 'app:1' }],
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }],
    },
  });
}

describe('runtime-stall', () => {
  it('keeps the Lease fresh while Ready goes False with the PLEG message after 3 min, then taints and evicts', async () => {
    const w = await stalled({});
    await w.at(2 * minute + 50_000);
    expect(w.ready()?.status).toBe('True');
    await w.at(3 * minute + 30_000);
    const ready = w.ready()!;
    expect(ready).toMatchObject({ status: 'False', reason: 'KubeletNotReady' });
    expect(ready.message).toMatch(
      /^PLEG is not healthy: pleg was last seen active 3m\d+(\.\d+)?s ago; threshold is 3m0s$/,
    );
    expect(w.leaseAgeMs()).toBeLessThan(15_000);
    expect(w.taints()).toContain('node.kubernetes.io/not-ready:NoExecute');
    // The message moves with each status sync; the transition time does not.
    const since = ready.lastTransitionTime;
    await w.at(5 * minute);
    expect(w.ready()?.lastTransitionTime).toBe(since);
    expect(w.ready()?.message).toMatch(/last seen active 4m/);
    // 300 s of toleration later the pods are deleted, and stay Terminating: nobody can kill them.
    await w.at(10 * minute);
    const evicted = w.podsOn().filter((p) => p.metadata.deletionTimestamp);
    expect(evicted.length).toBeGreaterThan(0);
    expect(w.events('TaintManagerEviction').length).toBeGreaterThan(0);
    // Other nodes stay Ready.
    expect(w.ready('ip-10-0-1-1')?.status).toBe('True');
    await w.stop();
  });

  it('adds "container runtime is down" when the Status call hangs too, in the aggregate form', async () => {
    const w = await stalled({ statusCheck: 'hangs' });
    await w.at(minute);
    expect(w.ready()).toMatchObject({ status: 'False', message: 'container runtime is down' });
    await w.at(3 * minute + 30_000);
    expect(w.ready()?.message).toMatch(
      /^\[container runtime is down, PLEG is not healthy: pleg was last seen active 3m[\d.]+s ago; threshold is 3m0s\]$/,
    );
    expect(w.leaseAgeMs()).toBeLessThan(15_000);
    await w.stop();
  });

  it('leaves a new pod in ContainerCreating with FailedCreatePodSandBox after the 4 min sandbox deadline', async () => {
    const w = await stalled({});
    await w.at(30_000);
    bindPod(w, 'late');
    await w.at(30_000 + 4 * minute + 5_000);
    const pod = w.podsOn().find((p) => p.metadata.name === 'late')!;
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.status?.containerStatuses?.[0].state?.waiting?.reason).toBe('ContainerCreating');
    const failed = w.events('FailedCreatePodSandBox').filter((e) => e.involvedObject?.name === 'late');
    expect(failed.map((e) => e.message)).toEqual([
      'Failed to create pod sandbox: rpc error: code = DeadlineExceeded desc = context deadline exceeded',
    ]);
    await w.stop();
  });

  it('a crawling runtime flaps the node, and deletions fail with FailedKillPod', async () => {
    const w = await stalled({ relistEvery: '4m' });
    await w.at(10_000);
    const victim = w.podsOn()[0];
    w.sim.store.delete(podType, victim.metadata.namespace ?? '', victim.metadata.name ?? '');
    const seen = new Set<string>();
    for (let t = 20_000; t <= 20 * minute; t += 20_000) {
      await w.at(t);
      seen.add(w.ready()?.status ?? '');
    }
    expect(seen).toEqual(new Set(['True', 'False']));
    const kills = w.events('FailedKillPod').filter((e) => e.involvedObject?.name === victim.metadata.name);
    expect(kills.length).toBeGreaterThan(0);
    expect(kills[0].message).toMatch(
      /^error killing pod: \[failed to "KillContainer" for "[a-z-]+" with KillContainerError: "rpc error: code = DeadlineExceeded desc = context deadline exceeded", .*failed to "KillPodSandbox" for "[^"]+" with KillPodSandboxError: "rpc error: code = DeadlineExceeded desc = context deadline exceeded"\]$/,
    );
    expect(w.podsOn().some((p) => p.metadata.name === victim.metadata.name)).toBe(true);
    await w.stop();
  });

  it('heals: Ready again, Terminating pods finish, waiting pods start', async () => {
    const w = await stalled({}, [{ at: '+20m', heal: { fault: 'stall' } }]);
    await w.at(30_000);
    bindPod(w, 'late');
    await w.at(9 * minute);
    expect(w.podsOn().some((p) => p.metadata.deletionTimestamp)).toBe(true);
    await w.at(11 * minute);
    expect(w.ready()?.status).toBe('True');
    expect(w.podsOn().filter((p) => p.metadata.deletionTimestamp)).toEqual([]);
    expect(w.podsOn().find((p) => p.metadata.name === 'late')?.status?.phase).toBe('Running');
    await w.stop();
  });

  it('io-saturation: the kernel names the runtime blocked on I/O after 120 s', async () => {
    const w = await stalled({ origin: 'io-saturation' });
    await w.at(3 * minute);
    const lines = w.sim.runner!.machines.kernelLog.lines(target).map((l) => l.text);
    expect(lines.some((l) => /^INFO: task containerd:\d+ blocked for more than 120 seconds\.$/.test(l))).toBe(
      true,
    );
    expect(w.sim.runner!.machines.kernelLog.lines('ip-10-0-1-1')).toEqual([]);
    await w.stop();
  });

  it('io-saturation: the watchdog names the blocked tasks every 120 s until its 10 warnings are spent', async () => {
    const w = await stalled({ origin: 'io-saturation' });
    const named = () =>
      w.sim
        .runner!.machines.kernelLog.lines(target)
        .filter((l) => /^INFO: task .* blocked for more than 120 seconds\.$/.test(l.text)).length;
    await w.at(5 * minute);
    expect(named()).toBe(4);
    await w.at(30 * minute);
    expect(named()).toBe(10);
    await w.stop();
  });

  it('io-saturation: the node agent reports NodeIOPressure on that node only, with the blocked tasks once the kernel names them', async () => {
    const w = await stalled({ origin: 'io-saturation' }, [{ at: '+40m', heal: { fault: 'stall' } }]);
    const io = (n = target) =>
      (
        w.sim.store.find(nodeType, '', n) as { status?: { conditions?: Condition[] } } | undefined
      )?.status?.conditions?.find((c) => c.type === 'NodeIOPressure');
    // PSI's 60 s average passes 30 % about 40 s into the stall; the check looks every 30 s.
    await w.at(90_000);
    expect(io()).toMatchObject({ status: 'True', reason: 'IOStalled' });
    expect(io()?.message).toMatch(/fullAvg60=(3\d|[4-6]\d)\.\d+ .*blockedTasks=0/);
    expect(io('ip-10-0-1-1')).toMatchObject({ status: 'False', reason: 'IOFlowing' });
    await w.at(3 * minute);
    expect(io()?.message).toMatch(/blockedTasks=2 tasks=containerd:\d+,jbd2\/nvme0n1p1-8:\d+/);
    // Healed at +30m: PSI's average decays, and the hung-task lines are long past 10 min.
    await w.at(33 * minute);
    expect(io()).toMatchObject({ status: 'False', reason: 'IOFlowing' });
    await w.stop();
  });

  it('a runtime stalled for its own reasons leaves NodeIOPressure False', async () => {
    const w = await stalled({});
    await w.at(4 * minute);
    const io = (
      w.sim.store.find(nodeType, '', target) as { status?: { conditions?: Condition[] } }
    ).status?.conditions?.find((c) => c.type === 'NodeIOPressure');
    expect(io).toMatchObject({ status: 'False', reason: 'IOFlowing' });
    await w.stop();
  });
});
