/**
 * `?labelSelector=` parsing and matching: a port of apimachinery v0.32 pkg/labels/selector.go
 * (lexer, parser and NewRequirement validation), so the simulator accepts exactly the
 * selectors kube-apiserver accepts and rejects the rest with the same 400 message.
 */
import { badRequest } from './status.ts';

/** selection.Operator values, spelled as apimachinery spells them. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** Sorted and de-duplicated, as sets.String.List() leaves them. */
  values: readonly string[];
}

export interface LabelSelector {
  /** True when the selector does not restrict anything (the empty string). */
  empty: boolean;
  /** Sorted by key, as labels.Parse leaves them. */
  requirements: readonly LabelRequirement[];
  matches(labels: Record<string, string> | undefined): boolean;
}

/**
 * Go's `%q`: how field.Invalid prints a bad value. JSON.stringify differs for control
 * characters (`\u0001` versus `\x01`), which can appear in a selector's identifiers.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x80 && c < 0xa0) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

// ---- validation (apimachinery pkg/util/validation) ----

const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const qualifiedNameRe = new RegExp(`^${qualifiedNameFmt}$`);
const qualifiedNameErrMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueFmt = `(${qualifiedNameFmt})?`;
const labelValueRe = new RegExp(`^${labelValueFmt}$`);
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`);
const dns1123SubdomainErrMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  // Go appends " or " after the previous example's trailing ", ": the double space is real.
  const eg = examples.map((e) => `'${e}', `).join(' or ');
  return `${msg} (e.g. ${eg}regex used for validation is '${fmt}')`;
}

/** Go's len(): limits are in bytes, not UTF-16 units. */
function byteLength(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) {
      errs.push('prefix part must be non-empty');
    } else {
      if (byteLength(prefix) > 253) errs.push('prefix part must be no more than 253 characters');
      if (!dns1123SubdomainRe.test(prefix)) {
        errs.push(`prefix part ${regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, 'example.com')}`);
      }
    }
  } else {
    return [
      `a qualified name ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push('name part must be no more than 63 characters');
  if (!qualifiedNameRe.test(name)) {
    errs.push(
      `name part ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')}`,
    );
  }
  return errs;
}

function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push('must be no more than 63 characters');
  if (!labelValueRe.test(value))
    errs.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** field.Invalid(path, value, detail).Error(). */
function fieldInvalid(path: string, value: string, detail: string): string {
  return `${path}: Invalid value: ${goQuote(value)}: ${detail}`;
}

const int64Re = /^[+-]?[0-9]+$/;
const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/** strconv.ParseInt(s, 10, 64), or undefined where Go returns an error. */
function parseInt64(s: string): bigint | undefined {
  if (!int64Re.test(s)) return undefined;
  const n = BigInt(s);
  return n < int64Min || n > int64Max ? undefined : n;
}

// ---- lexer ----

type Tok = 'error' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'id' | 'in' | '<' | '!=' | 'notin' | '(';

interface Item {
  tok: Tok;
  lit: string;
}

const symbolTokens = new Map<string, Tok>([
  [')', ')'],
  [',', ','],
  ['!', '!'],
  ['==', '=='],
  ['=', '='],
  ['>', '>'],
  ['<', '<'],
  ['!=', '!='],
  ['(', '('],
]);

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

function isSpecialSymbol(c: number): boolean {
  // = ! ( ) , > <
  return c === 0x3d || c === 0x21 || c === 0x28 || c === 0x29 || c === 0x2c || c === 0x3e || c === 0x3c;
}

/**
 * Tokenises the whole selector up front, as Parser.scan does. Like Go's Lexer.read, a NUL
 * character reads as end of input.
 */
function scan(s: string): Item[] {
  let pos = 0;
  const read = (): number => (pos < s.length ? s.charCodeAt(pos++) : 0);

  const scanIdOrKeyword = (): Item => {
    const start = pos;
    let end = pos;
    for (;;) {
      const c = read();
      if (c === 0) break;
      if (isSpecialSymbol(c) || isWhitespace(c)) {
        pos--;
        break;
      }
      end = pos;
    }
    const lit = s.slice(start, end);
    if (lit === 'in' || lit === 'notin') return { tok: lit, lit };
    return { tok: 'id', lit };
  };

  const scanSpecialSymbol = (): Item => {
    let buffer = '';
    let last: Item | undefined;
    for (;;) {
      const c = read();
      if (c === 0) break;
      if (!isSpecialSymbol(c)) {
        pos--;
        break;
      }
      buffer += String.fromCharCode(c);
      const tok = symbolTokens.get(buffer);
      if (tok) {
        last = { tok, lit: buffer };
      } else if (last) {
        pos--;
        break;
      }
    }
    return last ?? { tok: 'error', lit: `error expected: keyword found '${buffer}'` };
  };

  const items: Item[] = [];
  for (;;) {
    let c = read();
    while (isWhitespace(c)) c = read();
    if (c === 0) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    pos--;
    items.push(isSpecialSymbol(c) ? scanSpecialSymbol() : scanIdOrKeyword());
  }
}

// ---- parser ----

/** A parse failure; parseLabelSelector turns it into the 400. */
class SelectorSyntaxError extends Error {}

const binaryOperators = 'in, notin, =, ==, !=, gt, lt';

type Context = 'keyAndOperator' | 'values';

class Parser {
  private readonly items: Item[];
  private position = 0;

  constructor(items: Item[]) {
    this.items = items;
  }

  /** In a values context the keywords `in`/`notin` are plain identifiers (`x in (in)`). */
  private lookahead(ctx: Context): Item {
    const it = this.items[this.position];
    return ctx === 'values' && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'id', lit: it.lit } : it;
  }

  private consume(ctx: Context): Item {
    const it = this.lookahead(ctx);
    this.position++;
    return it;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead('values');
      if (tok === 'id' || tok === '!') {
        let r: LabelRequirement;
        try {
          r = this.parseRequirement();
        } catch (e) {
          if (e instanceof SelectorSyntaxError) {
            throw new SelectorSyntaxError(`unable to parse requirement: ${e.message}`);
          }
          throw e;
        }
        reqs.push(r);
        const next = this.consume('values');
        if (next.tok === 'eos') return reqs;
        if (next.tok === ',') {
          const after = this.lookahead('values');
          if (after.tok !== 'id' && after.tok !== '!') {
            throw new SelectorSyntaxError(`found '${after.lit}', expected: identifier after ','`);
          }
        } else {
          throw new SelectorSyntaxError(`found '${next.lit}', expected: ',' or 'end of string'`);
        }
      } else if (tok === 'eos') {
        return reqs;
      } else {
        throw new SelectorSyntaxError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    const { key, operator: inferred } = this.parseKeyAndInferOperator();
    if (inferred === 'exists' || inferred === '!') return newRequirement(key, inferred, []);
    const operator = this.parseOperator();
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, operator, [...values].sort());
  }

  private parseKeyAndInferOperator(): { key: string; operator: LabelOperator | undefined } {
    let operator: LabelOperator | undefined;
    let it = this.consume('values');
    if (it.tok === '!') {
      operator = '!';
      it = this.consume('values');
    }
    if (it.tok !== 'id') throw new SelectorSyntaxError(`found '${it.lit}', expected: identifier`);
    const errs = isQualifiedName(it.lit);
    // The parser validates the key with a nil field path, which Go prints as `<nil>`.
    if (errs.length > 0) throw new SelectorSyntaxError(fieldInvalid('<nil>', it.lit, errs.join('; ')));
    const next = this.lookahead('values').tok;
    if ((next === 'eos' || next === ',') && operator !== '!') operator = 'exists';
    return { key: it.lit, operator };
  }

  private parseOperator(): LabelOperator {
    const { tok, lit } = this.consume('keyAndOperator');
    switch (tok) {
      case 'in':
        return 'in';
      case '=':
        return '=';
      case '==':
        return '==';
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      case 'notin':
        return 'notin';
      case '!=':
        return '!=';
      default:
        throw new SelectorSyntaxError(`found '${lit}', expected: ${binaryOperators}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume('values');
    if (open.tok !== '(') throw new SelectorSyntaxError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead('values');
    if (tok === 'id' || tok === ',') {
      const s = this.parseIdentifiersList();
      if (this.consume('values').tok !== ')') throw new SelectorSyntaxError(`found '${lit}', expected: ')'`);
      return s;
    }
    if (tok === ')') {
      // `()` is one empty value.
      this.consume('values');
      return new Set(['']);
    }
    throw new SelectorSyntaxError(`found '${lit}', expected: ',', ')' or identifier`);
  }

  /** A comma-separated list in which empty entries are the empty value: `(a,,b)`, `(,a)`. */
  private parseIdentifiersList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume('values');
      if (tok === 'id') {
        s.add(lit);
        const next = this.lookahead('values');
        if (next.tok === ',') continue;
        if (next.tok === ')') return s;
        throw new SelectorSyntaxError(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (tok === ',') {
        if (s.size === 0) s.add('');
        const next = this.lookahead('values').tok;
        if (next === ')') {
          s.add('');
          return s;
        }
        if (next === ',') {
          this.consume('values');
          s.add('');
        }
        continue;
      }
      throw new SelectorSyntaxError(`found '${lit}', expected: ',', or identifier`);
    }
  }

  private parseExactValue(): Set<string> {
    const next = this.lookahead('values').tok;
    // `a=` and `a=,b` select the empty value.
    if (next === 'eos' || next === ',') return new Set(['']);
    const { tok, lit } = this.consume('values');
    if (tok === 'id') return new Set([lit]);
    throw new SelectorSyntaxError(`found '${lit}', expected: identifier`);
  }
}

/** labels.NewRequirement's checks on the operator's values (the key is already valid). */
function newRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const errs: string[] = [];
  if (
    (operator === 'gt' || operator === 'lt') &&
    values.length === 1 &&
    parseInt64(values[0]) === undefined
  ) {
    errs.push(fieldInvalid('values[0]', values[0], "for 'Gt', 'Lt' operators, the value must be an integer"));
  }
  values.forEach((v, i) => {
    const msgs = isValidLabelValue(v);
    if (msgs.length > 0) errs.push(fieldInvalid(`values[${i}][${key}]`, v, msgs.join('; ')));
  });
  if (errs.length > 0) {
    // utilerrors.Aggregate: one message alone, several de-duplicated inside brackets.
    const unique = [...new Set(errs)];
    throw new SelectorSyntaxError(unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`);
  }
  return { key, operator, values };
}

type Labels = Record<string, string> | undefined;

/** The label's value, or undefined when absent (a string check also skips prototype keys). */
function get(labels: Labels, key: string): string | undefined {
  if (labels === undefined) return undefined;
  const v = labels[key];
  return typeof v === 'string' ? v : undefined;
}

function compile(r: LabelRequirement): (labels: Labels) => boolean {
  const { key, values } = r;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==': {
      if (values.length === 1) {
        const want = values[0];
        return (l) => get(l, key) === want;
      }
      const set = new Set(values);
      return (l) => {
        const v = get(l, key);
        return v !== undefined && set.has(v);
      };
    }
    case 'notin':
    case '!=': {
      // Objects without the key match: `env!=prod` selects unlabelled objects too.
      const set = new Set(values);
      return (l) => {
        const v = get(l, key);
        return v === undefined || !set.has(v);
      };
    }
    case 'exists':
      return (l) => get(l, key) !== undefined;
    case '!':
      return (l) => get(l, key) === undefined;
    case 'gt':
    case 'lt': {
      const bound = parseInt64(values[0]) ?? 0n;
      const gt = r.operator === 'gt';
      return (l) => {
        const v = get(l, key);
        if (v === undefined) return false;
        const n = parseInt64(v);
        if (n === undefined) return false;
        return gt ? n > bound : n < bound;
      };
    }
  }
}

const everything: LabelSelector = { empty: true, requirements: [], matches: () => true };

/** Parses a `labelSelector` query value; throws a 400 ApiError worded as kube-apiserver words it. */
export function parseLabelSelector(text: string): LabelSelector {
  let requirements: LabelRequirement[];
  try {
    requirements = new Parser(scan(text))
      .parse()
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw badRequest(e.message);
    throw e;
  }
  if (requirements.length === 0) return everything;
  const tests = requirements.map(compile);
  if (tests.length === 1) {
    const only = tests[0];
    return { empty: false, requirements, matches: (labels) => only(labels) };
  }
  return {
    empty: false,
    requirements,
    matches(labels) {
      for (const t of tests) if (!t(labels)) return false;
      return true;
    },
  };
}
