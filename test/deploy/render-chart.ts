/**
 * Renders the subset of Helm's template language that deploy/generate.ts emits: value
 * references (`.Values.a.b`, `.Release.Namespace`, `.Chart.AppVersion`) with an optional
 * `| quote`, the literal `{{ "{{" }}`, and one `{{- if .Values.a.b }} … {{- end }}` around a
 * whole file. Anything else throws, so the chart cannot quietly grow past what is tested.
 */
import { parse } from 'yaml';

export interface RenderContext {
  values: Record<string, unknown>;
  releaseNamespace: string;
  appVersion: string;
}

function lookup(ctx: RenderContext, expr: string): unknown {
  if (expr === '.Release.Namespace') return ctx.releaseNamespace;
  if (expr === '.Chart.AppVersion') return ctx.appVersion;
  const m = /^\.Values\.([\w.]+)$/.exec(expr);
  if (!m) throw new Error(`unsupported template expression: ${expr}`);
  let v: unknown = ctx.values;
  for (const k of m[1].split('.')) v = (v as Record<string, unknown> | undefined)?.[k];
  return v;
}

/** Helm's truthiness for `if`: false, 0, "", nil and empty collections are false. */
function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

export function renderTemplate(text: string, ctx: RenderContext): string {
  let body = text;
  const guard = /^((?:#[^\n]*\n)*)\{\{- if ([^}]+?) \}\}\n([\s\S]*)\{\{- end \}\}\n$/.exec(body);
  if (guard) {
    if (!truthy(lookup(ctx, guard[2].trim()))) return '';
    body = guard[1] + guard[3];
  }
  return body.replace(/\{\{-? ([^}]*?) -?\}\}/g, (_m, inner: string) => {
    if (inner === '"{{"') return '{{';
    const [expr, ...pipes] = inner.split('|').map((s) => s.trim());
    const v = lookup(ctx, expr);
    if (pipes.length > 1 || (pipes[0] && pipes[0] !== 'quote'))
      throw new Error(`unsupported pipeline: ${inner}`);
    if (v === undefined) throw new Error(`no value for ${expr}`);
    return pipes[0] === 'quote' ? JSON.stringify(String(v)) : String(v);
  });
}

export function yamlObjects(text: string): Record<string, unknown>[] {
  return text
    .split(/^---\s*$/m)
    .map((d) => parse(d) as Record<string, unknown> | null)
    .filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object');
}
