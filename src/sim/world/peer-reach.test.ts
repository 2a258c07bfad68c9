import { describe, expect, it } from 'vitest';
import type { PodNetwork } from '../behaviour/pod-network.ts';
import { peerFinding } from './peer-reach.ts';

const field = (k: string, v: string | number) => `${k}=${v}`;

/** A pod network where `cut` pairs do not route and `small` pairs drop full-size packets. */
function network(cut: string[][], small: string[][]): PodNetwork {
  const has = (pairs: string[][], a: string, b: string) =>
    pairs.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
  return {
    routed: (a: string, b: string) => !has(cut, a, b),
    largePacketsPass: (a: string, b: string) => !has(small, a, b),
  } as unknown as PodNetwork;
}

describe('the node agent peer check, as a simulated machine meets it', () => {
  const nodes = ['a', 'b', 'c'];

  it('passes when every Ready peer routes and carries full-size packets', () => {
    expect(peerFinding('a', network([], []), nodes, field, 'T')).toMatchObject({
      status: 'False',
      reason: 'PeersReachable',
    });
  });

  it('names the peers whose full-size answers stall on a link that drops them', () => {
    const f = peerFinding('a', network([], [['a', 'b']]), nodes, field, 'T');
    expect(f).toMatchObject({ status: 'True', reason: 'LargePacketsDropped' });
    expect(f?.message).toContain('stalled=b ');
    expect(peerFinding('c', network([], [['a', 'b']]), nodes, field, 'T')?.status).toBe('False');
  });

  it('names unreachable peers first when routes are gone, stalled ones alongside', () => {
    const f = peerFinding('a', network([['a', 'c']], [['a', 'b']]), nodes, field, 'T');
    expect(f).toMatchObject({ status: 'True', reason: 'PeersUnreachable' });
    expect(f?.message).toMatch(/unreachable=c stalled=b/);
  });

  it('cannot run with no Ready peer on another node', () => {
    expect(peerFinding('a', network([], []), ['a'], field, 'T')).toBeUndefined();
  });
});
