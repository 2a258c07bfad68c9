/**
 * Parses the Prometheus text exposition format 0.0.4 (what kube-proxy's :10249/metrics and
 * CoreDNS's :9153/metrics serve) into flat samples, plus small lookup helpers. Lenient:
 * a line it cannot read is skipped and counted, never fatal. Pure: no I/O, no clock.
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs?: number;
}

export interface PromParseResult {
  samples: PromSample[];
  /** Metric family name to its `# TYPE` (counter, gauge, histogram, summary, untyped). */
  types: Record<string, string>;
  /** Metric family name to its `# HELP` text, unescaped. */
  help: Record<string, string>;
  /** Lines that were neither blank, a comment, nor a readable sample. */
  skipped: number;
}

const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePromText(text: string): PromParseResult {
  const samples: PromSample[] = [];
  const types: Record<string, string> = {};
  const help: Record<string, string> = {};
  let skipped = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, text.charCodeAt(end - 1) === 13 && end > start ? end - 1 : end);
    start = end + 1;
    const first = skipBlank(line, 0);
    if (first >= line.length) continue;
    if (line.charCodeAt(first) === 35) {
      if (!readComment(line, first + 1, types, help)) skipped++;
      continue;
    }
    const sample = readSample(line, first);
    if (sample) samples.push(sample);
    else skipped++;
  }
  return { samples, types, help, skipped };
}

/**
 * True when `labels` has every label in `want` with the same value; as in PromQL, an empty
 * wanted value also matches an absent label.
 */
export function labelsMatch(
  labels: Record<string, string>,
  want: Record<string, string> | undefined,
): boolean {
  if (!want) return true;
  for (const k of Object.keys(want)) if ((labels[k] ?? '') !== want[k]) return false;
  return true;
}

/**
 * The value of the first sample named `name` whose labels include `labels` (see
 * `labelsMatch`), or undefined.
 */
export function sampleValue(
  samples: readonly PromSample[],
  name: string,
  labels?: Record<string, string>,
): number | undefined {
  for (const s of samples) if (s.name === name && labelsMatch(s.labels, labels)) return s.value;
  return undefined;
}

/** The sum over every sample named `name` whose labels include `labels`; undefined if none. */
export function sumValues(
  samples: readonly PromSample[],
  name: string,
  labels?: Record<string, string>,
): number | undefined {
  let sum: number | undefined;
  for (const s of samples) {
    if (s.name === name && labelsMatch(s.labels, labels)) sum = (sum ?? 0) + s.value;
  }
  return sum;
}

export interface PromHistogram {
  /** Series labels, without `le`. */
  labels: Record<string, string>;
  /** Cumulative counts by upper bound, ascending; the last bound is normally +Inf. */
  buckets: { le: number; count: number }[];
  sum?: number;
  count?: number;
}

/**
 * The histogram family `name` (without `_bucket`) for the first series whose labels
 * include `labels`: its buckets, `_sum` and `_count`. Undefined if there are no buckets.
 */
export function histogram(
  samples: readonly PromSample[],
  name: string,
  labels?: Record<string, string>,
): PromHistogram | undefined {
  const bucketName = name + '_bucket';
  let series: Record<string, string> | undefined;
  const buckets: { le: number; count: number }[] = [];
  for (const s of samples) {
    if (s.name !== bucketName || s.labels['le'] === undefined) continue;
    const { le, ...rest } = s.labels;
    if (series === undefined) {
      if (!labelsMatch(rest, labels)) continue;
      series = rest;
    } else if (!sameLabels(rest, series)) {
      continue;
    }
    const bound = parseFloatToken(le);
    if (bound !== undefined) buckets.push({ le: bound, count: s.value });
  }
  if (series === undefined || buckets.length === 0) return undefined;
  buckets.sort((a, b) => a.le - b.le);
  const result: PromHistogram = { labels: series, buckets };
  for (const s of samples) {
    if (s.name === name + '_sum' && sameLabels(s.labels, series)) result.sum = s.value;
    else if (s.name === name + '_count' && sameLabels(s.labels, series)) result.count = s.value;
  }
  return result;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

function skipBlank(line: string, pos: number): number {
  let i = pos;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

function tokenEnd(line: string, pos: number): number {
  let i = pos;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === 32 || c === 9) break;
    i++;
  }
  return i;
}

/**
 * Reads `# HELP name text` or `# TYPE name type`; other comments are fine and ignored.
 * Returns false only for a HELP or TYPE line that is malformed.
 */
function readComment(
  line: string,
  pos: number,
  types: Record<string, string>,
  help: Record<string, string>,
): boolean {
  let i = skipBlank(line, pos);
  const kwEnd = tokenEnd(line, i);
  const keyword = line.slice(i, kwEnd);
  if (keyword !== 'HELP' && keyword !== 'TYPE') return true;
  i = skipBlank(line, kwEnd);
  const nameEnd = metricNameEnd(line, i);
  if (
    nameEnd === i ||
    (nameEnd < line.length && line.charCodeAt(nameEnd) !== 32 && line.charCodeAt(nameEnd) !== 9)
  ) {
    return false;
  }
  const name = line.slice(i, nameEnd);
  const rest = line.slice(skipBlank(line, nameEnd));
  if (keyword === 'TYPE') {
    const type = rest.trimEnd();
    if (!TYPES.has(type)) return false;
    types[name] = type;
  } else {
    help[name] = rest.replace(/\\([\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
  }
  return true;
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

/** End of `[a-zA-Z_:][a-zA-Z0-9_:]*` from pos (pos itself when there is no name). */
function metricNameEnd(line: string, pos: number): number {
  if (pos >= line.length || !isNameStart(line.charCodeAt(pos))) return pos;
  let i = pos + 1;
  while (i < line.length && isNameChar(line.charCodeAt(i))) i++;
  return i;
}

/** End of `[a-zA-Z_][a-zA-Z0-9_]*` from pos. */
function labelNameEnd(line: string, pos: number): number {
  if (pos >= line.length) return pos;
  const c0 = line.charCodeAt(pos);
  if (!isNameStart(c0) || c0 === 58) return pos;
  let i = pos + 1;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (!isNameChar(c) || c === 58) break;
    i++;
  }
  return i;
}

function readSample(line: string, pos: number): PromSample | undefined {
  const nameEnd = metricNameEnd(line, pos);
  if (nameEnd === pos) return undefined;
  const name = line.slice(pos, nameEnd);
  let i = skipBlank(line, nameEnd);
  const labels: Record<string, string> = {};
  if (line.charCodeAt(i) === 123) {
    const end = readLabels(line, i + 1, labels);
    if (end < 0) return undefined;
    i = skipBlank(line, end);
  } else if (i === nameEnd && i < line.length) {
    // A name must be followed by `{` or whitespace.
    return undefined;
  }
  const valueEnd = tokenEnd(line, i);
  const value = parseFloatToken(line.slice(i, valueEnd));
  if (value === undefined) return undefined;
  const sample: PromSample = { name, labels, value };
  i = skipBlank(line, valueEnd);
  if (i < line.length && line.charCodeAt(i) !== 35) {
    const tsEnd = tokenEnd(line, i);
    const ts = line.slice(i, tsEnd);
    if (!/^-?\d+$/.test(ts)) return undefined;
    sample.timestampMs = Number(ts);
    i = skipBlank(line, tsEnd);
  }
  // Anything left must be an OpenMetrics-style exemplar (`# {…} 1`), which we ignore.
  if (i < line.length && line.charCodeAt(i) !== 35) return undefined;
  return sample;
}

/**
 * Reads `name="value", …}` after the opening brace into `out`; returns the index after
 * `}` or -1. Values unescape `\\`, `\"` and `\n`; any other escape is kept as written.
 */
function readLabels(line: string, pos: number, out: Record<string, string>): number {
  let i = skipBlank(line, pos);
  while (i < line.length) {
    if (line.charCodeAt(i) === 125) return i + 1;
    const nameEnd = labelNameEnd(line, i);
    if (nameEnd === i) return -1;
    const name = line.slice(i, nameEnd);
    i = skipBlank(line, nameEnd);
    if (line.charCodeAt(i) !== 61) return -1;
    i = skipBlank(line, i + 1);
    if (line.charCodeAt(i) !== 34) return -1;
    i++;
    let value = '';
    let chunk = i;
    for (;;) {
      if (i >= line.length) return -1;
      const c = line.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        const e = line[i + 1];
        if (e === undefined) return -1;
        value += line.slice(chunk, i) + (e === 'n' ? '\n' : e === '\\' || e === '"' ? e : '\\' + e);
        i += 2;
        chunk = i;
        continue;
      }
      i++;
    }
    out[name] = value + line.slice(chunk, i);
    i = skipBlank(line, i + 1);
    const sep = line.charCodeAt(i);
    if (sep === 44) i = skipBlank(line, i + 1);
    else if (sep !== 125) return -1;
  }
  return -1;
}

// One way to match each input, so a long run of digits cannot make it backtrack.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Go's ParseFloat as Prometheus uses it: decimals, `±Inf`, `NaN` (case-insensitive). */
export function parseFloatToken(token: string): number | undefined {
  if (DECIMAL.test(token)) return Number(token);
  const lower = token.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  const unsigned = lower.startsWith('+') || lower.startsWith('-') ? lower.slice(1) : lower;
  if (unsigned === 'inf' || unsigned === 'infinity') {
    return lower.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return undefined;
}
