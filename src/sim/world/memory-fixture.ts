/**
 * Memory fixtures for tests: the quiet healthy baseline (no churn, no other timeline)
 * with a workload given memory limits or a leak, run in virtual time. The emergence test
 * and the kubectl test both use it.
 */
import { VirtualClock } from '../../time/virtual-clock.ts';
import type { KubeObject } from '../api/k8s-types.ts';
import { resourceForKind } from '../api/resources.ts';
import { loadScenario } from '../scenario/loader.ts';
import { type Scenario, scenarioSchema } from '../scenario/schema.ts';
import { Simulator } from '../simulator.ts';

const nodeType = resourceForKind('Node')!;
const podType = resourceForKind('Pod')!;
const eventType = resourceForKind('Event')!;
export const minute = 60_000;

export interface NodeView {
  spec?: { taints?: { key: string; effect: string }[] };
  status?: {
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}
export interface PodView {
  metadata: KubeObject['metadata'];
  spec?: { nodeName?: string; containers?: { name: string; resources?: unknown }[] };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    containerStatuses?: {
      name: string;
      restartCount: number;
      state?: { waiting?: { reason?: string } };
      lastState?: { terminated?: { reason?: string; exitCode?: number } };
    }[];
  };
}
export interface EventView {
  involvedObject: { kind: string; name: string; namespace?: string };
  reason: string;
  message: string;
  type: string;
}

type Edit = (input: Record<string, unknown>) => void;

/** The quiet baseline with the workloads edited and the timeline given; runs in steps. */
export async function quietWorld(edit: Edit, timeline: unknown[]) {
  const base = await loadScenario('healthy-day');
  const input = structuredClone(base) as unknown as Record<string, unknown>;
  input.churn = { rollingDeploys: [], crashLoops: [], nodes: [] };
  input.timeline = timeline;
  input.expected = { category: 'workload-exhausts-node', onset: '+10m', rootCause: 'the fault under test' };
  edit(input);
  const scenario: Scenario = scenarioSchema.parse(input);
  const start = Date.parse(scenario.start);
  const clock = new VirtualClock(start);
  const sim = new Simulator({ scenario, clock, tls: false });
  const nodes = () => sim.store.listObjects(nodeType) as (KubeObject & NodeView)[];
  const pods = () => sim.store.listObjects(podType) as (KubeObject & PodView)[];
  const events = () => sim.store.listObjects(eventType) as unknown as EventView[];
  const condition = (n: KubeObject & NodeView, type: string) =>
    n.status?.conditions?.find((c) => c.type === type);
  return {
    sim,
    at: (ms: number) => clock.runUntil(start + ms),
    nodes,
    pods,
    events,
    condition,
  };
}

type Shop = { namespaces: { name: string; deployments: Record<string, unknown>[] }[] };
export const shop = (input: Record<string, unknown>) =>
  (input.workloads as Shop).namespaces.find((n) => n.name === 'shop')!;

/** shop/cart leaks 50Mi/min from +10m under a 256Mi limit (request 128Mi, steady 100Mi). */
export const limitedLeak = {
  edit: (input: Record<string, unknown>) => {
    const cart = shop(input).deployments.find((d) => d.name === 'cart')!;
    const [c] = cart.containers as Record<string, unknown>[];
    c.resources = { memory: '128Mi', limits: { memory: '256Mi' } };
    c.usage = { memory: '100Mi' };
  },
  timeline: [
    { at: '+10m', fault: { id: 'leak', type: 'memory-leak', workload: 'shop/cart', rate: '50Mi/min' } },
  ],
};

/** Every pool at 4 GiB; shop/leaky (one replica, request 64Mi, no limit) leaks 200Mi/min from +10m. */
export const unlimitedLeak = {
  edit: (input: Record<string, unknown>) => {
    const pools = (input.cluster as { nodePools: Record<string, unknown>[] }).nodePools;
    for (const p of pools) p.capacity = { cpu: 2, memory: '4Gi', pods: 110 };
    shop(input).deployments.push({
      name: 'leaky',
      replicas: 1,
      containers: [{ name: 'leaky', image: 'shop/leaky:1.0', resources: { memory: '64Mi' } }],
    });
  },
  timeline: [
    { at: '+10m', fault: { id: 'leak', type: 'memory-leak', workload: 'shop/leaky', rate: '200Mi/min' } },
  ],
};
