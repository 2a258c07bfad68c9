/**
 * `serve --replay`: a scenario played in virtual time through everything `serve` runs
 * (pipeline, desk, store, notifications, API), with the scenario's operator actions posted
 * through the JSON API at their times, the way the people on call would have logged them.
 * It is the demo, and the test that the record a real outage leaves is right.
 */
import type { Scenario } from '../sim/scenario/schema.ts';
import type { VirtualClock } from '../time/virtual-clock.ts';
import { type LoggedAction, scenarioActions } from './scenario-actions.ts';
import { type ReplayResult, replayScenario } from './scenario-replay.ts';
import type { ServeRuntime } from './serve-runtime.ts';

export interface ServeReplayOptions {
  token: string;
  /** The runtime's clock: the replay runs on it. */
  clock: VirtualClock;
  forMs?: number;
  /** Public URLs to probe as `--probe-url` does, answered by the scenario's load balancer. */
  probeUrls?: readonly string[];
  /** Progress, every tick, in virtual time; awaited, so a demo can pace the replay or a test hold it still. */
  onProgress?: (nowMs: number) => void | Promise<void>;
  /** Asked after each tick: true ends the replay there. */
  stop?: () => boolean;
}

/** Posts one action as an operator would: on the open incident if there is exactly one. */
async function postAction(rt: ServeRuntime, token: string, a: LoggedAction): Promise<void> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const at = new Date(a.atMs).toISOString();
  const post = async (path: string, body: object) => {
    const res = await rt.app.request(path, { method: 'POST', headers, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`POST ${path} failed: ${res.status} ${await res.text()}`);
  };
  const open = (await (await rt.app.request('/api/incidents?status=open', { headers })).json()) as {
    incidents: { id: string }[];
  };
  const only = open.incidents.length === 1 ? open.incidents[0].id : undefined;
  await post(only ? `/api/incidents/${only}/actions` : '/api/actions', {
    text: a.text,
    author: a.author,
    at,
  });
  if (!a.closesIncident) return;
  for (const i of open.incidents)
    await post(`/api/incidents/${i.id}/status`, {
      status: 'resolved',
      message: 'Service has been restored on a new cluster.',
      author: a.author,
      at,
    });
}

export async function serveReplay(
  rt: ServeRuntime,
  scenario: Scenario,
  o: ServeReplayOptions,
): Promise<ReplayResult> {
  const actions = scenarioActions(scenario);
  let next = 0;
  const result = await replayScenario(scenario, {
    forMs: o.forMs,
    clock: o.clock,
    probeUrls: o.probeUrls,
    stop: o.stop,
    onTick: async (view, nowMs) => {
      rt.round(view, nowMs);
      while (next < actions.length && actions[next].atMs <= nowMs)
        await postAction(rt, o.token, actions[next++]);
      await o.onProgress?.(nowMs);
    },
  });
  await rt.desk.flush();
  return result;
}
