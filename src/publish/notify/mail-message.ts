/**
 * A status notification as an e-mail: one RFC 5322 message, plain UTF-8 text, for a
 * sendmail-compatible command to deliver (`sendmail -t` reads the recipients from `To:`).
 * Header values are single lines (a name with a line break must not add a header), a
 * non-ASCII subject is RFC 2047 encoded, body lines stay under RFC 5322's 998-octet limit,
 * and `Auto-Submitted: auto-generated` (RFC 3834) keeps vacation replies away.
 */
import { stateWords, statusWords } from '../status-page-html.ts';
import { pageUrl, type StatusNotification, type StatusPageContext } from './status-notification.ts';

/** The page's words for statuses and states alike. */
const words: Record<string, string> = { ...statusWords, ...stateWords };

/** What the e-mail says: its subject and plain-text body. */
export function mailText(ctx: StatusPageContext, n: StatusNotification): { subject: string; text: string } {
  const url = pageUrl(ctx);
  const footer = [`-- ${ctx.name}`, ...(url ? [`Status page: ${url}`] : [])];
  if ('incident' in n) {
    const i = n.incident;
    const latest = i.incident_updates[0];
    const window = 'scheduled_for' in i ? [`Window: ${i.scheduled_for} to ${i.scheduled_until}`] : [];
    return {
      subject: `[${ctx.name}] ${i.name}: ${words[i.status] ?? i.status}`,
      text: [
        i.name,
        `Status: ${words[i.status] ?? i.status}`,
        `Affects: ${i.components.join(', ')}`,
        ...window,
        '',
        latest ? `${latest.body}` : '',
        latest ? `(${latest.created_at})` : '',
        '',
        ...footer,
      ].join('\n'),
    };
  }
  const c = n.component_update;
  return {
    subject: `[${ctx.name}] ${c.component_id}: ${words[c.new_status]}`,
    text: [
      `${c.component_id} is now ${words[c.new_status]} (was ${words[c.old_status]}), since ${c.created_at}.`,
      '',
      ...footer,
    ].join('\n'),
  };
}

/** One header value on one line. */
const oneLine = (s: string): string => s.replace(/[\r\n\t\v\f]+/g, ' ').trim();

/** RFC 2047 encoded-words for a non-ASCII subject, each short enough for a folded line. */
export function encodeSubject(subject: string): string {
  const s = oneLine(subject);
  if (/^[\x20-\x7e]*$/.test(s)) return s;
  const words: string[] = [];
  let chunk = '';
  for (const ch of s) {
    // 45 octets of UTF-8 are 60 of base64: with =?UTF-8?B?…?= well under the 75 allowed.
    if (Buffer.byteLength(chunk + ch) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join('\r\n ');
}

/** Lines longer than `max` characters (4 octets each at most: under 998) broken at spaces, or hard. */
function wrap(line: string, max = 240): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > max) {
    const cut = rest.lastIndexOf(' ', max);
    const at = cut > 0 ? cut : max;
    out.push(rest.slice(0, at));
    rest = rest.slice(cut > 0 ? at + 1 : at);
  }
  out.push(rest);
  return out;
}

export function mailMessage(o: {
  from: string;
  to: string;
  subject: string;
  text: string;
  nowMs: number;
  messageId: string;
}): string {
  const date = new Date(o.nowMs).toUTCString().replace(/GMT$/, '+0000');
  const body = o.text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .flatMap((l) => wrap(l))
    // A line of one dot ends the message for sendmail without -i: keep it text.
    .map((l) => (l === '.' ? ' .' : l));
  return [
    `From: ${oneLine(o.from)}`,
    `To: ${oneLine(o.to)}`,
    `Subject: ${encodeSubject(o.subject)}`,
    `Date: ${date}`,
    `Message-ID: <${oneLine(o.messageId)}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    'Auto-Submitted: auto-generated',
    '',
    ...body,
    '',
  ].join('\r\n');
}
