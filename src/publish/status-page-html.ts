/**
 * The public status page as HTML: the overall banner, each component's state, the open
 * incidents with every update (newest first), scheduled maintenance (underway, then
 * upcoming, with its window), and the past week's resolved incidents.
 * Rendered from the same model as the JSON, so the two never disagree. Refreshes itself
 * every 30 s; no scripts.
 */
import { escapeHtml as e, htmlPage } from './html.ts';
import type { PublicIncident, PublicMaintenance, StatusPage } from './status-page.ts';

/** Component states in the page's words (the e-mail to subscribers uses the same). */
export const stateWords: Record<string, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

/** Incident and maintenance statuses in the page's words. */
export const statusWords: Record<string, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
};

/** Public updates, newest first, of an incident or a maintenance alike. */
function updatesHtml(updates: readonly { status: string; body: string; created_at: string }[]): string {
  return updates
    .map(
      (u) =>
        `<p><strong>${e(statusWords[u.status])}</strong> — ${e(u.body)}<br><span class="muted">${e(u.created_at)}</span></p>`,
    )
    .join('\n');
}

function maintenanceCard(m: PublicMaintenance): string {
  const updates = updatesHtml(m.incident_updates);
  return `<div class="card maintenance" id="${e(m.id)}"><h3>${e(m.name)}</h3>
<p class="muted">${e(m.id)} · ${e(statusWords[m.status])} · ${e(m.scheduled_for)} to ${e(m.scheduled_until)} · affects ${e(m.components.join(', '))}</p>
${updates}</div>`;
}

function incidentCard(i: PublicIncident): string {
  const updates = updatesHtml(i.incident_updates);
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
${p.scheduled_maintenances.length ? `<h2>Scheduled maintenance</h2>${p.scheduled_maintenances.map(maintenanceCard).join('\n')}` : ''}
<h2>Past incidents</h2>${p.past_incidents.map(incidentCard).join('\n') || '<p class="muted">No incidents in the last 7 days.</p>'}
<p class="muted">Updated ${e(p.page.updated_at)} · <a href="/status.json">JSON</a></p>`;
  return htmlPage(`${p.page.name} status`, body, { refreshSeconds: 30 });
}
