import { describe, expect, it } from 'vitest';
import { incident, t0 } from '../../incident/fixtures.ts';
import { redactDeep } from '../redact.ts';
import { type SlackBlock, slackLimits, slackMessage } from './slack.ts';

const ctx = { cluster: 'prod-eu', publicUrl: 'https://triage.example.com/' };

const texts = (blocks: SlackBlock[]): string[] =>
  blocks.flatMap((b) => {
    if (b.type === 'header') return [b.text.text];
    if (b.type === 'context') return b.elements.map((e) => e.text);
    return 'fields' in b ? b.fields.map((f) => f.text) : [b.text.text];
  });

describe('slack message', () => {
  it.each([
    { name: 'open, critical', inc: incident(), event: 'opened' as const, header: '🔴 CRITICAL · Nodes lost' },
    {
      name: 'resolved',
      inc: incident({ status: 'resolved', resolvedAtMs: t0 + 600_000 }),
      event: 'resolved' as const,
      header: '✅ RESOLVED · CRITICAL · Nodes lost',
    },
    {
      name: 'warning',
      inc: incident({ severity: 'warning' }, { severity: 'warning' }),
      event: 'updated' as const,
      header: '🟠 WARNING · Nodes lost',
    },
  ])('$name: header carries severity and title', ({ inc, event, header }) => {
    const m = slackMessage(inc, event, ctx);
    expect(m.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(texts(m.blocks)[0].startsWith(header)).toBe(true);
    expect(m.text).toContain('Nodes lost their network');
    expect(m.text).toContain('prod-eu');
  });

  it('has the statement, status, since, blast radius, next step and link', () => {
    const m = slackMessage(incident(), 'opened', ctx);
    const all = texts(m.blocks).join('\n');
    expect(all).toContain('kubelet cannot reach the API server');
    expect(all).toContain('*Status*\nIdentified');
    expect(all).toContain('*Since*\n2026-01-01T15:01:00Z');
    expect(all).toContain('3 nodes (aks-1, aks-2, aks-3); 1 pool (agentpool)');
    expect(all).toContain('*Next step:* Check the nodes’ conditions\n```kubectl describe node aks-1```');
    expect(all).toContain('<https://triage.example.com/incidents/INC-0001|Open INC-0001 in kubetriage>');
    expect(m.text).toBe('[CRITICAL] Incident opened: Nodes lost their network (prod-eu, Identified)');
  });

  it('leaves out the link without a public URL and the next step once resolved', () => {
    const m = slackMessage(incident({ status: 'resolved', resolvedAtMs: t0 }), 'resolved', { cluster: 'c' });
    const all = texts(m.blocks).join('\n');
    expect(all).not.toContain('/incidents/');
    expect(all).not.toContain('Next step');
    expect(all).toContain('*Resolved*\n2026-01-01T15:02:00Z');
  });

  it('escapes mrkdwn control characters and keeps every block within Slack limits', () => {
    const long = `a <b> & c ${'x'.repeat(5000)}`;
    const m = slackMessage(
      incident(
        {},
        { title: 'T'.repeat(400), statement: long, nextSteps: [{ say: 's', command: 'y'.repeat(4000) }] },
      ),
      'updated',
      ctx,
    );
    const [header, statement, fields, step] = m.blocks;
    expect(header.type === 'header' && header.text.text.length).toBe(slackLimits.header);
    expect(statement.type === 'section' && 'text' in statement && statement.text.text).toMatch(
      /^a &lt;b&gt; &amp; c x+…$/,
    );
    for (const t of texts(m.blocks)) expect(t.length).toBeLessThanOrEqual(slackLimits.sectionText);
    expect(fields.type === 'section' && 'fields' in fields && fields.fields.length).toBeLessThanOrEqual(10);
    expect(step.type === 'section' && 'text' in step && step.text.text.endsWith('…```')).toBe(true);
  });

  it('redacts before cutting to size: a secret cut in half does not leak its first half', () => {
    // The password straddles the header's 150-character cut, which drops its `@`: redacting
    // only the message as sent (as the channel does) would no longer know it for a password.
    const title = `${'x'.repeat(100)} mysql://root:Sup3rS3cretPassw0rdThatRunsPastTheCut@db:3306/shop`;
    const sent = redactDeep(slackMessage(incident({}, { title }), 'opened', ctx));
    expect(JSON.stringify(sent)).not.toContain('Sup3rS3');
  });
});
