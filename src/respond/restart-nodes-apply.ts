/**
 * The staggered node restart, performed: the plan's steps node by node (a batch of
 * `maxUnavailable` nodes at a time), verifying as it goes. It holds the restart Lease for
 * the whole run and writes its progress there after every node, so a run that crashed is
 * resumed by the next (nodes done are skipped, a node whose restart was already asked for
 * is waited on, not restarted twice). It stops, leaving the rest untouched, when a
 * restarted node does not come back, when a budget will not yield, or when the cluster
 * gets worse: a node already done (or never a target) that was Ready goes NotReady, or a
 * budget that held before a drain stays broken after it.
 */
import type { ApiClient } from '../kube/api-client.ts';
import { poolLabelOf } from '../kube/node-pools.ts';
import type { Clock } from '../time/clock.ts';
import { ClusterReader } from './cluster-reader.ts';
import { drainNode } from './drain.ts';
import { budgetOf, evictable, type PdbFact, type PodFact } from './facts.ts';
import type { NodeRestarter } from './node-restarters.ts';
import { checkApproved } from './offer.ts';
import type { RunbookPlan } from './plan.ts';
import { batches, planRestartNodes, type RestartNodesOptions, restartLease } from './restart-nodes-plan.ts';
import { RunLock } from './run-lock.ts';
import {
  RunbookRefusedError,
  RunbookStoppedError,
  type StepHandler,
  type StepStatus,
  stepNumberer,
  throwIfAborted,
} from './step-events.ts';

export interface RestartProgress {
  /** The run's command line: a rerun with other options starts afresh. */
  command: string;
  targets: string[];
  done: string[];
  /** Nodes whose restart was asked for, with what tells the restarted node apart. */
  restarted: Record<string, { atMs: number; bootId?: string; pool?: [string, string] }>;
  /** Deleted node → the node that replaced it. */
  replacements: Record<string, string>;
}

export interface RestartOutcome {
  plan: RunbookPlan;
  resumed: boolean;
  done: string[];
  replacements: Record<string, string>;
  warnings: string[];
}

export interface RestartApplyOptions {
  api: ApiClient;
  clock: Clock;
  /** Who holds the Lease: unique per run (user@host plus a run id). */
  holder: string;
  options: RestartNodesOptions;
  restarter: NodeRestarter;
  onStep?: StepHandler;
  /** Stops between steps without releasing the Lease, as a crash would (tests, SIGKILL-like exits). */
  signal?: AbortSignal;
  /** The digest of the plan that was approved (offer.ts); another plan is refused. */
  approvedDigest?: string;
  leaseDurationMs?: number;
  pollMs?: number;
}

/** A pod's workload, stable across its ReplicaSets' hashes. */
function workloadOf(p: PodFact): string {
  const name =
    p.labels['app.kubernetes.io/name'] ??
    p.labels.app ??
    p.owner?.name.replace(/-[a-z0-9]{5,10}$/, '') ??
    p.name;
  return `${p.namespace}/${name}`;
}

const satisfied = (b: PdbFact) => b.currentHealthy >= b.desiredHealthy;

export async function applyRestartNodes(o: RestartApplyOptions): Promise<RestartOutcome> {
  const { api, clock, options } = o;
  const poll = o.pollMs ?? 5_000;
  const reader = new ClusterReader(api);
  const [nodes, pods, pdbs] = await Promise.all([reader.nodes(), reader.pods(), reader.pdbs()]);
  const plan = planRestartNodes({ nodes, pods, pdbs }, options);
  checkApproved(plan, o.approvedDigest);
  const n = stepNumberer(plan);
  const warnings = [...plan.warnings];
  const emit = async (action: string, target: string, status: StepStatus, detail: string) =>
    o.onStep?.({ n: n(action, target), action, target, status, detail, atMs: clock.now() });
  const lock = new RunLock<RestartProgress>({
    api,
    clock,
    holder: o.holder,
    leaseDurationMs: o.leaseDurationMs,
    ...restartLease,
  });
  // Between steps: stop when asked to, or when the Lease went to another run while we waited.
  const checkAbort = () => {
    throwIfAborted(o.signal);
    lock.check();
  };
  await emit('lock', lock.lease, 'started', 'taking the restart Lease');
  const saved = await lock.acquire((holder) =>
    emit('lock', lock.lease, 'waiting', `held by ${holder}; waiting for it to be released or to expire`),
  );
  try {
    const resumed = saved?.command === plan.command;
    const progress: RestartProgress = resumed
      ? saved
      : { command: plan.command, targets: plan.targets, done: [], restarted: {}, replacements: {} };
    await emit(
      'lock',
      lock.lease,
      'done',
      resumed
        ? `resuming a run that stopped: ${progress.done.length}/${progress.targets.length} node(s) already done`
        : `held by ${o.holder}`,
    );

    if (!resumed) {
      await emit('check', 'cluster', 'started', plan.steps[1]?.detail ?? '');
      if (plan.refusal) {
        await lock.release(progress, true);
        await emit('check', 'cluster', 'stopped', plan.refusal);
        throw new RunbookRefusedError(plan.refusal);
      }
      await emit(
        'check',
        'cluster',
        'done',
        `${nodes.filter((x) => !x.ready).length} node(s) NotReady before the run`,
      );
    }
    await lock.save(progress);

    // What "worse" is measured against: nodes outside the run that were Ready, and workloads already unhealthy.
    const pending = new Set(progress.targets.filter((t) => !progress.done.includes(t)));
    const watched = new Set(nodes.filter((x) => x.ready && !pending.has(x.name)).map((x) => x.name));
    const unhealthyBefore = new Set(pods.filter((p) => !p.ready && p.phase !== 'Succeeded').map(workloadOf));
    const claimed = new Set(Object.values(progress.replacements));

    const checkRegression = async (during: string) => {
      const now = await reader.nodes();
      const worse = now.filter((x) => watched.has(x.name) && !x.ready).map((x) => x.name);
      if (worse.length)
        throw new RunbookStoppedError(
          'check',
          `stopped during ${during}: ${worse.join(', ')} went NotReady after it was healthy (restarted or never a target); the cluster is getting worse, so no further node is touched. Look: kubectl describe node ${worse[0]}`,
        );
    };

    const waitReady = async (name: string): Promise<string> => {
      const target = `node/${name}`;
      const st = progress.restarted[name];
      const deadline = st.atMs + options.readyTimeoutMs;
      let sawDown = false;
      await emit('wait-ready', target, 'started', 'waiting for the node to come back Ready');
      for (;;) {
        checkAbort();
        if (o.restarter.mechanism === 'command') {
          const x = await reader.node(name);
          if (x && !x.ready) sawDown = true;
          const rebooted = st.bootId ? x?.bootId !== undefined && x.bootId !== st.bootId : sawDown;
          if (x?.ready && rebooted) {
            await emit(
              'wait-ready',
              target,
              'done',
              `${name} is Ready again${x.bootId ? ` (boot id ${x.bootId.slice(0, 8)})` : ''}`,
            );
            return name;
          }
        } else {
          const fresh = (await reader.nodes()).find(
            (x) =>
              (x.createdMs ?? 0) >= st.atMs - 1_000 &&
              !claimed.has(x.name) &&
              (!st.pool || x.labels[st.pool[0]] === st.pool[1]),
          );
          if (fresh?.ready) {
            claimed.add(fresh.name);
            progress.replacements[name] = fresh.name;
            await emit('wait-ready', target, 'done', `replaced by ${fresh.name}, which is Ready`);
            return fresh.name;
          }
        }
        if (clock.now() >= deadline)
          throw new RunbookStoppedError(
            'wait-ready',
            o.restarter.mechanism === 'command'
              ? `${name} did not come back Ready within ${Math.round(options.readyTimeoutMs / 60_000)}m of its restart; stopped with it cordoned and the remaining nodes untouched. Look: kubectl describe node ${name}`
              : `no replacement for ${name} joined Ready within ${Math.round(options.readyTimeoutMs / 60_000)}m; stopped with the remaining nodes untouched. Check the node pool (autoscaler, managed node group), or use --restart-command`,
          );
        await clock.sleep(poll);
      }
    };

    const waitPods = async (name: string, node: string, budgetsBefore: readonly PdbFact[]) => {
      const target = `node/${name}`;
      const deadline = clock.now() + options.podsTimeoutMs;
      const heldBefore = new Set(budgetsBefore.filter(satisfied).map((b) => `${b.namespace}/${b.name}`));
      await emit(
        'wait-pods',
        target,
        'started',
        `waiting for the pods on ${node} and the budgets that held before`,
      );
      for (;;) {
        checkAbort();
        const onNode = (await reader.pods(node)).filter(
          (p) => !p.terminating && p.phase !== 'Succeeded' && p.phase !== 'Failed',
        );
        const notReady = onNode.filter((p) => !p.ready);
        const broken = (await reader.pdbs()).filter(
          (b) => heldBefore.has(`${b.namespace}/${b.name}`) && !satisfied(b),
        );
        await checkRegression(`wait-pods for ${name}`);
        if (!notReady.length && !broken.length) {
          await emit('wait-pods', target, 'done', `${onNode.length} pod(s) on ${node} Ready`);
          return;
        }
        if (clock.now() >= deadline) {
          const fresh = notReady.filter((p) => !unhealthyBefore.has(workloadOf(p)));
          if (!fresh.length && !broken.length) {
            const w = `${notReady.length} pod(s) on ${node} still not Ready after ${Math.round(options.podsTimeoutMs / 60_000)}m, all of workloads that were already unhealthy before the run (${[...new Set(notReady.map(workloadOf))].slice(0, 5).join(', ')}); going on`;
            warnings.push(w);
            await emit('wait-pods', target, 'warning', w);
            return;
          }
          throw new RunbookStoppedError(
            'wait-pods',
            `after restarting ${name}: ${[
              ...fresh.map((p) => `pod ${p.namespace}/${p.name} not Ready`),
              ...broken.map(
                (b) =>
                  `PodDisruptionBudget ${b.namespace}/${b.name} has ${b.currentHealthy} healthy, needs ${b.desiredHealthy}`,
              ),
            ]
              .slice(0, 6)
              .join('; ')}; these were healthy before, so the run stops here`,
          );
        }
        await clock.sleep(poll);
      }
    };

    const restartOne = async (name: string) => {
      const target = `node/${name}`;
      checkAbort();
      let budgets: PdbFact[] = await reader.pdbs();
      if (!progress.restarted[name]) {
        const node = await reader.node(name);
        if (!node) {
          const w = `${name} no longer exists; skipped`;
          warnings.push(w);
          await emit('restart', target, 'warning', w);
          progress.done.push(name);
          await lock.save(progress);
          return;
        }
        await emit('cordon', target, 'started', `cordoning ${name}`);
        await api.send('PATCH', `/api/v1/nodes/${encodeURIComponent(name)}`, {
          spec: { unschedulable: true },
        });
        await emit('cordon', target, 'done', `${name} is unschedulable`);
        checkAbort();
        await emit('drain', target, 'started', 'evicting pods through the eviction API');
        budgets = await reader.pdbs();
        const drained = await drainNode({
          api,
          reader,
          clock,
          node: name,
          timeoutMs: options.drainTimeoutMs,
          force: options.forceDrain,
          onBlocked: async (what) => {
            checkAbort();
            await emit('drain', target, 'waiting', what);
          },
        });
        const notes = [
          `${drained.evicted} pod(s) evicted`,
          ...(drained.leftUnready.length
            ? [
                `${drained.leftUnready.length} unready pod(s) left (their budget is already broken; they count as unavailable, so the restart takes nothing healthy): ${drained.leftUnready.slice(0, 4).join(', ')}`,
              ]
            : []),
          ...(drained.forced.length
            ? [`${drained.forced.length} pod(s) deleted past their budget (--force-drain)`]
            : []),
        ];
        await emit('drain', target, 'done', notes.join('; '));
        checkAbort();
        const pool = poolLabelOf(node.labels);
        progress.restarted[name] = {
          atMs: clock.now(),
          ...(node.bootId ? { bootId: node.bootId } : {}),
          ...(pool ? { pool } : {}),
        };
        await lock.save(progress);
        await emit(
          'restart',
          target,
          'started',
          o.restarter.mechanism === 'command' ? 'running the restart hook' : `deleting Node ${name}`,
        );
        await o.restarter.restart(node);
        await emit(
          'restart',
          target,
          'done',
          o.restarter.mechanism === 'command' ? 'restart asked for' : `Node ${name} deleted`,
        );
      } else {
        await emit(
          'restart',
          target,
          'done',
          'restart already asked for by the run that stopped; waiting on it',
        );
      }
      const now = await waitReady(name);
      await lock.save(progress);
      await waitPods(name, now, budgets);
      if (o.restarter.mechanism === 'command') {
        checkAbort();
        await emit('uncordon', target, 'started', `uncordoning ${name}`);
        await api.send('PATCH', `/api/v1/nodes/${encodeURIComponent(name)}`, {
          spec: { unschedulable: null },
        });
        await emit('uncordon', target, 'done', `${name} takes pods again`);
      }
      watched.add(now);
      progress.done.push(name);
      await lock.save(progress);
    };

    /**
     * A node whose drain would block now (a budget allows no disruption of a Ready pod on
     * it) waits while the others go first: the budget is often broken by the very fault
     * the restarts fix, and heals as they go. Only when nothing else is left is it waited on.
     */
    const blockedNow = async (name: string): Promise<string | undefined> => {
      if (progress.restarted[name]) return undefined;
      const [onNode, budgets] = await Promise.all([reader.pods(name), reader.pdbs()]);
      for (const p of onNode.filter((x) => evictable(x) && x.ready)) {
        const b = budgetOf(p, budgets);
        if (b && b.disruptionsAllowed <= 0)
          return `PodDisruptionBudget ${b.namespace}/${b.name} allows no disruption now (${b.currentHealthy} healthy, needs ${b.desiredHealthy}); other nodes first`;
      }
      return undefined;
    };
    const runGroup = async (group: string[]) => {
      const results = await Promise.allSettled(group.map(restartOne));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      await checkRegression('the run');
    };

    let queue = progress.targets.filter((t) => !progress.done.includes(t));
    try {
      while (queue.length) {
        const deferred: string[] = [];
        let progressed = false;
        for (const group of batches(queue, options.maxUnavailable)) {
          const go: string[] = [];
          for (const name of group) {
            const why = await blockedNow(name);
            if (why) {
              deferred.push(name);
              await emit('drain', `node/${name}`, 'waiting', `deferred: ${why}`);
            } else go.push(name);
          }
          if (!go.length) continue;
          await runGroup(go);
          progressed = true;
        }
        if (progressed) {
          queue = deferred;
          continue;
        }
        // Nothing else left: wait on the blocked nodes, within the drain timeout.
        for (const group of batches(deferred, options.maxUnavailable)) await runGroup(group);
        queue = [];
      }
    } catch (err) {
      if (o.signal?.aborted) throw err;
      if (err instanceof RunbookStoppedError) await emit(err.step, 'cluster', 'stopped', err.message);
      // Keep the progress: the rerun, once someone has looked, skips what is done.
      await lock.release(progress, false).catch(() => {});
      throw err;
    }
    await lock.release(progress, true);
    await emit('unlock', lock.lease, 'done', `released; ${progress.done.length} node(s) restarted`);
    return { plan, resumed, done: progress.done, replacements: progress.replacements, warnings };
  } finally {
    // However the run ends, the lock stops renewing: release has already let go, and an
    // abort leaves the Lease to expire, as a crash would.
    lock.abandon();
  }
}
