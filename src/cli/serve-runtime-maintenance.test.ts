/**
 * An incident kubetriage opens inside a declared maintenance window, on components the
 * window names, is still recorded (planned work can hide a real outage), and its timeline
 * says which maintenance it fell in; one opened outside any window says nothing of the sort.
 */
import { describe, expect, it } from 'vitest';
import { t0 } from '../detect/fixtures.ts';
import { componentNames } from '../publish/public-words.ts';
import { ManualClock } from '../time/manual-clock.ts';
import { roundsUntilIncident } from './serve-fixtures.ts';
import { ServeRuntime } from './serve-runtime.ts';

async function openedIncident(o: { maintenance: boolean }) {
  const clock = new ManualClock(t0);
  const rt = new ServeRuntime({ clock, cluster: 'prod', token: 'a-token-of-at-least-16-chars' });
  if (o.maintenance)
    await rt.maintenances.schedule({
      name: 'Control plane upgrade',
      scheduledForMs: t0,
      scheduledUntilMs: t0 + 3_600_000,
      components: [...componentNames],
      autoStart: true,
      autoComplete: true,
      atMs: t0,
      author: 'alice',
    });
  const incident = roundsUntilIncident(rt, clock)!;
  await rt.close();
  return incident;
}

describe('incidents during planned maintenance', () => {
  it('records the incident and marks it as within the maintenance window', async () => {
    const i = await openedIncident({ maintenance: true });
    expect(i).toBeDefined();
    expect(i.timeline.filter((e) => e.text.startsWith('Opened during planned maintenance'))).toEqual([
      expect.objectContaining({
        kind: 'note',
        author: 'kubetriage',
        text: expect.stringContaining('MNT-0001 "Control plane upgrade"'),
      }),
    ]);
  });

  it('says nothing of maintenance outside a window', async () => {
    const i = await openedIncident({ maintenance: false });
    expect(i).toBeDefined();
    expect(i.timeline.some((e) => e.text.includes('maintenance'))).toBe(false);
  });
});
