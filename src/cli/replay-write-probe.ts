/**
 * The write probe in a replay: the same dry-run creates the live feed sends
 * (kube/write-probe.ts), served in-process by the simulator's own request path rather than
 * computed from its faults. The request meets what a live one meets in the simulated API
 * server (sim/api/server.ts), step by step: the endpoint closed or hung, injected latency and
 * errors, the replica the balancer picks (down: the connection drops), the storage layer's
 * read for a dry-run create (sim/api/control-plane-requests.ts), then the create handler's own
 * admission: namespace, name, defaults and every matching webhook, called as the API server
 * calls them (sim/api/resource-handlers.ts admitNewObject). Left out: RBAC (the replay's
 * client may do anything) and API Priority and Fairness queueing.
 *
 * Its answer becomes the same observation through the same reading of the error
 * (writeProbeObservation), with the error text the live client would print
 * (`<server><path>: <Status message>`).
 */

import type { ObservationSink } from '../kube/observations.ts';
import { Poller } from '../kube/poller.ts';
import {
  type WriteProbeTarget,
  writeProbeObjects,
  writeProbeObservation,
  writeProbeTimeoutMs,
} from '../kube/write-probe.ts';
import {
  dryRunCreateRoundTrip,
  ReplicaUnavailable,
  routeToReplica,
} from '../sim/api/control-plane-requests.ts';
import type { KubeObject } from '../sim/api/k8s-types.ts';
import { admitNewObject, type ResourceContext } from '../sim/api/resource-handlers.ts';
import { groupVersion, resourceTypes } from '../sim/api/resources.ts';
import { ApiError, internalError, serviceUnavailable } from '../sim/api/status.ts';
import type { Simulator } from '../sim/simulator.ts';

export interface ReplayWriteProbeOptions {
  targets: readonly WriteProbeTarget[];
  intervalMs?: number;
  /** How the endpoint is closed to outside clients now, if it is (replay-feed.ts). */
  closed: () => string | undefined;
  /** The error a client gets for `path` while it is closed. */
  unreachableError: (path: string) => string;
  server: string;
}

interface Answer {
  latencyMs: number;
  status?: number;
  error?: string;
}

/** The collection a target's create is POSTed to, as the live probe writes it. */
function collectionPath(t: WriteProbeTarget): string {
  const r = resourceOf(t);
  const base = r.group ? `/apis/${groupVersion(r)}` : '/api/v1';
  return `${base}/namespaces/${t.namespace}/${r.plural}`;
}

function resourceOf(t: WriteProbeTarget) {
  const plural = writeProbeObjects[t.kind].resource;
  const group = { configmaps: '', ingresses: 'networking.k8s.io', deployments: 'apps' }[plural] ?? '';
  return resourceTypes.find((r) => r.plural === plural && r.group === group)!;
}

/** One dry-run create through the simulated API server's request path; its answer. */
async function dryRunCreate(
  sim: Simulator,
  o: ReplayWriteProbeOptions,
  t: WriteProbeTarget,
): Promise<Answer> {
  const clock = sim.clock;
  const started = clock.now();
  const path = collectionPath(t);
  const elapsed = () => clock.now() - started;
  const how = o.closed();
  if (how) return { latencyMs: how === 'hang' ? writeProbeTimeoutMs : 1, error: o.unreachableError(path) };
  const fail = (err: ApiError): Answer => ({
    latencyMs: elapsed(),
    status: err.code,
    error: `${o.server}${path}: ${err.message}`,
  });
  const q = new URLSearchParams({ dryRun: 'All' });
  try {
    const faults = sim.faults;
    if (faults.applies(path)) {
      const latency = faults.current.latencyMs ?? 0;
      if (latency >= writeProbeTimeoutMs)
        return {
          latencyMs: writeProbeTimeoutMs,
          error: `${o.server}${path}: no answer before the request timeout`,
        };
      if (latency > 0) await clock.sleep(latency);
      const injected = faults.rollError();
      if (injected)
        return fail(
          injected.code === 503
            ? serviceUnavailable('the server is currently unable to handle the request')
            : injected.code === 429
              ? new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.')
              : internalError('injected fault'),
        );
    }
    const cp = sim.controlPlane;
    await dryRunCreateRoundTrip(cp, routeToReplica(cp), clock, q);
    const r = resourceOf(t);
    const ctx: ResourceContext = {
      store: sim.store,
      clock,
      clusterIps: sim.server.clusterIps,
      admit: (a) => sim.webhooks.review(a),
    };
    await admitNewObject(ctx, { r, namespace: t.namespace }, writeProbeObjects[t.kind].body() as KubeObject);
    return { latencyMs: elapsed(), status: 201 };
  } catch (err) {
    // The balancer's backend is gone: the connection drops without an answer (sim/api/server.ts).
    if (err instanceof ReplicaUnavailable)
      return { latencyMs: elapsed(), error: `${o.server}${path}: socket hang up` };
    if (err instanceof ApiError) return fail(err);
    throw err;
  }
}

/** Tries every target every `intervalMs` (30 s, the live cadence); returns what stops it. */
export function startReplayWriteProbe(
  sim: Simulator,
  sink: ObservationSink,
  o: ReplayWriteProbeOptions,
): () => void {
  const poller = new Poller(sim.clock, o.intervalMs ?? 30_000, async () => {
    await Promise.all(
      o.targets.map(async (t) => {
        // Past the client's deadline the live probe stops waiting and reports no answer.
        const deadline = sim.clock.sleep(writeProbeTimeoutMs).then(
          (): Answer => ({
            latencyMs: writeProbeTimeoutMs,
            error: `${o.server}${collectionPath(t)}: no answer before the request timeout`,
          }),
        );
        const answer = await Promise.race([dryRunCreate(sim, o, t), deadline]);
        sink(writeProbeObservation(t, answer, sim.clock.now()));
      }),
    );
  });
  poller.start();
  return () => void poller.stop();
}
