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

/** For each mark (its line's x and its label's width), where its label goes, or undefined. */
export function placeMarkLabels(
  marks: readonly { x: number; width: number }[],
  o: MarkLabelLayout,
): (PlacedLabel | undefined)[] {
  const rowEnds = Array.from({ length: o.rows }, () => Number.NEGATIVE_INFINITY);
  return marks.map(({ x, width }) => {
    const atLeft = x + o.pad + width > o.right;
    const from = Math.max(o.left, atLeft ? x - o.pad - width : x + o.pad);
    const row = rowEnds.findIndex((end) => from > end + o.gap);
    if (row < 0) return undefined;
    rowEnds[row] = from + width;
    return { from, row };
  });
}
