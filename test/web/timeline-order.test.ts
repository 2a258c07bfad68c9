/**
 * The dashboard's incident timeline reads in time order, even though the changes before the
 * onset are recorded after 'opened' (runway-2024 showed 11:12 opened above 09:30 joined).
 */
import { describe, expect, it } from 'vitest';
import { inTimeOrder } from '../../web/src/timeline-order.ts';

describe('inTimeOrder', () => {
  it('puts the changes before the onset ahead of the opening, keeping one instant in recorded order', () => {
    const recorded = [
      { atMs: 1_120, text: 'opened' },
      { atMs: 1_120, text: 'investigating → identified' },
      { atMs: 930, text: 'nodes joined' },
      { atMs: 1_110, text: 'API server version' },
    ];
    expect(inTimeOrder(recorded).map((e) => e.text)).toEqual([
      'nodes joined',
      'API server version',
      'opened',
      'investigating → identified',
    ]);
    expect(recorded[0].text).toBe('opened');
  });
});
