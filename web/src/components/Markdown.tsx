/**
 * Just enough Markdown for the postmortem draft (headings, paragraphs, lists, tables,
 * inline code), rendered as React text: nothing from the cluster is ever parsed as HTML.
 */
import type { ReactNode } from 'react';

function inline(text: string): ReactNode[] {
  return text.split(/(`[^`]+`)/).map((part, i) =>
    part.startsWith('`') && part.endsWith('`') && part.length > 1 ? (
      // biome-ignore lint/suspicious/noArrayIndexKey: fixed split of one line
      <code key={i}>{part.slice(1, -1)}</code>
    ) : (
      part.replace(/\*\*([^*]+)\*\*/g, '$1')
    ),
  );
}

const cells = (line: string) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(' | ')
    .map((c) => c.trim());

export function Markdown({ text }: { text: string }) {
  const lines = text.split('\n');
  const out: ReactNode[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const h = /^(#{1,4})\s+(.*)$/.exec(line);
    if (h) {
      const level = Math.min(6, h[1].length + 2);
      const Tag = `h${level}` as 'h3';
      out.push(<Tag key={i}>{inline(h[2])}</Tag>);
      i++;
    } else if (line.startsWith('|')) {
      const rows: string[] = [];
      while (i < lines.length && lines[i].startsWith('|')) rows.push(lines[i++]);
      const [head, , ...body] = rows;
      out.push(
        <div className="table-wrap" key={`t${i}`}>
          <table>
            <thead>
              <tr>
                {cells(head).map((c, j) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: columns of a fixed table
                  <th key={j} scope="col">
                    {inline(c)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {body.map((r, k) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows of a fixed table
                <tr key={k}>
                  {cells(r).map((c, j) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: columns of a fixed table
                    <td key={j}>{inline(c)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>,
      );
    } else if (/^\s*[-*] /.test(line)) {
      const items: string[] = [];
      while (i < lines.length && /^\s*[-*] /.test(lines[i])) items.push(lines[i++].replace(/^\s*[-*] /, ''));
      out.push(
        <ul key={`l${i}`}>
          {items.map((it, k) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: items of a fixed list
            <li key={k}>{inline(it)}</li>
          ))}
        </ul>,
      );
    } else if (line.trim() === '') {
      i++;
    } else {
      const para: string[] = [];
      while (i < lines.length && lines[i].trim() !== '' && !/^(#|\||\s*[-*] )/.test(lines[i]))
        para.push(lines[i++]);
      out.push(<p key={`p${i}`}>{inline(para.join(' '))}</p>);
    }
  }
  return <div className="markdown">{out}</div>;
}
