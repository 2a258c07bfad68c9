/**
 * The staggered node restart against the outages it is for. AirMap (a node network/DNS
 * fault on most workers): replacing the nodes one at a time recovers the cluster.
 * CircleCI (stale kube-proxy rules): rebooting through a provider hook writes fresh rules.
 * Both runs are watched from the simulator's store (every cordon, deletion and eviction as
 * it happens) and checked with the real kubectl at every node and at the end.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeRestarter } from '../../src/respond/node-restarters.ts';
import { replaceByDeletion } from '../../src/respond/node-restarters.ts';
import { applyRestartNodes } from '../../src/respond/restart-nodes-apply.ts';
import { type RestartNodesOptions, restartDefaults } from '../../src/respond/restart-nodes-plan.ts';
import { LockHeldError } from '../../src/respond/run-lock.ts';
import { RunbookStoppedError, type StepEvent } from '../../src/respond/step-events.ts';
import { resourceForKind } from '../../src/sim/api/resources.ts';
import { parsedEntry } from '../../src/sim/store/object-store.ts';
import { type RemediationCluster, remediationAt } from './remediation-cluster.ts';

const nodeType = resourceForKind('Node')!;
const podType = resourceForKind('Pod')!;

let cluster: RemediationCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

interface NodeJson {
  metadata: { name: string };
  spec?: { unschedulable?: boolean };
  status?: { conditions?: { type: string; status: string }[] };
}
const ready = (n: NodeJson) => !!n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

/** Watches the run from inside: how many nodes are out at once, and every pod that left a draining node Ready. */
function outageMeter(c: RemediationCluster) {
  const store = c.sim.store;
  const cordonedBefore = new Set(
    store
      .listObjects(nodeType)
      .filter((n) => (n as unknown as NodeJson).spec?.unschedulable)
      .map((n) => n.metadata.name ?? ''),
  );
  const cordoned = new Set<string>();
  let awaitingReplacement = 0;
  let maxOut = 0;
  const readyPodsDeletedWithoutEviction: string[] = [];
  const measure = () => {
    maxOut = Math.max(maxOut, cordoned.size + awaitingReplacement);
  };
  const offNodes = store.subscribe(nodeType.storage, (e) => {
    const name = e.entry.name;
    if (e.type === 'DELETED') {
      if (cordoned.delete(name)) awaitingReplacement++;
    } else if (e.type === 'ADDED' && awaitingReplacement > 0) awaitingReplacement--;
    else if (!cordonedBefore.has(name)) {
      const n = parsedEntry(e.entry) as unknown as NodeJson;
      if (n.spec?.unschedulable) cordoned.add(name);
      else cordoned.delete(name);
    }
    measure();
  });
  const offPods = store.subscribe(podType.storage, (e) => {
    if (!e.prev || e.prev.terminating) return;
    if (e.type !== 'DELETED' && !e.entry.terminating) return;
    const before = parsedEntry(e.prev) as {
      spec?: { nodeName?: string };
      status?: { conditions?: { type: string; status: string; reason?: string }[] };
    };
    const after = parsedEntry(e.entry) as typeof before;
    if (!cordoned.has(before.spec?.nodeName ?? '')) return;
    const wasReady = before.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');
    const evicted = after.status?.conditions?.some((x) => x.reason === 'EvictionByEvictionAPI');
    if (wasReady && !evicted) readyPodsDeletedWithoutEviction.push(e.entry.key);
  });
  return {
    get maxOut() {
      return maxOut;
    },
    readyPodsDeletedWithoutEviction,
    stop() {
      offNodes();
      offPods();
    },
  };
}

function options(o: Partial<RestartNodesOptions>): RestartNodesOptions {
  return { ...restartDefaults, ...o };
}

describe('restart-nodes against the outages', () => {
  it('AirMap: replacing the workers one at a time recovers the cluster within the budgets', async () => {
    const c = await remediationAt('airmap-2018', '2018-07-19T18:00:00Z');
    cluster = c;
    const before = JSON.parse((await c.kubectl(['get', 'nodes', '-o', 'json'])).stdout) as {
      items: NodeJson[];
    };
    expect(before.items.filter((n) => !ready(n)).length).toBeGreaterThan(0);

    const meter = outageMeter(c);
    const events: StepEvent[] = [];
    const seen: { at: string; notReady: number; nodes: number }[] = [];
    const outcome = await c.drive(
      applyRestartNodes({
        api: c.api,
        clock: c.applyClock,
        holder: 'test-airmap',
        options: options({ selector: 'agentpool=agentpool', podsTimeoutMs: 3 * 60_000 }),
        restarter: replaceByDeletion(c.api),
        onStep: async (e) => {
          events.push(e);
          if (e.action === 'wait-pods' && e.status !== 'started') {
            const r = JSON.parse((await c.kubectl(['get', 'nodes', '-o', 'json'])).stdout) as {
              items: NodeJson[];
            };
            seen.push({
              at: e.target,
              notReady: r.items.filter((n) => !ready(n)).length,
              nodes: r.items.length,
            });
          }
        },
      }),
    );
    meter.stop();

    expect(outcome.done).toHaveLength(before.items.length);
    expect(meter.maxOut).toBe(1);
    expect(meter.readyPodsDeletedWithoutEviction).toEqual([]);
    // Nodes are taken one at a time: each node's steps end before the next one's cordon
    // (a node whose budget blocks now may be deferred to the end, hence the set).
    const order = events.filter((e) => e.action === 'cordon' && e.status === 'started').map((e) => e.target);
    expect([...order].sort()).toEqual(outcome.plan.targets.map((t) => `node/${t}`).sort());
    let open: string | undefined;
    for (const e of events) {
      if (e.action === 'cordon' && e.status === 'started') {
        expect(open, `${e.target} cordoned while ${open} was still out`).toBeUndefined();
        open = e.target;
      }
      if (e.action === 'wait-pods' && (e.status === 'done' || e.status === 'warning')) open = undefined;
    }
    // Fewer and fewer nodes NotReady as the run goes on, none at the end.
    expect(seen.at(-1)?.notReady).toBe(0);
    const after = await c.kubectl(['get', 'nodes', '--no-headers']);
    expect(after.stdout).not.toMatch(/NotReady/);
    expect(after.stdout.trim().split('\n')).toHaveLength(before.items.length);
    await c.clock.runUntil(c.clock.now() + 10 * 60_000);
    const pdbs = JSON.parse((await c.kubectl(['get', 'pdb', '-A', '-o', 'json'])).stdout) as {
      items: { metadata: { name: string }; status: { currentHealthy: number; desiredHealthy: number } }[];
    };
    for (const b of pdbs.items)
      expect(b.status.currentHealthy, b.metadata.name).toBeGreaterThanOrEqual(b.status.desiredHealthy);
  });

  it('AirMap: stops when a restarted node does not come back, leaving the rest untouched', async () => {
    const c = await remediationAt('airmap-2018', '2018-07-19T18:00:00Z');
    cluster = c;
    const runner = c.sim.runner!;
    // A provider reboot after which the machine never boots again.
    const neverBack: NodeRestarter = {
      mechanism: 'command',
      restart: async (n) => {
        void runner.ops.reboot(n.name, 30 * 86_400_000);
      },
    };
    const events: StepEvent[] = [];
    const run = c.drive(
      applyRestartNodes({
        api: c.api,
        clock: c.applyClock,
        holder: 'test-stuck',
        options: options({
          selector: 'agentpool=agentpool',
          mechanism: 'command',
          restartCommand: 'reboot {node}',
        }),
        restarter: neverBack,
        onStep: (e) => {
          events.push(e);
        },
      }),
    );
    await expect(run).rejects.toBeInstanceOf(RunbookStoppedError);
    await expect(run).rejects.toThrow(/did not come back Ready within 15m/);
    const touched = new Set(events.filter((e) => e.action === 'cordon').map((e) => e.target));
    expect(touched.size).toBe(1);
    expect(events.at(-1)).toMatchObject({ status: 'stopped', action: 'wait-ready' });
    const nodes = await c.kubectl(['get', 'nodes', '--no-headers']);
    const cordoned = nodes.stdout.split('\n').filter((l) => l.includes('SchedulingDisabled'));
    // The stuck node stays cordoned; only the node cordoned before the run is like it.
    expect(cordoned.some((l) => l.startsWith([...touched][0].slice('node/'.length)))).toBe(true);
    expect(cordoned.length).toBeLessThanOrEqual(2);
  });

  it('AirMap: a run that crashed is resumed by the next, which skips the nodes already done', async () => {
    const c = await remediationAt('airmap-2018', '2018-07-19T18:00:00Z');
    cluster = c;
    const o = options({ selector: 'agentpool=agentpool', podsTimeoutMs: 3 * 60_000 });
    const crash = new AbortController();
    const first: StepEvent[] = [];
    await expect(
      c.drive(
        applyRestartNodes({
          api: c.api,
          clock: c.applyClock,
          holder: 'run-1',
          options: o,
          restarter: replaceByDeletion(c.api),
          signal: crash.signal,
          onStep: (e) => {
            first.push(e);
            if (
              e.action === 'wait-pods' &&
              e.status !== 'started' &&
              first.filter((x) => x.action === 'wait-pods' && x.status !== 'started').length === 2
            )
              crash.abort(new Error('crash'));
          },
        }),
      ),
    ).rejects.toThrow('crash');
    const lease = await c.kubectl([
      '-n',
      'kube-system',
      'get',
      'lease',
      'kubetriage-restart-nodes',
      '-o',
      'jsonpath={.spec.holderIdentity}',
    ]);
    expect(lease.stdout).toBe('run-1');

    // A second run while the first's lease is live and renewed would be refused; once it
    // has gone silent for a lease duration, the next run takes over and resumes.
    const second: StepEvent[] = [];
    const outcome = await c.drive(
      applyRestartNodes({
        api: c.api,
        clock: c.applyClock,
        holder: 'run-2',
        options: o,
        restarter: replaceByDeletion(c.api),
        onStep: (e) => {
          second.push(e);
        },
      }),
    );
    expect(outcome.resumed).toBe(true);
    const firstDone = first
      .filter((e) => e.action === 'cordon' && e.status === 'started')
      .map((e) => e.target);
    const secondDone = second
      .filter((e) => e.action === 'cordon' && e.status === 'started')
      .map((e) => e.target);
    expect(firstDone).toHaveLength(2);
    expect(secondDone.filter((t) => firstDone.includes(t))).toEqual([]);
    expect(outcome.done).toHaveLength(12);
    expect((await c.kubectl(['get', 'nodes', '--no-headers'])).stdout).not.toMatch(/NotReady/);
  });

  it('refuses to overlap with a live run', async () => {
    const c = await remediationAt('airmap-2018', '2018-07-19T18:00:00Z');
    cluster = c;
    // Someone else's run holds the Lease and keeps renewing it.
    const { LeaseLock } = await import('../../src/kube/lease-lock.ts');
    const other = new LeaseLock({
      api: c.api,
      namespace: 'kube-system',
      name: 'kubetriage-restart-nodes',
      holder: 'other',
      leaseDurationMs: 60_000,
      clock: c.clock,
    });
    expect(await other.tryAcquire()).toBe(true);
    // One renewal at a time, as a real holder renews: overlapping ones would queue up at
    // the API server on a busy machine until requests time out.
    let renewingOn = true;
    const renewing = (async () => {
      while (renewingOn) {
        await other.tryAcquire().catch(() => false);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      const events: StepEvent[] = [];
      await expect(
        c.drive(
          applyRestartNodes({
            api: c.api,
            clock: c.applyClock,
            holder: 'me',
            options: options({ selector: 'agentpool=agentpool' }),
            restarter: replaceByDeletion(c.api),
            onStep: (e) => {
              events.push(e);
            },
          }),
        ),
      ).rejects.toBeInstanceOf(LockHeldError);
      expect(events.some((e) => e.action === 'cordon')).toBe(false);
    } finally {
      renewingOn = false;
      await renewing;
    }
  });
});
