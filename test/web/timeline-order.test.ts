/**
 * The dashboard's incident timeline reads in time order, even though the changes before the
 * onset are recorded after 'opened' (runway-2024 showed 11:12 opened above 09:30 joined).
 */
import { describe, expect, it } from 'vitest';
import { inTimeOrder, withLooseActions } from '../../web/src/timeline-order.ts';

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

describe('withLooseActions', () => {
  const hour = 3_600_000;
  const opened = 30 * hour;
  const action = (atMs: number, text: string) => ({ id: atMs, atMs, author: 'operator', text });

  it('puts the actions logged before the incident opened on its timeline, from a day before until it resolved', () => {
    const story = withLooseActions(
      {
        openedAtMs: opened,
        resolvedAtMs: opened + 20 * hour,
        timeline: [{ atMs: opened, kind: 'opened', text: 'opened' }],
      },
      [
        action(opened - 25 * hour, 'last week’s resize'),
        action(opened - 2 * 60_000, 'upgraded distribution v1.30.6 → v1.31.2'),
        action(opened + 21 * hour, 'after it was resolved'),
      ],
    );
    expect(story.map((e) => [e.kind, e.text])).toEqual([
      ['action', 'upgraded distribution v1.30.6 → v1.31.2'],
      ['opened', 'opened'],
    ]);
    expect(story[0].author).toBe('operator');
  });
});
