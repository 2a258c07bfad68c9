/**
 * A small interpreter of the part of Go's text/template and Helm's functions that the chart
 * uses, so the chart can be rendered and checked without Helm. Each construct follows the
 * documented semantics it names; anything else throws, so the chart cannot quietly grow
 * past what is tested here.
 *
 * - Actions `{{ pipeline }}`, `{{ if p }} … {{ else }} … {{ end }}`, `{{ with p }} … {{ end }}`,
 *   `{{ define "name" }} … {{ end }}`; `{{-` and `-}}` trim all white space (space, tab,
 *   CR, LF) before and after the action (pkg.go.dev/text/template, "Text and spaces").
 * - `if`/`with`/`and`/`not` read emptiness as text/template does: false, 0, nil, and an
 *   empty string, slice or map are empty ("Actions"); `with` sets dot to the value.
 * - Arguments: `.`, fields `.a.b` (of dot), string and integer literals, `( pipeline )`;
 *   `a | f x` passes a as f's last argument ("Pipelines").
 * - A field of a missing map key is nil; a field of nil fails ("nil pointer evaluating"),
 *   and printing nil fails here (Helm would print "", a typo this check wants to catch).
 * - Functions: text/template's `and`, `not`, `printf` (%s only); Helm's `include` and
 *   `toYaml` (sigs.k8s.io/yaml, final newline trimmed: helm pkg/engine/funcs.go); Sprig's
 *   `quote`, `default`, `nindent`, `trunc`, `trimSuffix`, `replace`, `contains`
 *   (masterminds.github.io/sprig: strings.html, defaults.html).
 */
import { stringify } from 'yaml';

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: string }
  | { kind: 'if' | 'with'; pipe: string; then: Node[]; otherwise: Node[] };

interface Token {
  kind: 'text' | 'action';
  text: string;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let rest = src;
  while (rest.length) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      out.push({ kind: 'text', text: rest });
      break;
    }
    let text = rest.slice(0, open);
    const close = rest.indexOf('}}', open);
    if (close < 0) throw new Error(`unclosed action: ${rest.slice(open, open + 40)}`);
    let inner = rest.slice(open + 2, close);
    rest = rest.slice(close + 2);
    // A trim marker is "-" beside the delimiter and a space after it (text/template).
    if (/^- /.test(inner)) {
      text = text.replace(/[ \t\r\n]+$/, '');
      inner = inner.slice(1);
    }
    if (/ -$/.test(inner)) {
      rest = rest.replace(/^[ \t\r\n]+/, '');
      inner = inner.slice(0, -1);
    }
    if (text) out.push({ kind: 'text', text });
    out.push({ kind: 'action', text: inner.trim() });
  }
  return out;
}

/** Parses tokens into nodes until `end`/`else`; `defines` collects `{{ define }}` bodies. */
function parseNodes(tokens: Token[], defines: Map<string, Node[]>, nested: boolean): [Node[], string] {
  const nodes: Node[] = [];
  while (tokens.length) {
    const t = tokens.shift()!;
    if (t.kind === 'text') {
      nodes.push({ kind: 'text', text: t.text });
      continue;
    }
    const [word, ...rest] = t.text.split(/\s+/);
    const arg = rest.join(' ');
    if (word === 'end' || word === 'else') {
      if (!nested) throw new Error(`{{ ${t.text} }} without if/with`);
      if (t.text !== 'end' && t.text !== 'else') throw new Error(`unsupported action: {{ ${t.text} }}`);
      return [nodes, word];
    }
    if (word === 'if' || word === 'with') {
      const [then, stop] = parseNodes(tokens, defines, true);
      const [otherwise, last]: [Node[], string] =
        stop === 'else' ? parseNodes(tokens, defines, true) : [[], 'end'];
      if (last !== 'end') throw new Error(`{{ ${word} }} with two else`);
      nodes.push({ kind: word, pipe: arg, then, otherwise });
    } else if (word === 'define') {
      const name = /^"([\w.-]+)"$/.exec(arg)?.[1];
      if (!name) throw new Error(`bad define: ${t.text}`);
      const [body, stop] = parseNodes(tokens, defines, true);
      if (stop !== 'end') throw new Error(`define ${name} with else`);
      defines.set(name, body);
    } else if (
      /^(range|template|block|break|continue)$/.test(word) ||
      word.startsWith('/*') ||
      word.startsWith('$')
    )
      throw new Error(`unsupported action: {{ ${t.text} }}`);
    else nodes.push({ kind: 'action', pipe: t.text });
  }
  if (nested) throw new Error('missing {{ end }}');
  return [nodes, ''];
}

/** text/template's truth: false, 0, nil, and empty strings, slices and maps are false. */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== '';
}

// Arguments: "string", integer, ( … ), |, a field chain (. or .a.b), or a function name.
const argToken = /\s*("(?:[^"\\]|\\.)*"|-?\d+|\(|\)|\||\.[\w.]*|[A-Za-z]\w*)/y;

function lex(pipe: string): string[] {
  const out: string[] = [];
  argToken.lastIndex = 0;
  while (argToken.lastIndex < pipe.length) {
    const at = argToken.lastIndex;
    const m = argToken.exec(pipe);
    if (!m) {
      if (/^\s*$/.test(pipe.slice(at))) break;
      throw new Error(`cannot read "${pipe.slice(at)}" in {{ ${pipe} }}`);
    }
    out.push(m[1]);
  }
  return out;
}

type Arg = { lit: unknown } | { field: string[] } | { fn: string } | { pipe: Arg[][] };

function parsePipe(tokens: string[], inParens: boolean): Arg[][] {
  const commands: Arg[][] = [[]];
  while (tokens.length) {
    const t = tokens.shift()!;
    if (t === ')') {
      if (!inParens) throw new Error('unbalanced )');
      return commands;
    }
    if (t === '|') commands.push([]);
    else if (t === '(') commands[commands.length - 1].push({ pipe: parsePipe(tokens, true) });
    else if (t.startsWith('"')) commands[commands.length - 1].push({ lit: JSON.parse(t) });
    else if (/^-?\d+$/.test(t)) commands[commands.length - 1].push({ lit: Number(t) });
    else if (t.startsWith('.'))
      commands[commands.length - 1].push({ field: t === '.' ? [] : t.slice(1).split('.') });
    else commands[commands.length - 1].push({ fn: t });
  }
  if (inParens) throw new Error('missing )');
  return commands;
}

export class GoTemplate {
  private readonly defines = new Map<string, Node[]>();
  private readonly templates = new Map<string, Node[]>();

  /** Adds a file: its defines become global, as Helm parses every chart file together. */
  add(name: string, text: string): void {
    this.templates.set(name, parseNodes(tokenize(text), this.defines, false)[0]);
  }

  render(name: string, dot: unknown): string {
    const nodes = this.templates.get(name);
    if (!nodes) throw new Error(`no template ${name}`);
    return this.exec(nodes, dot);
  }

  private exec(nodes: Node[], dot: unknown): string {
    let out = '';
    for (const n of nodes) {
      if (n.kind === 'text') out += n.text;
      else if (n.kind === 'action') {
        const v = this.pipe(parsePipe(lex(n.pipe), false), dot, n.pipe);
        if (v === undefined || v === null) throw new Error(`no value for {{ ${n.pipe} }}`);
        out += typeof v === 'object' ? JSON.stringify(v) : String(v);
      } else {
        const v = this.pipe(parsePipe(lex(n.pipe), false), dot, n.pipe);
        if (truthy(v)) out += this.exec(n.then, n.kind === 'with' ? v : dot);
        else out += this.exec(n.otherwise, dot);
      }
    }
    return out;
  }

  private pipe(commands: Arg[][], dot: unknown, src: string): unknown {
    let piped: unknown[] = [];
    for (const cmd of commands) {
      if (!cmd.length) throw new Error(`empty command in {{ ${src} }}`);
      const [head, ...args] = cmd;
      if ('fn' in head) {
        const values = [...args.map((a) => this.arg(a, dot, src)), ...piped];
        piped = [this.call(head.fn, values, dot)];
      } else {
        if (args.length || piped.length) throw new Error(`cannot call a value in {{ ${src} }}`);
        piped = [this.arg(head, dot, src)];
      }
    }
    return piped[0];
  }

  private arg(a: Arg, dot: unknown, src: string): unknown {
    if ('lit' in a) return a.lit;
    if ('pipe' in a) return this.pipe(a.pipe, dot, src);
    if ('fn' in a) return this.call(a.fn, [], dot);
    let v: unknown = dot;
    for (const k of a.field) {
      if (v === undefined || v === null)
        throw new Error(`nil pointer evaluating .${a.field.join('.')} in {{ ${src} }}`);
      if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`.${k} of a non-map in {{ ${src} }}`);
      v = (v as Record<string, unknown>)[k];
    }
    return v;
  }

  private call(fn: string, args: unknown[], dot: unknown): unknown {
    const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
    const arity = (n: number) => {
      if (args.length !== n) throw new Error(`${fn} takes ${n} arguments, got ${args.length}`);
    };
    switch (fn) {
      case 'and': // the first empty argument, else the last
        return args.find((a) => !truthy(a)) ?? args[args.length - 1];
      case 'not':
        arity(1);
        return !truthy(args[0]);
      case 'printf': {
        const [format, ...rest] = args;
        let i = 0;
        return String(format).replace(/%(.)/g, (_m, verb: string) => {
          if (verb !== 's') throw new Error(`printf: only %s is supported, not %${verb}`);
          return str(rest[i++]);
        });
      }
      case 'include': {
        arity(2);
        const body = this.defines.get(String(args[0]));
        if (!body) throw new Error(`include: no template "${args[0]}"`);
        return this.exec(body, args[1]);
      }
      case 'toYaml':
        arity(1);
        return stringify(args[0], { lineWidth: 0 }).replace(/\n$/, '');
      case 'quote': // Sprig: each non-nil argument as a Go %q string, joined by spaces
        return args
          .filter((a) => a !== undefined && a !== null)
          .map((a) => JSON.stringify(String(a)))
          .join(' ');
      case 'default': // Sprig: default DEFAULT GIVEN, the default when GIVEN is empty
        if (args.length !== 1 && args.length !== 2) throw new Error('default takes 1 or 2 arguments');
        return args.length === 2 && truthy(args[1]) ? args[1] : args[0];
      case 'nindent': {
        arity(2);
        const pad = ' '.repeat(Number(args[0]));
        return `\n${pad}${str(args[1]).replace(/\n/g, `\n${pad}`)}`;
      }
      case 'trunc': {
        arity(2);
        const n = Number(args[0]);
        const s = str(args[1]);
        return n >= 0 ? s.slice(0, n) : s.slice(n);
      }
      case 'trimSuffix':
        arity(2);
        return str(args[1]).endsWith(str(args[0]))
          ? str(args[1]).slice(0, -str(args[0]).length || undefined)
          : str(args[1]);
      case 'replace':
        arity(3);
        return str(args[2]).split(str(args[0])).join(str(args[1]));
      case 'contains': // Sprig: contains SUBSTR STRING
        arity(2);
        return str(args[1]).includes(str(args[0]));
      default:
        void dot;
        throw new Error(`unsupported function: ${fn}`);
    }
  }
}
