/**
 * How scenario problems are worded: a value as the author wrote it (`"three"`, `a list`),
 * a field path as it reads in the file (`timeline[3].fault.nodes.count`), and the message
 * for each kind of zod issue. One place, so the schema's own expectations
 * (`expected a positive integer`) and zod's defaults read alike.
 */
import type { z } from 'zod';

/** A YAML value as it appeared, short: strings quoted, collections named, not dumped. */
export function show(value: unknown): string {
  if (value === null) return 'an empty value';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** `["timeline", 3, "fault"]` → `timeline[3].fault`; label keys with dots keep brackets. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(String(seg))) out += out === '' ? String(seg) : `.${String(seg)}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out === '' ? '(top level)' : out;
}

/**
 * Marks a message zod made up itself (no `error` given in the schema), so it can be
 * reworded from the issue's code with the full path known; see `describeIssue`.
 */
export const uncustomised = '\u0000uncustomised';

const typeNames: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
};

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? v : show(v)));
  return shown.length === 1 ? shown[0] : `one of ${shown.join(', ')}`;
}

/**
 * The message for one finished zod issue (parsed with `reportInput`), without file, line
 * or path. Schema-written expectations start with "expected" and get what was found
 * appended; a missing field says so whatever was expected of it. `written` is the value's
 * text in the file when it differs from its parsed form (YAML reads `1.30` as 1.3).
 */
export function describeIssue(issue: z.core.$ZodIssue, written?: string): string {
  const input = (issue as { input?: unknown }).input;
  const got = written ?? show(input);
  const custom = issue.message !== uncustomised;
  if (custom) {
    if (!issue.message.startsWith('expected ')) return issue.message;
    if (input === undefined) return `required field is missing (${issue.message})`;
    return `${issue.message}, got ${got}`;
  }
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return 'required field is missing';
      return `expected ${typeNames[issue.expected] ?? issue.expected}, got ${got}`;
    case 'invalid_value':
      return `expected ${oneOf(issue.values)}, got ${got}`;
    case 'invalid_union': {
      if ('discriminator' in issue && issue.discriminator) {
        const found =
          input && typeof input === 'object'
            ? (input as Record<string, unknown>)[issue.discriminator as string]
            : undefined;
        const options = (issue as { options?: readonly unknown[] }).options ?? [];
        if (found === undefined) return `required field is missing (expected ${oneOf(options)})`;
        // `timeline[3].fault.type` → "unknown fault type".
        const owner = issue.path.at(-2);
        const what =
          typeof owner === 'string' ? `${owner} ${String(issue.discriminator)}` : String(issue.discriminator);
        return `unknown ${what} ${written ?? show(found)}; expected ${oneOf(options)}`;
      }
      return `expected one of the allowed forms, got ${got}`;
    }
    case 'too_small':
      if (issue.origin === 'array') return `expected at least ${String(issue.minimum)} entries`;
      if (issue.origin === 'string') return `expected a non-empty string, got ${got}`;
      return `expected at least ${String(issue.minimum)}, got ${got}`;
    case 'too_big':
      if (issue.origin === 'string')
        return `expected at most ${String(issue.maximum)} characters, got ${String((input as string).length)}`;
      return `expected at most ${String(issue.maximum)}, got ${got}`;
    case 'invalid_format':
      return `expected ${issue.format === 'url' ? 'a URL' : `a valid ${issue.format}`}, got ${got}`;
    case 'unrecognized_keys':
      return 'unknown field (check its spelling and indentation)';
    default:
      return `invalid value ${got}`;
  }
}
