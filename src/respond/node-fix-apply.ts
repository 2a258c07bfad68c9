/**
 * The node fix by DaemonSet, performed: create the DaemonSet (or find the one a previous
 * run created), wait until its pod runs on every node and every node agent stops listing
 * the timer, then remove it if asked. Verification reads the agent's report, not the
 * pod's status: a pod can run while the timer survives.
 */
import { type ApiClient, ApiRequestError } from '../kube/api-client.ts';
import type { Clock } from '../time/clock.ts';
import { ClusterReader } from './cluster-reader.ts';
import { fixName, type NodeFixOptions, planNodeFix } from './node-fix-plan.ts';
import { checkApproved } from './offer.ts';
import type { RunbookPlan } from './plan.ts';
import {
  RunbookStoppedError,
  type StepHandler,
  type StepStatus,
  stepNumberer,
  throwIfAborted,
} from './step-events.ts';

export interface NodeFixOutcome {
  plan: RunbookPlan;
  /** Nodes whose agent confirmed the timer is off. */
  verified: string[];
  /** Nodes with no agent report: the fix ran, but nobody could confirm it. */
  unverified: string[];
  removed: boolean;
}

interface DaemonSetStatus {
  metadata?: { annotations?: Record<string, string> };
  status?: { desiredNumberScheduled?: number; numberReady?: number; numberAvailable?: number };
}

export async function applyNodeFix(o: {
  api: ApiClient;
  clock: Clock;
  options: NodeFixOptions;
  onStep?: StepHandler;
  /** Stops before the next step: nothing is created or deleted after it fires. */
  signal?: AbortSignal;
  /** The digest of the plan that was approved (offer.ts); another plan is refused. */
  approvedDigest?: string;
  pollMs?: number;
}): Promise<NodeFixOutcome> {
  const { api, clock, options } = o;
  const reader = new ClusterReader(api);
  const plan = planNodeFix(await reader.nodes(), options);
  checkApproved(plan, o.approvedDigest);
  const n = stepNumberer(plan);
  const emit = async (action: string, target: string, status: StepStatus, detail: string) =>
    o.onStep?.({ n: n(action, target), action, target, status, detail, atMs: clock.now() });
  const name = fixName(options.timer);
  const ds = `daemonset/${options.namespace}/${name}`;
  const path = `/apis/apps/v1/namespaces/${options.namespace}/daemonsets`;
  await emit('check', 'cluster', 'done', plan.steps[0].detail);

  throwIfAborted(o.signal);
  await emit('create', ds, 'started', `creating ${ds}`);
  try {
    await api.send('POST', path, plan.manifests?.[0]);
    await emit('create', ds, 'done', `${ds} created`);
  } catch (err) {
    if (!(err instanceof ApiRequestError && err.status === 409)) throw err;
    const existing = (await api.getJson<DaemonSetStatus>(`${path}/${name}`)).body;
    if (existing.metadata?.annotations?.['kubetriage.io/disables-timer'] !== options.timer)
      throw new RunbookStoppedError(
        'create',
        `${ds} already exists and is not kubetriage's fix for ${options.timer}; look at it (kubectl -n ${options.namespace} get daemonset ${name} -o yaml) before going on`,
      );
    await emit('create', ds, 'done', `${ds} already exists from an earlier run; verifying it`);
  }

  throwIfAborted(o.signal);
  await emit('verify', ds, 'started', `waiting for every node agent to stop reporting ${options.timer}`);
  const deadline = clock.now() + options.verifyTimeoutMs;
  let lastSaid = '';
  for (;;) {
    throwIfAborted(o.signal);
    const st = (await api.getJson<DaemonSetStatus>(`${path}/${name}`)).body.status ?? {};
    const nodes = await reader.nodes();
    const still = nodes.filter((x) => x.upgradeTimers?.includes(options.timer));
    const unverified = nodes.filter((x) => x.upgradeTimers === undefined).map((x) => x.name);
    const desired = st.desiredNumberScheduled ?? 0;
    const readyPods = st.numberReady ?? 0;
    if (!still.length && desired > 0 && readyPods >= desired) {
      const verified = nodes.filter((x) => x.upgradeTimers !== undefined).map((x) => x.name);
      await emit(
        'verify',
        ds,
        'done',
        `${readyPods}/${desired} pods running; ${verified.length} node agent(s) report ${options.timer} disabled${unverified.length ? `; ${unverified.length} node(s) without an agent report, unverified` : ''}`,
      );
      let removed = false;
      if (options.removeAfter) {
        throwIfAborted(o.signal);
        await emit('delete', ds, 'started', `deleting ${ds}`);
        await api.send('DELETE', `${path}/${name}`).catch((err: unknown) => {
          if (!(err instanceof ApiRequestError && err.status === 404)) throw err;
        });
        removed = true;
        await emit('delete', ds, 'done', `${ds} deleted; ${options.timer} stays disabled where it ran`);
      }
      return { plan, verified, unverified, removed };
    }
    const said = `${readyPods}/${desired} pods running; ${still.length} node(s) still report ${options.timer}: ${still
      .slice(0, 5)
      .map((x) => x.name)
      .join(', ')}`;
    if (clock.now() >= deadline)
      throw new RunbookStoppedError(
        'verify',
        `the fix did not take within ${Math.round(options.verifyTimeoutMs / 60_000)}m: ${said}. Look at the pods: kubectl -n ${options.namespace} get pods -l app.kubernetes.io/name=${name} -o wide`,
      );
    if (said !== lastSaid) await emit('verify', ds, 'waiting', said);
    lastSaid = said;
    await clock.sleep(o.pollMs ?? 5_000);
  }
}
