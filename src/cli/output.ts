/**
 * `-o` for every command that prints data, kubectl's formats: `table` (the default),
 * `wide` (more columns where a command has them), `json`, `yaml`, `name` (`kind/name`
 * per line) and `jsonpath=TEMPLATE`. One parser for the flag and one printer, so all
 * commands behave alike. Machine formats print a document with `apiVersion` and `kind`
 * and RFC 3339 times (machine-output.ts), described by the JSON Schemas in docs/schema/.
 */
import { stringify } from 'yaml';
import { usageError } from './cli-error.ts';
import { jsonpath, parseTemplate } from './jsonpath.ts';
import { machineDocument, machineList, withRfc3339Times } from './machine-output.ts';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'name' | `jsonpath=${string}`;

export function parseOutputFormat(raw: string): OutputFormat {
  if (raw === 'table' || raw === 'wide' || raw === 'json' || raw === 'yaml' || raw === 'name') return raw;
  if (raw.startsWith('jsonpath=')) {
    parseTemplate(raw.slice('jsonpath='.length)); // a bad template is a usage error now, not after the work
    return raw as OutputFormat;
  }
  throw usageError(
    `-o must be one of table, wide, json, yaml, name or jsonpath=TEMPLATE (got "${raw}")`,
    "e.g. -o json for scripts, -o jsonpath='{.items[*].id}' for one field",
  );
}

export interface PrintOptions {
  /** The document's kind (`Incident`, `StatusReport`); a list becomes `IncidentList`. */
  kind?: string;
  /** The `-o wide` table; the plain table when a command has no wider one. */
  wide?: () => string;
  /** `-o name`: each object as `kind/name`, e.g. `incident/INC-0001`. */
  names?: () => string[];
}

/** The machine form of the data: apiVersion and kind, RFC 3339 times. */
export function machineForm(data: unknown, kind: string | undefined): unknown {
  const times = withRfc3339Times(data);
  if (!kind) return times;
  if (Array.isArray(times)) return machineList(kind, times);
  if (times !== null && typeof times === 'object')
    return machineDocument(kind, times as Record<string, unknown>);
  return times;
}

export function printData(
  format: OutputFormat,
  data: unknown,
  table: () => string,
  o: PrintOptions = {},
): string {
  if (format === 'json') return `${JSON.stringify(machineForm(data, o.kind), null, 2)}\n`;
  if (format === 'yaml') return stringify(machineForm(data, o.kind));
  if (format === 'wide') return (o.wide ?? table)();
  if (format === 'name') {
    if (!o.names)
      throw usageError('-o name is not available here: this output has no named objects', 'use -o json');
    const names = o.names();
    return names.length ? `${names.join('\n')}\n` : '';
  }
  if (format.startsWith('jsonpath='))
    return jsonpath(format.slice('jsonpath='.length), machineForm(data, o.kind));
  return table();
}
