/**
 * `-o json|yaml|table` for every command that prints data: one parser for the flag and
 * one printer, so all commands behave alike.
 */
import { stringify } from 'yaml';
import { usageError } from './errors.ts';

export type OutputFormat = 'table' | 'json' | 'yaml';

export function parseOutputFormat(raw: string): OutputFormat {
  if (raw === 'table' || raw === 'json' || raw === 'yaml') return raw;
  throw usageError(`-o must be one of table, json, yaml (got "${raw}")`, 'e.g. -o json for scripts');
}

export function printData(format: OutputFormat, data: unknown, table: () => string): string {
  if (format === 'json') return `${JSON.stringify(data, null, 2)}\n`;
  if (format === 'yaml') return stringify(data);
  return table();
}
