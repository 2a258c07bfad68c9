/**
 * The public status page from the inside: post an update (optionally moving the incident to
 * a new status and setting component states by hand), see the components' states, and
 * preview the page customers see; announce and move scheduled maintenance, and keep the
 * list of subscribers. Updates are public words: the form says so.
 */
import { type FormEvent, useState } from 'react';
import { getJson, postJson } from '../api.ts';
import type { Incident, IncidentStatus, StatusPage } from '../api-types.ts';
import { StatusBadge } from '../components/Badge.tsx';
import { statusLabel, utc } from '../format.ts';
import { usePolled } from '../poll.ts';
import { DraftUpdatePanel } from './DraftUpdate.tsx';
import { MaintenancePanel } from './MaintenancePanel.tsx';
import { SubscribersPanel } from './SubscribersPanel.tsx';

const componentWords: Record<string, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

export function StatusAdmin({ incident, onChange }: { incident: Incident; onChange: () => void }) {
  const page = usePolled(() => getJson<StatusPage>('/api/status-page'), 'status-page');
  const [message, setMessage] = useState('');
  const [status, setStatus] = useState<IncidentStatus | ''>('');
  const [result, setResult] = useState<string>('');
  const [preview, setPreview] = useState(0);
  /** Component states chosen by hand for this update; absent = kubetriage's estimate. */
  const [components, setComponents] = useState<Record<string, string>>({});

  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      await postJson(`/api/incidents/${encodeURIComponent(incident.id)}/updates`, {
        message,
        ...(status ? { status } : {}),
        ...(Object.keys(components).length ? { components } : {}),
      });
      setMessage('');
      setStatus('');
      setComponents({});
      setResult('Update posted.');
      setPreview((n) => n + 1);
      onChange();
      page.refresh();
    } catch (err) {
      setResult(`Not posted: ${(err as Error).message}`);
    }
  }

  return (
    <section aria-labelledby="status-admin">
      <h2 id="status-admin">Status page</h2>
      <div className="columns">
        <div>
          <DraftUpdatePanel incident={incident} onChange={onChange} />
          <h3>Post an update</h3>
          <form onSubmit={submit} className="form">
            <label htmlFor="update-message">Message (public: customers read it)</label>
            <textarea
              id="update-message"
              required
              rows={4}
              value={message}
              onChange={(e) => setMessage(e.target.value)}
            />
            <label htmlFor="update-status">Move the incident to</label>
            <select
              id="update-status"
              value={status}
              onChange={(e) => setStatus(e.target.value as IncidentStatus | '')}
            >
              <option value="">keep {statusLabel[incident.status]}</option>
              {(['investigating', 'identified', 'monitoring', 'resolved'] as const).map((s) => (
                <option key={s} value={s}>
                  {statusLabel[s]}
                </option>
              ))}
            </select>
            <fieldset>
              <legend>Component states with this update</legend>
              {(page.data?.components ?? []).map((c) => {
                const id = `component-${c.name.replace(/\W+/g, '-').toLowerCase()}`;
                return (
                  <div key={c.name} className="field-row">
                    <label htmlFor={id}>{c.name}</label>
                    <select
                      id={id}
                      value={components[c.name] ?? ''}
                      onChange={(e) => {
                        const v = e.target.value;
                        setComponents(({ [c.name]: _, ...rest }) => (v ? { ...rest, [c.name]: v } : rest));
                      }}
                    >
                      <option value="">as kubetriage sees it ({componentWords[c.status] ?? c.status})</option>
                      {Object.entries(componentWords)
                        // Planned work is announced as a maintenance, not set on an incident.
                        .filter(([value]) => value !== 'under_maintenance')
                        .map(([value, words]) => (
                          <option key={value} value={value}>
                            {words}
                          </option>
                        ))}
                    </select>
                  </div>
                );
              })}
            </fieldset>
            <button type="submit">Post update</button>
            <p aria-live="polite">{result}</p>
          </form>
          <h3>Components</h3>
          <p className="muted">
            States follow the open incidents and what the cluster shows is down (workloads short, 5xx at the
            ingress), unless an update set them by hand (the latest such update wins).
          </p>
          <ul className="checks">
            {(page.data?.components ?? []).map((c) => (
              <li key={c.name} className={c.status === 'operational' ? 'ok' : 'bad'}>
                {c.name}: {componentWords[c.status] ?? c.status}
              </li>
            ))}
          </ul>
          <MaintenancePanel components={(page.data?.components ?? []).map((c) => c.name)} />
          <SubscribersPanel />
          <h3>Updates posted</h3>
          <ol className="timeline">
            {[...incident.updates].reverse().map((u, k) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: updates are append-only
              <li key={k}>
                <time dateTime={new Date(u.atMs).toISOString()}>{utc(u.atMs)}</time>{' '}
                <StatusBadge status={u.status} /> {u.message} <span className="muted">— {u.author}</span>
              </li>
            ))}
          </ol>
        </div>
        <div>
          <h3>Preview</h3>
          <p>
            <a href="/status" target="_blank" rel="noopener">
              Open the public page
            </a>
          </p>
          <iframe key={preview} className="preview" src="/status" title="Public status page preview" />
        </div>
      </div>
    </section>
  );
}
