/**
 * Markdown for the postmortem draft, through maintained libraries rather than a parser of
 * our own: marked turns CommonMark/GFM (tables, inline code, lists) into HTML and DOMPurify
 * strips anything executable from what it makes; raw HTML in the text is shown as text, so text from the
 * cluster (pod names, log lines) can never become markup. The server escapes what it
 * puts in the draft as well; this is the second line.
 */
import DOMPurify from 'dompurify';
import { Marked } from 'marked';
import { useMemo } from 'react';

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

// HTML written in the draft (a pod named `<img …>`) is text, shown as written: only
// Markdown makes markup here.
const markdown = new Marked({ gfm: true, renderer: { html: ({ text }) => escapeHtml(text) } });

export function renderMarkdown(text: string): string {
  const html = markdown.parse(text, { async: false }) as string;
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'input'] });
}

export function Markdown({ text }: { text: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitised by DOMPurify just above
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
