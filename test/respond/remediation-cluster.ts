/**
 * Test harness for runbooks against a scenario's simulated cluster: the scenario runs in
 * virtual time to the moment the people in the story started fixing it, with their own
 * actions from then on left out, and is served over HTTPS (kubectl and kubetriage talk to
 * it as to any cluster). While a runbook's apply runs, `drive` moves virtual time only
 * when apply is waiting on the clock, straight to the moment it wakes: the cluster lives
 * on in between, and a three-hour restart takes seconds.
 *
 * Everything the test does through it (kubectl, the API client, the runbooks' apply) holds
 * a token bound to exactly the roles kubetriage ships for it: the read-only watcher role
 * and the opt-in remediation role (deploy/rbac.ts). The simulator authorizes each request
 * by them as RBAC would, so a runbook step the roles do not grant fails here with the
 * API server's 403, as it would on a real cluster.
 */
import { rolesFor } from '../../deploy/rbac.ts';
import { ApiClient } from '../../src/kube/api-client.ts';
import { loadKubeConfig } from '../../src/kube/kubeconfig.ts';
import type { TokenSubject } from '../../src/sim/api/rbac.ts';
import { loadScenario } from '../../src/sim/scenario/loader.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { type Clock, realClock, type Timer } from '../../src/time/clock.ts';
import { VirtualClock } from '../../src/time/virtual-clock.ts';
import { type SimCluster, serveSimCluster } from '../support/sim-cluster.ts';

/** The sim's clock as apply sees it, knowing when apply sleeps and until when. */
export class WaitingClock implements Clock {
  readonly inner: VirtualClock;
  private readonly wakes = new Map<number, number>();
  private seq = 0;

  constructor(inner: VirtualClock) {
    this.inner = inner;
  }

  now(): number {
    return this.inner.now();
  }

  after(ms: number, fn: () => void): Timer {
    return this.inner.after(ms, fn);
  }

  async sleep(ms: number): Promise<void> {
    const id = ++this.seq;
    this.wakes.set(id, this.inner.now() + Math.max(0, ms));
    try {
      await this.inner.sleep(ms);
    } finally {
      this.wakes.delete(id);
    }
  }

  /** The earliest moment a sleeping apply wakes, or undefined while it works. */
  get nextWake(): number | undefined {
    return this.wakes.size ? Math.min(...this.wakes.values()) : undefined;
  }
}

export interface RemediationCluster extends SimCluster {
  clock: VirtualClock;
  applyClock: WaitingClock;
  api: ApiClient;
  /** Runs `work` to its end, moving virtual time whenever it sleeps. */
  drive<T>(work: Promise<T>): Promise<T>;
}

const remediatorToken = 'kubetriage-remediate-token-0123456789';
/** The server's service account with kubetriage-read and kubetriage-remediate bound, as deploy/ ships them. */
const remediator: TokenSubject = {
  user: 'system:serviceaccount:kubetriage:kubetriage',
  roles: [...rolesFor('watcher', 'kubetriage'), ...rolesFor('remediation', 'kubetriage')].map((r) => ({
    ...(r.namespace ? { namespace: r.namespace } : {}),
    rules: r.rules,
  })),
};

export async function remediationAt(name: string, moment: string): Promise<RemediationCluster> {
  const scenario = await loadScenario(name);
  const clock = new VirtualClock(Date.parse(scenario.start));
  const at = Date.parse(moment);
  const sim = new Simulator({
    scenario,
    clock,
    actionsBefore: at,
    tokens: new Map([[remediatorToken, remediator]]),
  });
  await clock.runUntil(at);
  const served = await serveSimCluster(sim, remediatorToken);
  const kc = loadKubeConfig({ kubeconfig: served.kubeconfig }).kc;
  const api = new ApiClient(kc, { now: () => clock.now(), requestTimeoutMs: 10_000 });
  const applyClock = new WaitingClock(clock);
  return {
    ...served,
    clock,
    applyClock,
    api,
    async drive<T>(work: Promise<T>): Promise<T> {
      let settled = false;
      const watched = work.finally(() => {
        settled = true;
      });
      watched.catch(() => {});
      while (!settled) {
        const wake = applyClock.nextWake;
        if (wake !== undefined) await clock.runUntil(Math.max(wake, clock.now()));
        else await new Promise((r) => setImmediate(r));
      }
      return work;
    },
  };
}

/**
 * Lets the cluster live on while something on the wall clock (a serve process, a browser)
 * watches it: `stepMs` of virtual time every `everyMs` of wall time (about 40x by default).
 * Returns what stops it.
 */
export function runLive(c: RemediationCluster, stepMs = 2_000, everyMs = 50): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      await c.clock.runUntil(c.clock.now() + stepMs);
      await realClock.sleep(everyMs);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}
