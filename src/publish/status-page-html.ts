/**
 * The public status page as HTML: the overall banner, each component's state, the open
 * incidents with every update (newest first), and the past week's resolved incidents.
 * Rendered from the same model as the JSON, so the two never disagree. Refreshes itself
 * every 30 s; no scripts.
 */
import { escapeHtml as e, htmlPage } from './html.ts';
import type { PublicIncident, StatusPage } from './status-page.ts';

const stateWords: Record<string, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
};

const statusWords: Record<string, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

function incidentCard(i: PublicIncident): string {
  const updates = i.incident_updates
    .map(
      (u) =>
        `<p><strong>${e(statusWords[u.status])}</strong> — ${e(u.body)}<br><span class="muted">${e(u.created_at)}</span></p>`,
    )
    .join('\n');
  return `<div class="card" id="${e(i.id)}"><h3>${e(i.name)}</h3>
<p class="muted">${e(i.id)} · affects ${e(i.components.join(', '))} · since ${e(i.created_at)}${i.resolved_at ? ` · resolved ${e(i.resolved_at)}` : ''}</p>
${updates || '<p class="muted">No updates yet.</p>'}</div>`;
}

export function renderStatusPageHtml(p: StatusPage): string {
  const components = p.components
    .map(
      (c) =>
        `<div class="row"><span>${e(c.name)}</span><span class="${e(c.status)}"${c.description ? ` title="${e(c.description)}"` : ''}>${e(c.description ? 'Status unknown' : stateWords[c.status])}</span></div>`,
    )
    .join('\n');
  const body = `<h1>${e(p.page.name)}</h1>
<div class="banner ${e(p.status.indicator)}">${e(p.status.description)}</div>
<h2>Components</h2><div class="card">${components}</div>
${p.incidents.length ? `<h2>Current incidents</h2>${p.incidents.map(incidentCard).join('\n')}` : ''}
<h2>Past incidents</h2>${p.past_incidents.map(incidentCard).join('\n') || '<p class="muted">No incidents in the last 7 days.</p>'}
<p class="muted">Updated ${e(p.page.updated_at)} · <a href="/status.json">JSON</a></p>`;
  return htmlPage(`${p.page.name} status`, body, { refreshSeconds: 30 });
}
