/**
 * Parses klog text output (kubelet, kube-proxy, controllers) into records: the
 * `Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg` header plus, for structured calls, the
 * quoted message and its key=value pairs, including the multi-line `key=<` form that
 * spans several physical lines. Pure: no I/O, no clock.
 */

export type KlogSeverity = 'info' | 'warning' | 'error' | 'fatal';

export interface KlogRecord {
  severity: KlogSeverity;
  /** Epoch milliseconds (whole ms), reading the header as UTC in the hinted year. */
  atMs: number;
  /** klog calls it the thread id; in practice it is the process id. */
  thread: number;
  /** `file:line` of the logging call. */
  source: string;
  /** The unquoted message of a structured call, or the whole text of an unstructured one. */
  message: string;
  /** Key/value pairs of a structured call; empty for unstructured messages. */
  fields: Record<string, string>;
  /** The record as logged; physical lines joined with `\n`. */
  raw: string;
}

export interface KlogParseResult {
  records: KlogRecord[];
  /** Non-blank lines that were neither a klog header nor a continuation of one. */
  unparsed: number;
}

const SEVERITY: Record<string, KlogSeverity> = { I: 'info', W: 'warning', E: 'error', F: 'fatal' };

// Every quantifier here is followed by a character it cannot match, so a long garbage line
// fails in linear time.
const HEADER = /^([IWEF])(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{1,9}) +(\d+) ([^\s\]]+)\]/;

/**
 * Parses one klog record. `line` is normally one physical line; it may also be a whole
 * multi-line record joined with `\n` (as `parseKlogLines` builds). A `key=<` value whose
 * lines are missing is kept with the lines that are present (none: the empty string).
 * Returns undefined for anything that is not klog.
 */
export function parseKlogLine(line: string, yearHint: number): KlogRecord | undefined {
  const raw = stripCr(line);
  const m = HEADER.exec(raw);
  if (!m) return undefined;
  const atMs = headerTime(yearHint, m);
  if (atMs === undefined) return undefined;
  let bodyStart = m[0].length;
  if (raw.charCodeAt(bodyStart) === 32) bodyStart++;
  const body = parseBody(raw.slice(bodyStart));
  return {
    severity: SEVERITY[m[1]]!,
    atMs,
    thread: Number(m[8]),
    source: m[9]!,
    message: body.message,
    fields: body.fields,
    raw,
  };
}

/**
 * Parses a tail of klog output. Continuation lines of `key=<` values are folded into the
 * record they belong to; anything else that is not klog (stack traces, other formats, a
 * tail that starts in the middle of a multi-line value) is counted in `unparsed` and
 * skipped. Blank lines are ignored. Never throws.
 */
export function parseKlogLines(lines: readonly string[], yearHint: number): KlogParseResult {
  const records: KlogRecord[] = [];
  let unparsed = 0;
  let i = 0;
  while (i < lines.length) {
    const first = stripCr(lines[i] ?? '');
    i++;
    if (first.trim() === '') continue;
    let record = parseKlogLine(first, yearHint);
    if (!record) {
      unparsed++;
      continue;
    }
    if (openMultiline(first)) {
      // Gather the value's tab-indented lines until the ` >` that closes it; the text after
      // ` >` may carry more pairs, and even open another multi-line value.
      const parts = [first];
      let open = true;
      while (open && i < lines.length) {
        const next = stripCr(lines[i] ?? '');
        if (next.startsWith('\t') || next === '') {
          // An empty line is a value line whose tab a whitespace-trimming shipper removed.
          parts.push(next);
          i++;
        } else if (next.startsWith(' >')) {
          parts.push(next);
          i++;
          open = openMultiline(parts.join('\n'));
        } else {
          break;
        }
      }
      // Trailing empty lines are more likely blank separators than value lines.
      while (parts.length > 1 && parts[parts.length - 1] === '' && open) parts.pop();
      record = parseKlogLine(parts.join('\n'), yearHint) ?? record;
    }
    records.push(record);
  }
  return { records, unparsed };
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

function headerTime(year: number, m: RegExpExecArray): number | undefined {
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  // The fraction is microseconds in klog; scale whatever width we got to milliseconds.
  const frac = m[7]!;
  const ms = Math.floor(Number(frac) / 10 ** (frac.length - 3));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const at = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 31 April over into May; such a header is not a real timestamp.
  if (new Date(at).getUTCDate() !== day) return undefined;
  return at;
}

/** True when the record's last value is a `key=<` block still waiting for its ` >`. */
function openMultiline(raw: string): boolean {
  const m = HEADER.exec(raw);
  if (!m) return false;
  let start = m[0].length;
  if (raw.charCodeAt(start) === 32) start++;
  return scanStructured(raw.slice(start)).open;
}

interface Body {
  message: string;
  fields: Record<string, string>;
}

function parseBody(text: string): Body {
  const scanned = scanStructured(text);
  if (scanned.ok) return { message: scanned.message, fields: scanned.fields };
  return { message: text, fields: {} };
}

interface Scan {
  ok: boolean;
  /** A multi-line value ran to the end of the text without its closing ` >`. */
  open: boolean;
  message: string;
  fields: Record<string, string>;
}

const NOT_STRUCTURED: Scan = { ok: false, open: false, message: '', fields: {} };

/**
 * Reads `"msg" k1=v1 k2="v2" k3=<\n\tline\n >`. Anything that does not fit the shape
 * klog's serializer writes makes the whole text an unstructured message, so that printf
 * output which merely starts with a quote is never half-parsed.
 */
function scanStructured(text: string): Scan {
  if (text.charCodeAt(0) !== 34) return NOT_STRUCTURED;
  const msg = readGoQuoted(text, 0);
  if (!msg) return NOT_STRUCTURED;
  const fields: Record<string, string> = {};
  let pos = msg.end;
  const n = text.length;
  while (pos < n) {
    if (text.charCodeAt(pos) !== 32) return NOT_STRUCTURED;
    while (pos < n && text.charCodeAt(pos) === 32) pos++;
    if (pos >= n) break;
    const eq = keyEnd(text, pos);
    if (eq === pos || text.charCodeAt(eq) !== 61) return NOT_STRUCTURED;
    const key = text.slice(pos, eq);
    pos = eq + 1;
    const c = text.charCodeAt(pos);
    if (c === 34) {
      const q = readGoQuoted(text, pos);
      if (!q) return NOT_STRUCTURED;
      fields[key] = q.value;
      pos = q.end;
    } else if (c === 60 && (pos + 1 >= n || text.charCodeAt(pos + 1) === 10)) {
      const block = readBlock(text, pos + 1);
      fields[key] = block.value;
      if (block.open) return { ok: true, open: true, message: msg.value, fields };
      pos = block.end;
    } else {
      const end = bareEnd(text, pos);
      fields[key] = text.slice(pos, end);
      pos = end;
    }
  }
  return { ok: true, open: false, message: msg.value, fields };
}

/** Keys are identifiers in practice; stop at `=` or anything that cannot be in one. */
function keyEnd(text: string, pos: number): number {
  let i = pos;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 61 || c === 32 || c === 9 || c === 10 || c === 34) break;
    i++;
  }
  return i;
}

/**
 * Reads the lines of a `key=<` block starting at the `\n` after `<`. Each value line is
 * `\t` + text; the block ends with a line starting ` >`, after which more pairs may follow.
 */
function readBlock(text: string, pos: number): { value: string; end: number; open: boolean } {
  const lines: string[] = [];
  let p = pos;
  while (p < text.length) {
    // p is at a '\n'.
    const lineStart = p + 1;
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    if (text.startsWith(' >', lineStart)) {
      return { value: lines.join('\n'), end: lineStart + 2, open: false };
    }
    const c = text.charCodeAt(lineStart);
    if (c === 9) lines.push(text.slice(lineStart + 1, lineEnd));
    else if (lineStart === lineEnd) lines.push('');
    else break;
    p = lineEnd;
  }
  return { value: lines.join('\n'), end: text.length, open: true };
}

/**
 * End of an unquoted value (`%+v` output). Structs, slices and maps print with spaces
 * inside brackets, e.g. `{Name:a Namespace:b}` or `[x y]`, so balance those; a value that
 * never balances falls back to the first whitespace.
 */
function bareEnd(text: string, pos: number): number {
  let firstSpace = pos;
  while (firstSpace < text.length && !isSpace(text.charCodeAt(firstSpace))) firstSpace++;
  let open = pos;
  if (text.startsWith('&{', pos)) open = pos + 1;
  else if (text.startsWith('map[', pos)) open = pos + 3;
  const oc = text.charCodeAt(open);
  if (oc !== 123 && oc !== 91) return firstSpace;
  let depth = 0;
  let i = open;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 10) break;
    if (c === 34) {
      const q = readGoQuoted(text, i);
      if (!q) break;
      i = q.end;
      continue;
    }
    if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      depth--;
      if (depth === 0) {
        const after = i + 1;
        if (after >= text.length || isSpace(text.charCodeAt(after))) return after;
        break;
      }
    }
    i++;
  }
  return firstSpace;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/**
 * Reads a Go double-quoted string (strconv.Quote output) starting at the opening quote.
 * Returns the decoded value and the index after the closing quote, or undefined if the
 * string is unterminated or malformed.
 */
export function readGoQuoted(text: string, start: number): { value: string; end: number } | undefined {
  if (text.charCodeAt(start) !== 34) return undefined;
  let out = '';
  let chunk = start + 1;
  let i = chunk;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 34) return { value: out + text.slice(chunk, i), end: i + 1 };
    if (c === 10) return undefined;
    if (c !== 92) {
      i++;
      continue;
    }
    out += text.slice(chunk, i);
    const e = text[i + 1];
    if (e === undefined) return undefined;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const width = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = text.slice(i + 2, i + 2 + width);
      if (hex.length !== width || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
      const code = Number.parseInt(hex, 16);
      // Go writes \x only for control bytes and for bytes that are not valid UTF-8.
      if (e === 'x') out += code < 0x80 ? String.fromCharCode(code) : '\uFFFD';
      else out += code <= 0x10ffff ? String.fromCodePoint(code) : '\uFFFD';
      i += 2 + width;
    } else if (e >= '0' && e <= '7') {
      const oct = text.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) return undefined;
      const code = Number.parseInt(oct, 8);
      out += code < 0x80 ? String.fromCharCode(code) : '\uFFFD';
      i += 4;
    } else {
      return undefined;
    }
    chunk = i;
  }
  return undefined;
}
