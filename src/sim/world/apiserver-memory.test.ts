import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/manual-clock.ts';
import { requestUser } from '../api/apf.ts';
import { ApiLoad, type ClientFlow } from '../api/api-load.ts';
import { ApiServerMetrics } from '../api/apiserver-metrics.ts';
import { ControlPlane } from '../cluster/control-plane.ts';
import {
  ApiserverMemory,
  apiserverStartMs,
  clientsReturnMs,
  listBytesPerObject,
} from './apiserver-memory.ts';

const Gi = 1024 ** 3;

function world(pods: number, limitBytes = 2 * Gi) {
  const clock = new ManualClock(0);
  const load = new ApiLoad({ clock, count: (r) => (r === 'pods' ? pods : 1) });
  const cp = new ControlPlane({
    members: ['a', 'b'].map((n) => ({ name: n, ip: `10.0.0.${n === 'a' ? 1 : 2}`, onNode: false })),
    stacked: false,
  });
  const metrics = new ApiServerMetrics();
  const memory = new ApiserverMemory({ clock, cp, load, metrics, limitBytes });
  const up = () => cp.members.filter((m) => cp.apiserverUp(m)).length;
  const held = () => memory.heldBy('a');
  return { clock, load, cp, memory, metrics, up, held };
}

/** A DaemonSet agent on each of `nodes` nodes listing every pod, unpaginated, `perNodeRate` times a second. */
const agent = (nodes: number, perNodeRate: number): ClientFlow => ({
  name: 'telemetry-agent',
  user: requestUser('system:serviceaccount:telemetry:agent'),
  userAgent: 'telemetry-agent/v1',
  verb: 'list',
  group: '',
  version: 'v1',
  resource: 'pods',
  rate: () => nodes * perNodeRate,
});

describe('kube-apiserver memory under LISTs', () => {
  it('a few agents listing a small cluster hold little: the replicas keep serving', () => {
    const w = world(3_000);
    w.load.add(agent(50, 1 / 30));
    w.clock.advance(60_000);
    expect(w.held()).toBeLessThan(50 * 1024 ** 2);
    expect(w.up()).toBe(2);
  });

  it('every node listing every pod of a big cluster holds more than a replica has: both are killed, start again after a minute, serve while their clients come back, and are killed again while the agents keep listing', () => {
    const w = world(60_000);
    const off = w.load.add(agent(2_000, 1 / 10));
    // APF caps the seats, not the memory: even the admitted share holds gigabytes.
    const steady = w.held();
    expect(steady).toBeGreaterThan(2 * Gi);
    w.clock.advance(5_000);
    expect(w.up()).toBe(0);
    expect(w.held()).toBe(0);
    w.clock.advance(apiserverStartMs);
    expect(w.up()).toBe(2);
    // Killed once the returning clients' LISTs hold more than the limit again.
    const killedAfter = (clientsReturnMs * 2 * Gi) / steady;
    w.clock.advance(Math.floor(killedAfter / 5_000) * 5_000 - 5_000);
    expect(w.up()).toBe(2);
    w.clock.advance(10_000);
    expect(w.up()).toBe(0);
    // The agents stop (scaled down, blocked): the replicas come back and stay.
    off();
    w.clock.advance(apiserverStartMs + 60_000);
    expect(w.up()).toBe(2);
  });

  it('one replica down leaves its share to the others', () => {
    const w = world(20_000, 100 * Gi);
    w.load.add(agent(500, 1 / 10));
    const both = w.held();
    w.cp.setApiserverDown('a', 'test', true);
    expect(w.memory.heldBy('b')).toBeCloseTo(both * 2, 0);
  });

  it('while no replica serves, requests are neither dispatched nor rejected', () => {
    const w = world(60_000);
    w.load.add(agent(2_000, 1 / 10));
    w.clock.advance(5_000);
    w.load.integrate(w.metrics);
    const before = w.metrics.render();
    w.clock.advance(30_000);
    w.load.integrate(w.metrics);
    const counted = (text: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith('apiserver_flowcontrol_rejected_requests_total'))
        .join('\n');
    expect(counted(w.metrics.render())).toBe(counted(before));
  });

  it('a LIST holds every object it reads', () => {
    const w = world(1_000, 100 * Gi);
    w.load.add(agent(1, 1));
    // One list a second, each taking 3 ms + 1000 / 50000 s.
    expect(w.held() * 2).toBeCloseTo(0.023 * 1_000 * listBytesPerObject, -2);
  });
});
