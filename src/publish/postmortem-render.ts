/**
 * Renders a postmortem draft as Markdown (for a wiki or a pull request) or as one
 * self-contained HTML page.
 *
 * Every string in the draft may have come from the cluster (an event message, a log line),
 * so it is made inert for where it lands: control characters shown as escapes (a draft read
 * with `cat` must not drive the terminal), and in Markdown no raw HTML (`<script>`,
 * `<img onerror>`) and no links (`[x](javascript:…)`) a wiki would render from it.
 */
import { escapeControls } from './control-chars.ts';
import { escapeHtml, htmlPage } from './html.ts';
import type { Block, PostmortemDoc } from './postmortem.ts';

/**
 * Backslash-escapes `c` wherever `follows` comes next, doubling the backslashes already
 * before it: a `\` from the data must not cancel the escape.
 */
function escapeBefore(s: string, c: string, follows: string): string {
  const re = new RegExp(`(\\\\*)\\${c}(?=${follows})`, 'g');
  return s.replace(re, (_, bs: string) => `${bs}${bs}\\${c}`);
}

/**
 * Inline text, inert in Markdown: `<` can open no HTML, a `]` before `(` ends no link text,
 * a `[` opening a line starts no link reference definition (`[x]: javascript:…`), and a
 * `javascript:` or `data:` target is spelled with an entity in case some renderer links it
 * bare. Other brackets (`[REDACTED]`, journald's `kubelet[3694]:`) read as they were.
 */
function inline(s: string): string {
  const text = escapeBefore(escapeControls(s), ']', '\\(')
    .replace(/^( {0,3})\[/gm, '$1\\[')
    .replace(/</g, '&lt;');
  return text.replace(/\b(javascript|vbscript|data(?=:[a-z]+\/[\w.+-]+[;,])):/gi, '$1&#58;');
}

const cell = (s: string) => escapeBefore(inline(s), '|', '').replace(/\n/g, ' ');

/** A fence longer than any run of backticks in the text, so the text cannot close it. */
function fenced(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${escapeControls(text)}\n${fence}`;
}

function mdBlock(b: Block): string {
  switch (b.kind) {
    case 'p':
      return inline(b.text);
    case 'code':
      return fenced(b.text);
    case 'list':
      return b.items.map((x) => `- ${b.checklist ? '[ ] ' : ''}${inline(x.replace(/\n/g, ' '))}`).join('\n');
    case 'table':
      return [
        `| ${b.head.map(cell).join(' | ')} |`,
        `|${b.head.map(() => '---').join('|')}|`,
        ...b.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
      ].join('\n');
  }
}

export function renderMarkdown(d: PostmortemDoc): string {
  const parts = [`# ${inline(d.title)}`, d.meta.map((m) => `- ${inline(m)}`).join('\n')];
  for (const s of d.sections) parts.push(`## ${inline(s.title)}`, ...s.blocks.map(mdBlock));
  return `${parts.join('\n\n')}\n`;
}

const e = (s: string) => escapeHtml(escapeControls(s));

function htmlBlock(b: Block): string {
  switch (b.kind) {
    case 'p':
      return `<p>${e(b.text)}</p>`;
    case 'code':
      return `<pre>${e(b.text)}</pre>`;
    case 'list':
      return `<ul>${b.items.map((x) => `<li>${b.checklist ? '☐ ' : ''}${e(x)}</li>`).join('')}</ul>`;
    case 'table':
      return `<table><thead><tr>${b.head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${b.rows
        .map((r) => `<tr>${r.map((c) => `<td>${e(c)}</td>`).join('')}</tr>`)
        .join('')}</tbody></table>`;
  }
}

export function renderHtml(d: PostmortemDoc): string {
  const body = [
    `<h1>${e(d.title)}</h1>`,
    `<ul class="muted">${d.meta.map((m) => `<li>${e(m)}</li>`).join('')}</ul>`,
    ...d.sections.map((s) => `<h2>${e(s.title)}</h2>\n${s.blocks.map(htmlBlock).join('\n')}`),
  ].join('\n');
  return htmlPage(escapeControls(d.title), body);
}
