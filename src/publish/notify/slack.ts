/**
 * The Slack incoming-webhook message for an incident event: `text` (shown in notifications
 * and by clients without Block Kit) plus `blocks`: a header with severity and title, the
 * root-cause statement, status / since / blast radius fields, the first next step as a
 * pasteable code block, and a link to the incident when kubetriage has a public URL.
 *
 * Slack rejects the whole message (400 invalid_blocks) when one block is over its limit, so
 * every piece is cut to Block Kit's documented sizes: header text 150 characters, section
 * text 3000, section field 2000.
 */
import type { Severity } from '../../detect/signal.ts';
import type { Incident, IncidentStatus } from '../../incident/incident.ts';
import { rfc3339 } from '../../time/clock.ts';
import { redactDeep } from '../redact.ts';
import {
  describeScope,
  firstStep,
  incidentUrl,
  type NotifyContext,
  type NotifyEvent,
  percent,
  truncate,
} from './content.ts';

export const slackLimits = { header: 150, sectionText: 3000, field: 2000 } as const;

interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
}

export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: true } }
  | { type: 'section'; text: Mrkdwn }
  | { type: 'section'; fields: Mrkdwn[] }
  | { type: 'context'; elements: Mrkdwn[] };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const icon: Record<Severity, string> = { critical: '🔴', warning: '🟠', info: '🔵' };

const statusName: Record<IncidentStatus, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

function eventLabel(event: NotifyEvent, status: IncidentStatus): string {
  if (event === 'opened') return 'Incident opened';
  if (event === 'status') return `Now ${statusName[status]}`;
  if (event === 'resolved') return 'Resolved';
  return 'Incident updated';
}

/** Slack's mrkdwn treats these three as control characters; everything else is literal. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes, then cuts without leaving half an entity (`&am…`) behind. */
function mrkdwn(text: string, max: number): Mrkdwn {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return { type: 'mrkdwn', text: escaped };
  const cut = truncate(escaped, max)
    .slice(0, -1)
    .replace(/&[a-z]*$/, '');
  return { type: 'mrkdwn', text: `${cut}…` };
}

function field(label: string, value: string): Mrkdwn {
  return mrkdwn(`*${label}*\n${value}`, slackLimits.field);
}

export function slackMessage(incident: Incident, event: NotifyEvent, ctx: NotifyContext): SlackMessage {
  // Redacted before anything is cut to Slack's sizes: half a URL's password, cut before its
  // `@`, no longer looks like one to the redaction every payload gets on its way out.
  const top = redactDeep(incident.top);
  const sev = incident.severity.toUpperCase();
  const resolved = incident.status === 'resolved';
  const label = eventLabel(event, incident.status);
  const heading = resolved
    ? `✅ RESOLVED · ${sev} · ${top.title}`
    : `${icon[incident.severity]} ${sev} · ${top.title}`;
  const fields = [
    field('Status', statusName[incident.status]),
    field('Since', rfc3339(top.sinceMs)),
    field('Confidence', percent(top.confidence)),
    field('Cluster', ctx.cluster),
    field('Blast radius', describeScope(top.blastRadius)),
  ];
  if (resolved && incident.resolvedAtMs !== undefined)
    fields.push(field('Resolved', rfc3339(incident.resolvedAtMs)));
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(heading, slackLimits.header), emoji: true },
    },
    { type: 'section', text: mrkdwn(top.statement, slackLimits.sectionText) },
    { type: 'section', fields },
  ];
  const step = firstStep(top.nextSteps);
  if (step && !resolved) blocks.push({ type: 'section', text: stepText(step.say, step.command) });
  const url = incidentUrl(ctx, incident.id);
  if (url)
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `<${url}|Open ${incident.id} in kubetriage>` },
    });
  blocks.push({ type: 'context', elements: [mrkdwn(`kubetriage · ${label} · ${incident.id}`, 300)] });
  const text = escapeMrkdwn(
    `[${sev}] ${label}: ${top.title} (${ctx.cluster}, ${statusName[incident.status]})`,
  );
  return { text: truncate(text, slackLimits.sectionText), blocks };
}

/** The step and its command; a long command is cut inside the code block so the fence survives. */
function stepText(say: string, command: string | undefined): Mrkdwn {
  const head = mrkdwn(`*Next step:* ${say}`, 500).text;
  if (!command) return { type: 'mrkdwn', text: head };
  const room = slackLimits.sectionText - head.length - 8;
  const code = mrkdwn(command.replace(/```/g, "'''"), room).text;
  return { type: 'mrkdwn', text: `${head}\n\`\`\`${code}\`\`\`` };
}
