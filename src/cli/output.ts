/**
 * `-o` for every command that prints data, kubectl's formats: `table` (the default),
 * `wide` (more columns where a command has them), `json`, `yaml`, `name` (`kind/name`
 * per line) and `jsonpath=TEMPLATE`. One parser for the flag and one printer, so all
 * commands behave alike. Machine formats print a document with `apiVersion` and `kind`
 * and RFC 3339 times (machine-output.ts), described by the JSON Schemas in docs/schema/.
 *
 * Whatever the format, text from the cluster reaches the terminal with its control
 * characters escaped (publish/control-chars.ts): the human formats escape them in the text
 * and colour it only afterwards (`paint`), the machine formats spell them as JSON or YAML
 * escapes, which keeps the data as it was.
 */
import { Scalar, stringify } from 'yaml';
import { controlChar, escapeControls } from '../publish/control-chars.ts';
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
  /**
   * Colours the table (or wide) text once its control characters are escaped: colour added
   * before that would be escaped with them.
   */
  paint?: (text: string) => string;
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
  if (format === 'json') return `${jsonText(machineForm(data, o.kind), 2)}\n`;
  if (format === 'yaml') return yamlText(machineForm(data, o.kind));
  if (format === 'name') {
    if (!o.names)
      throw usageError('-o name is not available here: this output has no named objects', 'use -o json');
    const names = o.names();
    return names.length ? `${escapeControls(names.join('\n'))}\n` : '';
  }
  if (format.startsWith('jsonpath='))
    return escapeControls(jsonpath(format.slice('jsonpath='.length), machineForm(data, o.kind)));
  const text = escapeControls(format === 'wide' && o.wide ? o.wide() : table());
  return o.paint ? o.paint(text) : text;
}

/** `\u202e`: the one spelling of a character that both JSON and YAML double quotes read back. */
const unicodeEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * JSON with the controls `JSON.stringify` leaves raw (DEL, C1, bidi) as `\u` escapes too: it
 * escapes C0 already, and those others can only stand inside strings, where escapes are valid.
 */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(controlChar, unicodeEscape);
}

/**
 * YAML escapes C0 but leaves DEL, C1 and bidi raw; only a double-quoted scalar can spell them
 * as escapes, so strings that hold one are written double-quoted and then escaped.
 */
function yamlText(value: unknown): string {
  const quoted = stringify(value, (_key, v) => {
    if (typeof v !== 'string' || v.search(controlChar) < 0) return v;
    const s = new Scalar(v);
    s.type = Scalar.QUOTE_DOUBLE;
    return s;
  });
  return quoted.replace(controlChar, unicodeEscape);
}
