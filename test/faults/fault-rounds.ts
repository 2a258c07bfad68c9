/**
 * Rounds of one API fault against one running `serve` (fault-rig.ts): the cluster as it
 * is, the fault on for longer than the tracker needs to call trouble over, serve's rounds
 * going on, notes posted to the API meanwhile, the fault off, recovery. After every round
 * of serve it checks what the public and the record would see, and it counts what issue
 * 22 asks for: crashes, acknowledged writes lost, duplicated or unwarranted incidents,
 * and any public "operational" or clear while the fault blinds kubetriage.
 */
import { expect } from 'vitest';
import type { Incident } from '../../src/incident/incident.ts';
import type { StatusPage } from '../../src/publish/status-page.ts';
import type { KubeObject } from '../../src/sim/api/k8s-types.ts';
import { resourceForKind } from '../../src/sim/api/resources.ts';
import { rfc3339 } from '../../src/time/clock.ts';
import { waitFor } from '../support/wait-for.ts';
import type { FaultKind } from './fault-kinds.ts';
import { type FaultRig, trackerWindows } from './fault-rig.ts';

/** Errors that reached the top of the process: each one would have ended `serve`. */
export function watchCrashes(): { crashes: unknown[]; dispose(): void } {
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  return {
    crashes,
    dispose() {
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    },
  };
}

export interface Tally {
  rounds: number;
  /** serve's rounds run while the fault was on. */
  blindRounds: number;
  crashes: number;
  /** Incidents opened for the fault itself, all honest ones (kind.honest), slow readings apart. */
  faultIncidents: number;
  /** Incidents opened for anything else, or a second one for the same trouble: must be 0. */
  unwarranted: string[];
  /** Incidents for an API that answered slowly, and only slowly (see slowOnly). */
  slowReadings: string[];
  /** Times the real incident read as cleared, or the page as operational, while it was open. */
  clears: string[];
  acknowledged: number;
  lost: number;
}

/**
 * How long each fault lasts: half as long again as the tracker needs to move an incident
 * whose signals went quiet to Monitoring (fault-rig.ts trackerWindows), so a clear read
 * from missing data would show within the round.
 */
const faultLastsMs = trackerWindows.monitorAfterMs * 1.5;

/**
 * The real trouble: a kubelet stops (the machine halts) and the node turns NotReady, as
 * the node lifecycle controller leaves it once the lease is past its grace period: lease
 * last renewed two minutes ago, Ready Unknown for the last minute, the unreachable taints.
 */
export async function openRealIncident(rig: FaultRig): Promise<Incident> {
  const node = 'worker-2';
  rig.kubelets.get(node)!.halt();
  const store = rig.sim.store;
  const now = rig.clock.now();
  const leases = resourceForKind('Lease', 'coordination.k8s.io')!;
  const lease = store.get(leases, 'kube-node-lease', node);
  store.update(leases, { ...lease, spec: { ...(lease.spec as object), renewTime: rfc3339(now - 120_000) } });
  const nodes = resourceForKind('Node')!;
  const n = store.get(nodes, '', node) as KubeObject & {
    spec?: { taints?: unknown[] };
    status?: { conditions?: { type: string }[] };
  };
  const unknown = {
    type: 'Ready',
    status: 'Unknown',
    reason: 'NodeStatusUnknown',
    message: 'Kubelet stopped posting node status.',
    lastHeartbeatTime: rfc3339(now - 120_000),
    lastTransitionTime: rfc3339(now - 60_000),
  };
  const tainted = store.update(nodes, {
    ...n,
    spec: {
      ...n.spec,
      taints: [
        { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: rfc3339(now - 60_000) },
        { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: rfc3339(now - 60_000) },
      ],
    },
  });
  const conditions = (n.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
  store.update(
    nodes,
    { ...tainted, status: { ...n.status, conditions: [...conditions, unknown] } },
    { subresource: 'status' },
  );
  let found: Incident | undefined;
  await waitFor(
    'the incident for the halted node',
    () => {
      found = rig.runtime.pipeline.tracker.open().find((i) => i.family === 'nodes');
      return found !== undefined;
    },
    30_000,
  );
  return found!;
}

/** Every reflector watching and in sync, and the API answering our probes again. */
function recovered(rig: FaultRig): boolean {
  const kinds = new Set(rig.runtime.pipeline.last?.signals.map((s) => s.kind));
  return rig.synced() && !kinds.has('api-unreachable') && !kinds.has('api-access-denied');
}

async function statusPage(rig: FaultRig): Promise<StatusPage> {
  const res = await rig.api('/status.json');
  expect(res.status).toBe(200);
  return (await res.json()) as StatusPage;
}

/** What the public and the tracker say of the real incident: nothing that reads as over. */
async function stillOpen(rig: FaultRig, real: Incident, when: string, clears: string[]): Promise<void> {
  const tracked = rig.runtime.pipeline.tracker.get(real.id);
  if (tracked?.status !== 'investigating' && tracked?.status !== 'identified')
    clears.push(`${when}: ${real.id} is ${tracked?.status}`);
  const page = await statusPage(rig);
  if (page.status.indicator === 'none') clears.push(`${when}: the page says "${page.status.description}"`);
  const shown = page.incidents.find((i) => i.id === real.id);
  if (!shown || shown.status === 'monitoring' || shown.status === 'resolved')
    clears.push(`${when}: the page shows ${real.id} as ${shown?.status ?? 'absent'}`);
}

/** One note per round of serve, on the incident when there is one, else as an action. */
async function postWrite(rig: FaultRig, real: Incident | undefined, text: string): Promise<boolean> {
  const res = real
    ? await rig.api(`/api/incidents/${real.id}/notes`, {
        method: 'POST',
        body: JSON.stringify({ text, author: 'on-call' }),
      })
    : await rig.api('/api/actions', { method: 'POST', body: JSON.stringify({ text, author: 'on-call' }) });
  await res.body?.cancel();
  return res.ok;
}

/**
 * An API server read as slow and for nothing else: every answer came, none was an error.
 * serve times its probes on its own event loop, so on a loaded machine (fourteen clusters
 * and their serves in two test processes, beside the rest of `npm test`) this is a true
 * reading of what serve saw, whatever the fault: it is counted apart, not failed.
 */
const latencyOnly =
  /^API server answers kubetriage poorly over the last minute: p50 \d+ ms, max \d+ ms( \(usually \d+ ms\))?$/;

export function slowOnly(i: Incident): boolean {
  return (
    Object.keys(i.topSince).every((p) => p === 'control-plane-degraded') &&
    i.top.supporting.every((e) => latencyOnly.test(e.text))
  );
}

/** Incidents other than the real one must be honest for this fault, and one per root cause. */
function unwarranted(rig: FaultRig, kind: FaultKind, real: Incident | undefined, slow: string[]): string[] {
  const out: string[] = [];
  const byFamily = new Map<string, string[]>();
  for (const i of rig.runtime.pipeline.tracker.incidents()) {
    byFamily.set(i.family, [...(byFamily.get(i.family) ?? []), i.id]);
    if (i.id === real?.id) continue;
    const patterns = Object.keys(i.topSince);
    const what = `${i.id} (${patterns.join(', ')}): ${i.top.statement}`;
    if (patterns.every((p) => kind.honest.includes(p))) continue;
    if (slowOnly(i)) {
      if (!slow.some((x) => x.startsWith(`${i.id} `))) slow.push(what);
    } else out.push(what);
  }
  for (const [family, ids] of byFamily) if (ids.length > 1) out.push(`${family} twice: ${ids.join(', ')}`);
  return out;
}

export async function runFaultRounds(o: {
  rig: FaultRig;
  kind: FaultKind;
  rounds: number;
  crashes: unknown[];
  /** The real incident, open throughout (undefined: a healthy cluster). */
  real?: Incident;
}): Promise<Tally> {
  const { rig, kind, real } = o;
  const faultMs = Math.max(faultLastsMs, kind.lastsMs ?? 0);
  const written: string[] = [];
  const tally: Tally = {
    rounds: 0,
    blindRounds: 0,
    crashes: 0,
    faultIncidents: 0,
    unwarranted: [],
    slowReadings: [],
    clears: [],
    acknowledged: 0,
    lost: 0,
  };
  const restarts = () => rig.feed.reflectors.reduce((n, r) => n + r.restarts, 0);
  for (let round = 1; round <= o.rounds; round++) {
    const label = `${kind.name}, ${real ? 'incident open' : 'healthy'}, round ${round}`;
    await waitFor(`${label}: a cluster in sight before the fault`, () => recovered(rig), 30_000);
    await rig.nextRounds(1);
    if (real) await stillOpen(rig, real, `${label}, before`, tally.clears);
    const restartsBefore = restarts();
    const startMs = rig.clock.now();
    const off = kind.on(rig, round);
    let n = 0;
    try {
      while (rig.clock.now() - startMs < faultMs) {
        await rig.nextRounds(1);
        tally.blindRounds++;
        if (real) await stillOpen(rig, real, `${label}, during`, tally.clears);
        const text = `${label}: note ${++n}`;
        if (await postWrite(rig, real, text)) written.push(text);
      }
    } finally {
      off();
    }
    // The fault reached the reflectors, not only the probes: this round tested something.
    expect(restarts(), `${label}: the reflectors never met the fault`).toBeGreaterThan(restartsBefore);
    await waitFor(`${label}: recovery`, () => recovered(rig), 30_000);
    // Two rounds: what recovery might wrongly open has held long enough to open.
    await rig.nextRounds(2);
    if (real) await stillOpen(rig, real, `${label}, after`, tally.clears);
    tally.rounds++;
    tally.unwarranted = unwarranted(rig, kind, real, tally.slowReadings);
    expect(o.crashes, label).toEqual([]);
    expect(tally.unwarranted, label).toEqual([]);
    expect(tally.clears, label).toEqual([]);
  }
  const incidents = rig.runtime.pipeline.tracker.incidents();
  tally.faultIncidents = incidents.filter((i) => i.id !== real?.id && !slowOnly(i)).length;
  tally.crashes = o.crashes.length;
  tally.acknowledged = written.length;
  const stored = await storedWrites(rig, real);
  tally.lost = written.filter((t) => !stored.has(t)).length;
  // The fault was noticed for what it is, once at least (incidents of one family are one).
  if (!real && kind.expectedAny.length)
    expect(incidents.flatMap((i) => Object.keys(i.topSince)).some((p) => kind.expectedAny.includes(p))).toBe(
      true,
    );
  return tally;
}

/** The texts in the record (the store, not serve's memory), where postWrite put them. */
async function storedWrites(rig: FaultRig, real: Incident | undefined): Promise<Set<string>> {
  await rig.runtime.desk.flush();
  if (real) {
    const i = await rig.store.getIncident(real.id);
    return new Set(i?.timeline.map((e) => e.text));
  }
  return new Set((await rig.store.listActions()).map((a) => a.text));
}
