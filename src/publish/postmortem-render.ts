/**
 * Renders a postmortem draft as Markdown (for a wiki or a pull request) or as one
 * self-contained HTML page.
 */
import { escapeHtml as e, htmlPage } from './html.ts';
import type { Block, PostmortemDoc } from './postmortem.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function mdBlock(b: Block): string {
  switch (b.kind) {
    case 'p':
      return b.text;
    case 'code':
      return `\`\`\`\n${b.text}\n\`\`\``;
    case 'list':
      return b.items.map((x) => `- ${b.checklist ? '[ ] ' : ''}${x.replace(/\n/g, ' ')}`).join('\n');
    case 'table':
      return [
        `| ${b.head.map(cell).join(' | ')} |`,
        `|${b.head.map(() => '---').join('|')}|`,
        ...b.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
      ].join('\n');
  }
}

export function renderMarkdown(d: PostmortemDoc): string {
  const parts = [`# ${d.title}`, d.meta.map((m) => `- ${m}`).join('\n')];
  for (const s of d.sections) parts.push(`## ${s.title}`, ...s.blocks.map(mdBlock));
  return `${parts.join('\n\n')}\n`;
}

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
  return htmlPage(d.title, body);
}
