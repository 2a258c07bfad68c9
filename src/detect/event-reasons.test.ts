import { describe, expect, it } from 'vitest';
import { eventReasons } from './event-reasons.ts';
import { event, t0, viewOf } from './fixtures.ts';
import { ofKind } from './signal.ts';

describe('eventReasons', () => {
  it('counts warnings by reason and family, naming the reasons the taxonomy does not know', () => {
    const view = viewOf({
      events: [
        event({
          kind: 'Pod',
          name: 'a',
          reason: 'FailedMount',
          type: 'Warning',
          message: 'timed out waiting for the condition',
          count: 4,
        }),
        event({
          kind: 'Pod',
          name: 'b',
          reason: 'BackOff',
          type: 'Warning',
          message: 'Back-off restarting failed container app in pod b',
          count: 2,
        }),
        event({
          kind: 'Certificate',
          name: 'web-tls',
          reason: 'Failed',
          type: 'Warning',
          component: 'cert-manager',
          message: 'issuer not ready',
        }),
        event({
          kind: 'Widget',
          name: 'w',
          reason: 'ReconcileError',
          type: 'Warning',
          component: 'widget-operator',
          count: 3,
        }),
        // Routine and old events are not warnings of the last hour.
        event({ kind: 'Pod', name: 'a', reason: 'Scheduled', type: 'Normal' }),
        event({ kind: 'Pod', name: 'c', reason: 'FailedMount', type: 'Warning', lastMs: t0 - 2 * 3_600_000 }),
      ],
    });
    const [s] = ofKind(eventReasons(view, t0), 'warning-events');
    expect(s.severity).toBe('info');
    expect(s.facts).toEqual({
      warnings: 10,
      reasons: ['FailedMount=4', 'ReconcileError=3', 'BackOff=2', 'Failed=1'],
      // cert-manager's `Failed` is no image pull: it counts with the container family's `Failed`.
      families: ['volume=4', 'container=3', 'unknown=3'],
      unknownReasons: ['ReconcileError=3'],
      windowMinutes: 60,
    });
  });
});
