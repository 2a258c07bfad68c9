/**
 * Where the chart's vertical marks put their labels when many cluster together (an
 * incident opened and identified in the same round, a burst of operator actions): each
 * label takes the first of a few rows where it overlaps nothing, goes on its line's left
 * near the right edge so it is never cut off, and a label that fits nowhere is dropped
 * (its line stays, and the chart counts it) rather than printed over another. Pure, so
 * the layout is tested without a canvas.
 */
export interface MarkLabelLayout {
  /** The plot area's left and right edges, in canvas pixels. */
  left: number;
  right: number;
  rows: number;
  /** Room between two labels in one row, and between a label and its line. */
  gap: number;
  pad: number;
}

export interface PlacedLabel {
  from: number;
  row: number;
}

/**
 * For each mark (its line's x, its label's width and, optionally, its rank: lower ranks are
 * labelled first, so the incident's own status changes keep their labels when a burst of
 * actions leaves room for only some), where its label goes, or undefined.
 */
export function placeMarkLabels(
  marks: readonly { x: number; width: number; rank?: number }[],
  o: MarkLabelLayout,
): (PlacedLabel | undefined)[] {
  const rows: { from: number; to: number }[][] = Array.from({ length: o.rows }, () => []);
  const placed: (PlacedLabel | undefined)[] = marks.map(() => undefined);
  const order = marks.map((m, k) => ({ ...m, k })).sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0) || a.x - b.x);
  for (const { x, width, k } of order) {
    const atLeft = x + o.pad + width > o.right;
    const from = Math.max(o.left, atLeft ? x - o.pad - width : x + o.pad);
    const to = from + width;
    const row = rows.findIndex((taken) => taken.every((t) => to + o.gap < t.from || from > t.to + o.gap));
    if (row < 0) continue;
    rows[row].push({ from, to });
    placed[k] = { from, row };
  }
  return placed;
}
