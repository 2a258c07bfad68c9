/**
 * The API bypass, performed: each Deployment is patched (or reverted), then its rollout
 * is awaited until the new pods are Ready. A bypass already in place is not applied over
 * itself: its saved original stays the one `--revert` restores.
 */
import type { ApiClient } from '../kube/api-client.ts';
import type { Clock } from '../time/clock.ts';
import {
  type BypassOptions,
  bypassPatch,
  bypassTarget,
  type ContainerSpec,
  type EndpointSliceObject,
  endpointsOf,
  planBypass,
  revertPatch,
  type WorkloadFact,
  workloadFact,
} from './bypass-plan.ts';
import { checkApproved } from './offer.ts';
import type { RunbookPlan } from './plan.ts';
import {
  RunbookRefusedError,
  RunbookStoppedError,
  type StepHandler,
  type StepStatus,
  stepNumberer,
  throwIfAborted,
} from './step-events.ts';

interface RawDeployment {
  metadata: { name: string; namespace: string; generation?: number; annotations?: Record<string, string> };
  spec: { replicas?: number; template: { spec: { containers: ContainerSpec[] } } };
  status?: {
    observedGeneration?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    replicas?: number;
  };
}

const deploymentPath = (ref: string) => {
  const [ns, name] = ref.split('/');
  return `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/deployments/${encodeURIComponent(name)}`;
};

/** Reads what the bypass plan needs: the named Deployments and the kubernetes service's endpoints. */
export async function readBypassFacts(api: ApiClient, refs: readonly string[]) {
  const workloads: WorkloadFact[] = [];
  for (const ref of refs) {
    try {
      workloads.push(workloadFact((await api.getJson<RawDeployment>(deploymentPath(ref))).body));
    } catch (err) {
      if ((err as { status?: number }).status !== 404) throw err;
    }
  }
  const slices = await api.getJson<{ items: EndpointSliceObject[] }>(
    '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
    { labelSelector: 'kubernetes.io/service-name=kubernetes' },
  );
  return { workloads, endpoints: endpointsOf(slices.body.items) };
}

export async function applyBypass(o: {
  api: ApiClient;
  clock: Clock;
  options: BypassOptions;
  onStep?: StepHandler;
  /** Stops before the next step (no Deployment is patched after it fires). */
  signal?: AbortSignal;
  /** The digest of the plan that was approved (offer.ts); another plan is refused. */
  approvedDigest?: string;
  rolloutTimeoutMs?: number;
  pollMs?: number;
}): Promise<{ plan: RunbookPlan }> {
  const { api, clock, options } = o;
  const facts = await readBypassFacts(api, options.deployments);
  const plan = planBypass(facts, options);
  checkApproved(plan, o.approvedDigest);
  if (plan.refusal) throw new RunbookRefusedError(plan.refusal);
  const n = stepNumberer(plan);
  const emit = async (action: string, target: string, status: StepStatus, detail: string) =>
    o.onStep?.({ n: n(action, target), action, target, status, detail, atMs: clock.now() });
  const target = bypassTarget(facts, options);
  for (const w of facts.workloads) {
    throwIfAborted(o.signal);
    const ref = `${w.namespace}/${w.name}`;
    const step = `deployment/${ref}`;
    const action = options.revert ? 'revert' : 'patch';
    const patch = options.revert
      ? revertPatch(w)
      : w.bypassed
        ? undefined
        : target && bypassPatch(w, target.host, target.port);
    if (!patch) {
      await emit(
        action,
        step,
        'warning',
        options.revert ? 'no bypass to revert' : 'already bypassed; left as it is',
      );
      continue;
    }
    await emit(
      action,
      step,
      'started',
      options.revert ? 'restoring the original containers' : `pointing at ${target?.host}:${target?.port}`,
    );
    await api.send('PATCH', deploymentPath(ref), patch);
    await emit(action, step, 'done', options.revert ? 'original containers restored' : 'patched');
    throwIfAborted(o.signal);
    await emit('verify', step, 'started', 'waiting for the rollout');
    const deadline = clock.now() + (o.rolloutTimeoutMs ?? 10 * 60_000);
    for (;;) {
      throwIfAborted(o.signal);
      const d = (await api.getJson<RawDeployment>(deploymentPath(ref))).body;
      const want = d.spec.replicas ?? 1;
      const st = d.status ?? {};
      const observed = (st.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
      // A revert goes back to the spec that was failing: wait for it to be taken, not for Ready pods.
      if (options.revert && observed) {
        await emit(
          'verify',
          step,
          'done',
          `original spec in place; ${st.readyReplicas ?? 0}/${want} pods Ready`,
        );
        break;
      }
      const done =
        observed &&
        (st.updatedReplicas ?? 0) >= want &&
        (st.readyReplicas ?? 0) >= want &&
        (st.replicas ?? 0) <= want;
      if (done) {
        await emit('verify', step, 'done', `${st.readyReplicas}/${want} pods Ready on the new spec`);
        break;
      }
      if (clock.now() >= deadline)
        throw new RunbookStoppedError(
          'verify',
          `the rollout of ${ref} did not finish (${st.updatedReplicas ?? 0} updated, ${st.readyReplicas ?? 0} Ready of ${want}); look: kubectl -n ${w.namespace} rollout status deployment/${w.name}`,
        );
      await clock.sleep(o.pollMs ?? 5_000);
    }
  }
  return { plan };
}
