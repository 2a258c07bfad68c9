/**
 * Scheduled maintenance from the status admin page: the windows announced and underway,
 * each with a way to post a word or move it (verifying, completed), and a form to announce a
 * new one. What is written here is public, like an incident's updates.
 */
import { type FormEvent, useState } from 'react';
import { getJson, postJson } from '../api.ts';
import type { Maintenance, MaintenanceStatus } from '../api-types.ts';
import { utc } from '../format.ts';
import { usePolled } from '../poll.ts';

const maintenanceWords: Record<MaintenanceStatus, string> = {
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
};

/** A `datetime-local` value (the browser's zone) as RFC 3339 for the API. */
function isoFromLocal(v: string): string {
  return new Date(v).toISOString();
}

function MaintenanceRow({ m, onChange }: { m: Maintenance; onChange: () => void }) {
  const [result, setResult] = useState('');
  async function move(status?: MaintenanceStatus) {
    const message = window.prompt(
      status
        ? `Public message for ${maintenanceWords[status]} (empty: kubetriage's words)`
        : 'Public message',
    );
    if (message === null || (!status && !message.trim())) return;
    try {
      await postJson(`/api/maintenances/${encodeURIComponent(m.id)}/updates`, {
        ...(status ? { status } : {}),
        ...(message.trim() ? { message } : {}),
      });
      setResult('Posted.');
      onChange();
    } catch (err) {
      setResult(`Not posted: ${(err as Error).message}`);
    }
  }
  const open = m.status !== 'completed';
  return (
    <li>
      <strong>{m.name}</strong> <span className="muted">{m.id}</span> — {maintenanceWords[m.status]}
      <br />
      <span className="muted">
        {utc(m.scheduledForMs)} to {utc(m.scheduledUntilMs)} · {m.components.join(', ')}
        {m.autoStart ? '' : ' · starts by hand'}
        {m.autoComplete ? '' : ' · completes by hand'}
      </span>
      {open && (
        <p>
          <button type="button" className="secondary" onClick={() => move()}>
            Post a message
          </button>{' '}
          {m.status === 'scheduled' && (
            <button type="button" className="secondary" onClick={() => move('in_progress')}>
              Start now
            </button>
          )}{' '}
          {m.status === 'in_progress' && (
            <button type="button" className="secondary" onClick={() => move('verifying')}>
              Verifying
            </button>
          )}{' '}
          <button type="button" className="secondary" onClick={() => move('completed')}>
            Complete
          </button>
        </p>
      )}
      <span aria-live="polite">{result}</span>
    </li>
  );
}

export function MaintenancePanel({ components }: { components: string[] }) {
  const list = usePolled(() => getJson<{ maintenances: Maintenance[] }>('/api/maintenances'), 'maintenances');
  const [name, setName] = useState('');
  const [from, setFrom] = useState('');
  const [until, setUntil] = useState('');
  const [message, setMessage] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [result, setResult] = useState('');

  async function schedule(e: FormEvent) {
    e.preventDefault();
    try {
      await postJson('/api/maintenances', {
        name,
        scheduledFor: isoFromLocal(from),
        scheduledUntil: isoFromLocal(until),
        components: chosen,
        ...(message.trim() ? { message } : {}),
      });
      setName('');
      setMessage('');
      setChosen([]);
      setResult('Maintenance scheduled.');
      list.refresh();
    } catch (err) {
      setResult(`Not scheduled: ${(err as Error).message}`);
    }
  }

  const shown = (list.data?.maintenances ?? []).filter((m) => m.status !== 'completed');
  return (
    <section aria-labelledby="maintenance">
      <h3 id="maintenance">Scheduled maintenance</h3>
      {shown.length ? (
        <ul className="timeline">
          {shown.map((m) => (
            <MaintenanceRow key={m.id} m={m} onChange={list.refresh} />
          ))}
        </ul>
      ) : (
        <p className="muted">None announced.</p>
      )}
      <form onSubmit={schedule} className="form">
        <label htmlFor="maintenance-name">Name (public)</label>
        <input id="maintenance-name" required value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="maintenance-from">Starts</label>
        <input
          id="maintenance-from"
          type="datetime-local"
          required
          value={from}
          onChange={(e) => setFrom(e.target.value)}
        />
        <label htmlFor="maintenance-until">Ends</label>
        <input
          id="maintenance-until"
          type="datetime-local"
          required
          value={until}
          onChange={(e) => setUntil(e.target.value)}
        />
        <fieldset>
          <legend>Components under maintenance during the window</legend>
          {components.map((c) => {
            const id = `maintenance-${c.replace(/\W+/g, '-').toLowerCase()}`;
            return (
              <div key={c} className="field-row">
                <label htmlFor={id}>{c}</label>
                <input
                  id={id}
                  type="checkbox"
                  checked={chosen.includes(c)}
                  onChange={(e) =>
                    setChosen((was) => (e.target.checked ? [...was, c] : was.filter((x) => x !== c)))
                  }
                />
              </div>
            );
          })}
        </fieldset>
        <label htmlFor="maintenance-message">Message (public)</label>
        <textarea
          id="maintenance-message"
          rows={2}
          value={message}
          onChange={(e) => setMessage(e.target.value)}
        />
        <button type="submit" disabled={!chosen.length}>
          Schedule maintenance
        </button>
        <p aria-live="polite">{result}</p>
      </form>
    </section>
  );
}
