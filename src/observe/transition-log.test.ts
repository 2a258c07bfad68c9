import { describe, expect, it } from 'vitest';
import { kindOf, restartKind, TransitionLog } from './transition-log.ts';
import type { Transition } from './transitions.ts';

const restart = (atMs: number, pod: string): Transition => ({
  atMs,
  resource: 'pods',
  key: `default/${pod}`,
  field: `container/${pod.split('-')[0]}/restartCount`,
  from: '0',
  to: '1',
});
const ready = (atMs: number, node: string): Transition => ({
  atMs,
  resource: 'nodes',
  key: node,
  field: 'condition/Ready',
  from: 'True',
  to: 'False',
});

describe('TransitionLog', () => {
  it('files a change by resource and field, any container standing for all', () => {
    expect(kindOf(restart(1, 'app-1'))).toBe(restartKind);
    expect(kindOf(restart(1, 'db-1'))).toBe(restartKind);
    expect(kindOf(ready(1, 'n1'))).toBe('nodes:condition/Ready');
  });

  it('hands out one kind of change, only while the ring still holds it', () => {
    const log = new TransitionLog(3);
    log.push(restart(1, 'app-1'));
    log.push(ready(2, 'n1'));
    log.push(restart(3, 'db-1'));
    expect(log.of(restartKind).map((t) => t.atMs)).toEqual([1, 3]);
    log.push(ready(4, 'n2'));
    expect(log.of(restartKind).map((t) => t.atMs)).toEqual([3]);
    expect(log.of('nodes:condition/Ready').map((t) => t.key)).toEqual(['n1', 'n2']);
    expect(log.of('pods:phase')).toEqual([]);
  });

  it('works a derived value out again only when its kinds gain or lose a change', () => {
    const log = new TransitionLog(3);
    let runs = 0;
    const count = () =>
      log.derive('restarts', [restartKind], (ts) => {
        runs++;
        return ts.length;
      });
    log.push(restart(1, 'app-1'));
    expect(count()).toBe(1);
    log.push(ready(2, 'n1'));
    expect(count()).toBe(1);
    expect(runs).toBe(1);
    log.push(restart(3, 'app-1'));
    expect(count()).toBe(2);
    // A node change pushes the first restart out of the ring.
    log.push(ready(4, 'n1'));
    expect(count()).toBe(1);
    expect(runs).toBe(3);
  });

  it('keeps each kind right past the points where it compacts its index', () => {
    const log = new TransitionLog(100);
    for (let i = 0; i < 5000; i++) log.push(i % 2 ? restart(i, 'app-1') : ready(i, 'n1'));
    const restarts = log.of(restartKind);
    expect(restarts).toHaveLength(50);
    expect(restarts[0].atMs).toBe(4901);
    expect(log.derive('n', [restartKind], (ts) => ts.length)).toBe(50);
    // The new restart pushes a node change out: one more restart held.
    log.push(restart(5000, 'app-1'));
    expect(log.derive('n', [restartKind], (ts) => ts.length)).toBe(51);
    // A node change pushes the oldest restart out.
    log.push(ready(5001, 'n1'));
    expect(log.derive('n', [restartKind], (ts) => ts.length)).toBe(50);
    expect(
      log
        .of(restartKind)
        .map((t) => t.atMs)
        .slice(0, 1),
    ).toEqual([4903]);
    expect(log.of(restartKind).at(-1)?.atMs).toBe(5000);
  });
});
