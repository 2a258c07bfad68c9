/**
 * Tables for a terminal: columns aligned kubectl-style, and colour put on one column after
 * the text is safe (printData escapes control characters first, so colour cannot go in a cell).
 */
import { escapeControls } from '../../publish/control-chars.ts';

/**
 * Text columns, kubectl-style: each column as wide as its widest cell, two spaces apart. A
 * cell is measured as the terminal will show it, its control characters escaped.
 */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const shown = rows.map((r) => r.map(escapeControls));
  const widths = shown[0]?.map((_, i) => Math.max(...shown.map((r) => r[i].length))) ?? [];
  return shown.map((r) =>
    r
      .map((c, i) => c + ' '.repeat(Math.max(0, widths[i] - c.length)))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * Paints the cells of one column of a table `alignColumns` laid out (headings on the first
 * line), found by its heading's position. Colour goes on after printData has made the text
 * safe for a terminal: put on a cell before, it would be escaped with the cluster's controls.
 */
export function paintColumn(table: string, heading: string, paint: (cell: string) => string): string {
  const lines = table.split('\n');
  const at = ` ${lines[0]} `.indexOf(` ${heading} `);
  if (at < 0) return table;
  return lines
    .map((line, n) => {
      const cell = n === 0 ? undefined : /^\S+/.exec(line.slice(at))?.[0];
      return cell ? line.slice(0, at) + paint(cell) + line.slice(at + cell.length) : line;
    })
    .join('\n');
}
