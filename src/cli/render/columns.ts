import { visibleLength } from './colour.ts';

/** Text columns, kubectl-style: each column as wide as its widest cell, two spaces apart (colour takes no width). */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => visibleLength(r[i])))) ?? [];
  return rows.map((r) =>
    r
      .map((c, i) => c + ' '.repeat(Math.max(0, widths[i] - visibleLength(c))))
      .join('  ')
      .trimEnd(),
  );
}
