import { describe, expect, it } from 'vitest';
import type { PostmortemDoc } from './postmortem.ts';
import { renderHtml, renderMarkdown } from './postmortem-render.ts';

// What a container log or an event message can put into the record, and so into a draft.
const retitle = '\u001b]0;evil\u0007';
const clear = '\u001b[2J';
const overwrite = 'ok\rFAILED';
const reversed = 'pay \u202Egnp.exe';

function hostileDoc(): PostmortemDoc {
  return {
    title: `INC-0001: <script>alert(1)</script> ${retitle}`,
    meta: [`Cluster: prod ${clear}`],
    sections: [
      {
        title: 'Root cause',
        blocks: [
          {
            kind: 'p',
            text: 'see [the runbook](javascript:alert(document.cookie))\n[x]: javascript:alert(2)',
          },
          {
            kind: 'list',
            items: ['[y]: data:text/html;base64,PHNjcmlwdD4=', 'kubelet[3694]: PLEG is not healthy'],
          },
          { kind: 'p', text: 'logo ![](data:text/html;base64,PHNjcmlwdD4=) and \\](javascript:alert(3))' },
          { kind: 'list', items: ['<img src=x onerror=alert(1)>', overwrite, reversed] },
          { kind: 'table', head: ['When', 'What'], rows: [['15:02', 'a|b \\| <b>bold</b>']] },
          { kind: 'code', text: `stack\n\`\`\`\n<script>alert(4)</script> ${clear}` },
        ],
      },
    ],
  };
}

const hostileChars = ['\u001b', '\u0007', '\r', '\u202e'];

/** The Markdown a renderer would read as raw HTML or as a link. */
const live = [/<script/i, /<img/i, /<b>/, /[^\\]\]\(/, /^(- )? {0,3}\[[^ ]/m, /javascript:/i, /data:text/i];

describe('postmortem rendering of hostile text', () => {
  it('Markdown: no raw HTML, no links, no control characters; the words stay readable', () => {
    const md = renderMarkdown(hostileDoc());
    const [prose, code] = md.split(/`{4}/);
    for (const re of live) expect(prose).not.toMatch(re);
    for (const c of hostileChars) expect(md).not.toContain(c);
    expect(md).toContain('# INC-0001: &lt;script>alert(1)&lt;/script> \\x1b]0;evil\\x07');
    expect(md).toContain(
      'see [the runbook\\](javascript&#58;alert(document.cookie))\n\\[x]: javascript&#58;alert(2)',
    );
    expect(md).toContain(
      '- \\[y]: data&#58;text/html;base64,PHNjcmlwdD4=\n- kubelet[3694]: PLEG is not healthy\n',
    );
    // A backslash from the data does not cancel the escape: it is escaped itself.
    expect(md).toContain('\\\\\\](javascript&#58;alert(3))');
    expect(md).toContain('- ok\\x0dFAILED');
    expect(md).toContain('- pay \\u202egnp.exe');
    expect(md).toContain('| 15:02 | a\\|b \\\\\\| &lt;b>bold&lt;/b> |');
    // Code is shown as written, in a fence its own backticks cannot close.
    expect(code).toBe('\nstack\n```\n<script>alert(4)</script> \\x1b[2J\n');
  });

  it('HTML: control characters shown as escapes too', () => {
    const html = renderHtml(hostileDoc());
    for (const c of hostileChars) expect(html).not.toContain(c);
    expect(html).toContain(
      '<title>INC-0001: &lt;script&gt;alert(1)&lt;/script&gt; \\x1b]0;evil\\x07</title>',
    );
    expect(html).not.toContain('<img');
  });
});
