/**
 * A real Prometheus scrapes `serve`'s own /metrics, with the bearer token `serve` requires
 * (Prometheus' `authorization` scrape setting), after a reference outage was replayed
 * through it: the incident it opened shows in the counters and the detection histogram.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishers } from '../../src/cli/serve-publishers.ts';
import { serveReplay } from '../../src/cli/serve-replay.ts';
import { ServeRuntime } from '../../src/cli/serve-runtime.ts';
import { loadScenario } from '../../src/sim/scenario/loader.ts';
import { realClock } from '../../src/time/clock.ts';
import { VirtualClock } from '../../src/time/virtual-clock.ts';
import { type Prometheus, startPrometheus } from '../support/prometheus.ts';

const token = 'scrape-token-0123456789abcdef';
let rt: ServeRuntime;
let prom: Prometheus | undefined;
let port: number;

beforeAll(async () => {
  const scenario = await loadScenario('data100-2019');
  const clock = new VirtualClock(Date.parse(scenario.start));
  const pub = publishers({ cluster: 'data100', targets: [] });
  rt = new ServeRuntime({ clock, cluster: 'data100', token, metrics: pub.metrics, onRound: pub.onRound });
  port = await rt.listen(0, '127.0.0.1');
  await serveReplay(rt, scenario, { token, clock });
}, 120_000);

afterAll(async () => {
  await prom?.stop();
  await rt.close();
});

async function until<T>(what: string, read: () => Promise<T | undefined>): Promise<T> {
  // Prometheus scrapes every second; give it up to a minute (a limit on waiting, not an assertion on speed).
  for (let i = 0; i < 240; i++) {
    const v = await read();
    if (v !== undefined) return v;
    await realClock.sleep(250);
  }
  throw new Error(`${what} never showed; Prometheus said:\n${prom?.log()}`);
}

describe('Prometheus scrapes serve', () => {
  it('reads the replayed incident from /metrics with the bearer token', async () => {
    prom = await startPrometheus({
      target: `127.0.0.1:${port}`,
      path: '/metrics',
      job: 'kubetriage',
      bearerToken: token,
    });
    const p = prom;
    await until('up == 1', async () =>
      (await p.query('up{job="kubetriage"}'))[0]?.value === 1 ? true : undefined,
    );
    const opened = await until('the incident counter', async () => {
      const s = await p.query('kubetriage_incidents_total');
      return s.length ? s : undefined;
    });
    expect(opened.map((s) => [s.metric.pattern, s.value])).toEqual([['control-plane-unreachable', 1]]);
    const detect = await p.query('kubetriage_time_to_detect_seconds_count');
    expect(detect.map((s) => s.value)).toEqual([1]);
    const open = await p.query('sum(kubetriage_incidents_open)');
    expect(open[0]?.value).toBe(0);
  });
});
