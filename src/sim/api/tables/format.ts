/**
 * What every per-kind table printer shares: the printer and column shapes, safe readers for
 * the loosely typed stored JSON, and the formatting helpers printers.go leans on (ages,
 * `labels.FormatLabels`, `metav1.FormatLabelSelector`, container name/image cells). Printers
 * read stored objects through these readers so that a malformed object prints defaults
 * instead of throwing inside a list request.
 */

import type { KubeObject } from '../k8s-types.ts';
import { docs } from './descriptions.ts';
import { humanDuration } from './duration.ts';

/** A Table cell: printers.go only ever emits strings and int64s for these kinds. */
export type Cell = string | number;

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface PrintedRow {
  cells: Cell[];
  conditions?: TableRowCondition[];
}

/** One kind's columns and how to fill a row; the server always prints the wide cells too. */
export interface Printer {
  columns: TableColumnDefinition[];
  print(obj: KubeObject, nowMs: number): PrintedRow;
}

export function column(
  name: string,
  type: string,
  description: string,
  opts: { priority?: number; format?: string } = {},
): TableColumnDefinition {
  return { name, type, format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}

export const nameColumn = (priority = 0): TableColumnDefinition =>
  column('Name', 'string', docs.name, { format: 'name', priority });
export const ageColumn = (): TableColumnDefinition => column('Age', 'string', docs.creationTimestamp);
export const containersColumn = (): TableColumnDefinition =>
  column('Containers', 'string', 'Names of each container in the template.', { priority: 1 });
export const imagesColumn = (): TableColumnDefinition =>
  column('Images', 'string', 'Images referenced by each container in the template.', { priority: 1 });

// ---- readers for stored JSON ----

export function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The object when present, for fields where printers.go tests a pointer against nil. */
export function optRec(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function recs(v: unknown): Record<string, unknown>[] {
  return list(v).map(rec);
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function int(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0;
}

// ---- time ----

const GO_ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');

/**
 * Epoch milliseconds of a metav1.Time / MicroTime string, or undefined where Go would hold the
 * zero time (null, absent, or the literal zero instant). Unparseable strings count as zero too:
 * a real server could not have stored them.
 */
export function parseTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms) || ms === GO_ZERO_TIME) return undefined;
  return ms;
}

/** printers.go `translateTimestampSince` (and its MicroTime twin). */
export function since(timestamp: unknown, nowMs: number): string {
  const t = parseTime(timestamp);
  return t === undefined ? '<unknown>' : humanDuration(nowMs - t);
}

/** The Age cell every kind carries. */
export function age(obj: KubeObject, nowMs: number): string {
  return since(obj.metadata.creationTimestamp, nowMs);
}

// ---- labels and selectors ----

/** Go's sort.Strings order (byte order); equal to UTF-16 order for the ASCII label alphabet. */
function sortedKeys(m: Record<string, unknown>): string[] {
  return Object.keys(m).sort();
}

/** apimachinery `labels.FormatLabels`: sorted `k=v` pairs, `<none>` when empty. */
export function formatLabels(v: unknown): string {
  const m = rec(v);
  const s = sortedKeys(m)
    .map((k) => `${k}=${str(m[k])}`)
    .join(',');
  return s === '' ? '<none>' : s;
}

/**
 * `metav1.LabelSelectorAsSelector(sel).String()`, or undefined where conversion fails (an
 * unknown operator, or values that do not fit the operator). A missing or empty selector
 * prints as the empty string, as labels.Nothing() and labels.Everything() do.
 */
export function labelSelectorString(v: unknown): string | undefined {
  const sel = optRec(v);
  if (!sel) return '';
  const reqs: { key: string; text: string }[] = [];
  const matchLabels = rec(sel.matchLabels);
  for (const key of Object.keys(matchLabels)) reqs.push({ key, text: `${key}=${str(matchLabels[key])}` });
  for (const expr of recs(sel.matchExpressions)) {
    const key = str(expr.key);
    const values = list(expr.values).map(str);
    switch (expr.operator) {
      case 'In':
      case 'NotIn': {
        if (values.length === 0) return undefined;
        const op = expr.operator === 'In' ? 'in' : 'notin';
        reqs.push({ key, text: `${key} ${op} (${[...values].sort().join(',')})` });
        break;
      }
      case 'Exists':
        if (values.length > 0) return undefined;
        reqs.push({ key, text: key });
        break;
      case 'DoesNotExist':
        if (values.length > 0) return undefined;
        reqs.push({ key, text: `!${key}` });
        break;
      default:
        return undefined;
    }
  }
  // The internal selector keeps its requirements sorted by key; a stable sort keeps
  // matchLabels ahead of expressions on the same key, as Go's would for small inputs.
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** `metav1.FormatLabelSelector`: like the above, but `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(v: unknown): string {
  const s = labelSelectorString(v);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}

// ---- containers ----

/** printers.go `layoutContainerCells`: comma-joined names and images of a pod template. */
export function layoutContainerCells(containers: unknown): [names: string, images: string] {
  const cs = recs(containers);
  return [cs.map((c) => str(c.name)).join(','), cs.map((c) => str(c.image)).join(',')];
}

/** The containers of a workload's `spec.template.spec`. */
export function templateContainers(obj: KubeObject): unknown {
  return rec(rec(rec(obj.spec).template).spec).containers;
}
