/**
 * Who is told about the status page: webhooks (shown by host only: the rest of the URL may
 * be a secret) and e-mail addresses, with a form to add one and a button to remove one.
 * E-mail needs serve's --subscriber-mail-command; the form says so when it is not set.
 */
import { type FormEvent, useState } from 'react';
import { deleteJson, getJson, postJson } from '../api.ts';
import type { SubscriberListing } from '../api-types.ts';
import { utc } from '../format.ts';
import { usePolled } from '../poll.ts';

export function SubscribersPanel() {
  const list = usePolled(
    () => getJson<{ subscribers: SubscriberListing[]; email: boolean }>('/api/subscribers'),
    'subscribers',
  );
  const [kind, setKind] = useState<'webhook' | 'email'>('webhook');
  const [endpoint, setEndpoint] = useState('');
  const [result, setResult] = useState('');

  async function add(e: FormEvent) {
    e.preventDefault();
    try {
      await postJson(
        '/api/subscribers',
        kind === 'webhook' ? { kind, url: endpoint } : { kind, email: endpoint },
      );
      setEndpoint('');
      setResult('Subscribed.');
      list.refresh();
    } catch (err) {
      setResult(`Not subscribed: ${(err as Error).message}`);
    }
  }

  async function remove(id: string) {
    try {
      await deleteJson(`/api/subscribers/${encodeURIComponent(id)}`);
      list.refresh();
    } catch (err) {
      setResult(`Not removed: ${(err as Error).message}`);
    }
  }

  const subscribers = list.data?.subscribers ?? [];
  return (
    <section aria-labelledby="subscribers">
      <h3 id="subscribers">Subscribers</h3>
      <p className="muted">
        Told of each published update (never a draft), each maintenance scheduled, started and completed, and
        each component that changes state.
      </p>
      {subscribers.length ? (
        <ul className="checks">
          {subscribers.map((s) => (
            <li key={s.id}>
              {s.kind === 'webhook' ? 'Webhook' : 'E-mail'} {s.endpoint}{' '}
              <span className="muted">
                since {utc(s.createdAtMs)} by {s.author}
              </span>{' '}
              <button type="button" className="secondary" onClick={() => remove(s.id)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">Nobody subscribed yet.</p>
      )}
      <form onSubmit={add} className="form">
        <label htmlFor="subscriber-kind">Kind</label>
        <select
          id="subscriber-kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as 'webhook' | 'email')}
        >
          <option value="webhook">Webhook (Statuspage JSON)</option>
          <option value="email" disabled={list.data?.email === false}>
            E-mail{list.data?.email === false ? ' (serve has no --subscriber-mail-command)' : ''}
          </option>
        </select>
        <label htmlFor="subscriber-endpoint">{kind === 'webhook' ? 'URL' : 'Address'}</label>
        <input
          id="subscriber-endpoint"
          required
          type={kind === 'webhook' ? 'url' : 'email'}
          value={endpoint}
          onChange={(e) => setEndpoint(e.target.value)}
        />
        <button type="submit">Subscribe</button>
        <p aria-live="polite">{result}</p>
      </form>
    </section>
  );
}
