/**
 * `-o jsonpath=TEMPLATE`, the subset of kubectl's JSONPath templates people use: text
 * with `{…}` expressions; `.field`, `['field']`, `[n]` (negative from the end), `[*]`,
 * `.*`, `..field` (recursive), filters `[?(@.a.b == "x")]` (`==`, `!=`, or existence),
 * `{range …}…{end}`, and string literals `{"\n"}`. As in kubectl, several results of one
 * expression are joined by spaces, strings print bare and objects as JSON.
 * (kubectl's own: k8s.io/client-go/util/jsonpath, documented at
 * https://kubernetes.io/docs/reference/kubectl/jsonpath/)
 */
import { usageError } from './cli-error.ts';

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; at: number }
  | { kind: 'all' }
  | { kind: 'recursive'; name: string }
  | { kind: 'filter'; path: Step[]; op: '==' | '!=' | 'exists'; value?: string | number | boolean };

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'expr'; path: Step[] }
  | { kind: 'range'; path: Step[]; body: Node[] };

function bad(template: string, why: string): Error {
  return usageError(
    `-o jsonpath: ${why} in ${JSON.stringify(template)}`,
    "e.g. -o jsonpath='{.items[*].id}' or -o jsonpath='{range .items[*]}{.id}{\"\\n\"}{end}'",
  );
}

function parseLiteral(raw: string): string | number | boolean {
  const t = raw.trim();
  if (/^(['"]).*\1$/.test(t)) return t.slice(1, -1);
  if (t === 'true' || t === 'false') return t === 'true';
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

function parsePath(src: string, template: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  const s = src.trim().replace(/^\$/, '').replace(/^@/, '');
  const ident = () => {
    const m = /^[A-Za-z0-9_-]+|^\*/.exec(s.slice(i));
    if (!m) throw bad(template, `a field name is missing at "${s.slice(i)}"`);
    i += m[0].length;
    return m[0];
  };
  while (i < s.length) {
    if (s.startsWith('..', i)) {
      i += 2;
      steps.push({ kind: 'recursive', name: ident() });
    } else if (s[i] === '.') {
      i++;
      const name = ident();
      steps.push(name === '*' ? { kind: 'all' } : { kind: 'field', name });
    } else if (s[i] === '[') {
      const close = s.indexOf(']', s[i + 1] === '?' ? s.indexOf(')', i) : i);
      if (close < 0) throw bad(template, 'a [ is not closed');
      const inner = s.slice(i + 1, close).trim();
      i = close + 1;
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', at: Number(inner) });
      else if (/^(['"]).*\1$/.test(inner)) steps.push({ kind: 'field', name: inner.slice(1, -1) });
      else if (inner.startsWith('?(') && inner.endsWith(')')) {
        const cond = inner.slice(2, -1);
        const m = /^(.*?)\s*(==|!=)\s*(.*)$/.exec(cond);
        if (m)
          steps.push({
            kind: 'filter',
            path: parsePath(m[1], template),
            op: m[2] as '==' | '!=',
            value: parseLiteral(m[3]),
          });
        else steps.push({ kind: 'filter', path: parsePath(cond, template), op: 'exists' });
      } else throw bad(template, `[${inner}] is not an index, * or a filter`);
    } else if (/\s/.test(s[i])) i++;
    else throw bad(template, `unexpected "${s[i]}"`);
  }
  return steps;
}

export function parseTemplate(template: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      stack.at(-1)!.push({ kind: 'text', text: template.slice(i) });
      break;
    }
    if (open > i) stack.at(-1)!.push({ kind: 'text', text: template.slice(i, open) });
    const close = template.indexOf('}', open);
    if (close < 0) throw bad(template, 'a { is not closed');
    const inner = template.slice(open + 1, close).trim();
    i = close + 1;
    if (/^(['"]).*\1$/s.test(inner)) {
      const text = inner.slice(1, -1).replace(/\\n/g, '\n').replace(/\\t/g, '\t');
      stack.at(-1)!.push({ kind: 'text', text });
    } else if (inner.startsWith('range ')) {
      const node: Node = { kind: 'range', path: parsePath(inner.slice(6), template), body: [] };
      stack.at(-1)!.push(node);
      stack.push(node.body);
    } else if (inner === 'end') {
      if (stack.length === 1) throw bad(template, '{end} without {range}');
      stack.pop();
    } else stack.at(-1)!.push({ kind: 'expr', path: parsePath(inner, template) });
  }
  if (stack.length > 1) throw bad(template, '{range} without {end}');
  return root;
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v !== null && typeof v === 'object') return Object.values(v);
  return [];
}

function descendants(v: unknown, name: string, out: unknown[]): void {
  if (v === null || typeof v !== 'object') return;
  if (!Array.isArray(v) && name in v) out.push((v as Record<string, unknown>)[name]);
  for (const c of children(v)) descendants(c, name, out);
}

function select(values: unknown[], steps: Step[]): unknown[] {
  let cur = values;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (step.kind === 'field') {
        if (v !== null && typeof v === 'object' && !Array.isArray(v) && step.name in v)
          next.push((v as Record<string, unknown>)[step.name]);
      } else if (step.kind === 'index') {
        if (Array.isArray(v)) {
          const item = v.at(step.at);
          if (item !== undefined) next.push(item);
        }
      } else if (step.kind === 'all') next.push(...children(v));
      else if (step.kind === 'recursive') descendants(v, step.name, next);
      else
        for (const c of children(v)) {
          const [got] = select([c], step.path);
          const keep = step.op === 'exists' ? got !== undefined : (got === step.value) === (step.op === '==');
          if (keep) next.push(c);
        }
    }
    cur = next;
  }
  return cur;
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function render(nodes: Node[], data: unknown): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'expr') out += select([data], n.path).map(show).join(' ');
    else
      for (const item of select([data], n.path).flatMap((v) => (Array.isArray(v) ? v : [v])))
        out += render(n.body, item);
  }
  return out;
}

/** Fills the template from the data, as `kubectl get -o jsonpath=…` does. */
export function jsonpath(template: string, data: unknown): string {
  return render(parseTemplate(template), data);
}
