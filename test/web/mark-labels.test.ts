/**
 * Issue 23 item 6: chart labels must not overprint when many actions cluster. The layout
 * the chart draws its mark labels with, checked on marks bunched as a busy incident makes
 * them: no two printed labels share a row and overlap, none leaves the plot, and the ones
 * with no room are counted, not printed.
 */
import { describe, expect, it } from 'vitest';
import { placeMarkLabels } from '../../web/src/components/mark-labels.ts';

const layout = { left: 60, right: 1_000, rows: 4, gap: 4, pad: 3 };

function overlaps(a: { from: number; to: number }, b: { from: number; to: number }): boolean {
  return a.from < b.to && b.from < a.to;
}

describe('placeMarkLabels', () => {
  it('prints no label over another when a dozen actions land within a few pixels', () => {
    const marks = Array.from({ length: 12 }, (_, k) => ({ x: 400 + k * 3, width: 90 }));
    const placed = placeMarkLabels(marks, layout);
    const printed = placed.flatMap((p, k) => (p ? [{ ...p, to: p.from + marks[k].width }] : []));
    expect(printed.length).toBe(layout.rows);
    for (const [i, a] of printed.entries())
      for (const b of printed.slice(i + 1)) expect(a.row === b.row && overlaps(a, b)).toBe(false);
    expect(placed.filter((p) => p === undefined)).toHaveLength(12 - layout.rows);
  });

  it('stacks labels of marks at the same instant, and keeps row one for marks far apart', () => {
    const placed = placeMarkLabels(
      [
        { x: 500, width: 40 },
        { x: 500, width: 60 },
        { x: 800, width: 40 },
      ],
      layout,
    );
    expect(placed).toEqual([
      { from: 503, row: 0 },
      { from: 503, row: 1 },
      { from: 803, row: 0 },
    ]);
  });

  it('keeps the labels of the incident’s status changes when a burst of actions fills the rows first', () => {
    // runway-2024 over 24 h: four upgrade steps within an hour, then opened and identified.
    const actions = [400, 410, 420, 430].map((x) => ({ x, width: 90, rank: 1 }));
    const status = [434, 434].map((x) => ({ x, width: 50, rank: 0 }));
    const placed = placeMarkLabels([...actions, ...status], layout);
    expect(placed.slice(4).every((p) => p !== undefined)).toBe(true);
    expect(placed.filter((p) => p === undefined)).toHaveLength(2);
  });

  it('puts a label near the right edge on its line’s left, and never past the left edge', () => {
    const [nearRight, nearLeft] = placeMarkLabels(
      [
        { x: 990, width: 80 },
        { x: 61, width: 80 },
      ],
      layout,
    );
    expect(nearRight).toEqual({ from: 990 - 3 - 80, row: 0 });
    expect(nearLeft?.from).toBeGreaterThanOrEqual(layout.left);
  });
});
