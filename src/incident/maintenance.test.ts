import { describe, expect, it } from 'vitest';
import { dueStatus, type Maintenance, maintenanceCovering } from './maintenance.ts';

const h = 3_600_000;
const m = (over: Partial<Maintenance> = {}): Maintenance => ({
  id: 'MNT-0001',
  name: 'node pool upgrade',
  status: 'scheduled',
  scheduledForMs: 10 * h,
  scheduledUntilMs: 12 * h,
  components: ['Nodes'],
  autoStart: true,
  autoComplete: true,
  createdAtMs: 0,
  author: 'alice',
  updates: [],
  ...over,
});

describe('a maintenance window moves by its clock as Statuspage moves scheduled incidents', () => {
  it.each([
    ['before the window', m(), 9 * h, 'scheduled'],
    ['at its start', m(), 10 * h, 'in_progress'],
    ['inside it', m(), 11 * h, 'in_progress'],
    ['at its end', m(), 12 * h, 'completed'],
    ['after an end never seen', m(), 20 * h, 'completed'],
    ['without auto start', m({ autoStart: false }), 11 * h, 'scheduled'],
    ['without auto start, even after its end', m({ autoStart: false }), 13 * h, 'scheduled'],
    ['without auto complete', m({ autoComplete: false }), 13 * h, 'in_progress'],
    ['being verified when it ends', m({ status: 'verifying' }), 12 * h, 'completed'],
    ['completed early by a person', m({ status: 'completed' }), 11 * h, 'completed'],
  ] as const)('%s', (_, maintenance, at, want) => {
    expect(dueStatus(maintenance, at)).toBe(want);
  });

  it('covers an incident on one of its components only while underway', () => {
    const list = [m({ components: ['Nodes', 'Workloads'] })];
    expect(maintenanceCovering(list, ['Nodes'], 9 * h)).toBeUndefined();
    expect(maintenanceCovering(list, ['Nodes'], 11 * h)?.id).toBe('MNT-0001');
    expect(maintenanceCovering(list, ['DNS'], 11 * h)).toBeUndefined();
    expect(maintenanceCovering(list, ['Workloads', 'DNS'], 11 * h)?.id).toBe('MNT-0001');
    expect(maintenanceCovering(list, ['Nodes'], 12 * h)).toBeUndefined();
  });
});
