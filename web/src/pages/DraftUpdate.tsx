/**
 * The public update kubetriage drafted at the incident's last status change, waiting for a
 * person: publish it as written, edit it first, or discard it. Nothing reaches customers
 * until someone does (unless serve runs with --auto-publish).
 */
import { useEffect, useState } from 'react';
import { deleteJson, getJson, postJson } from '../api.ts';
import type { DraftUpdate, Incident } from '../api-types.ts';
import { StatusBadge } from '../components/Badge.tsx';
import { usePolled } from '../poll.ts';

export function DraftUpdatePanel({ incident, onChange }: { incident: Incident; onChange: () => void }) {
  const path = `/api/incidents/${encodeURIComponent(incident.id)}/draft`;
  const draft = usePolled(() => getJson<DraftUpdate>(path), path);
  const [text, setText] = useState('');
  const [result, setResult] = useState('');
  const d = draft.data?.draft;
  useEffect(() => setText(d?.message ?? ''), [d?.message]);

  if (!draft.data) return null;
  if (!d)
    return (
      <p className="muted">
        {draft.data.autoPublish
          ? 'kubetriage posts its updates at once (--auto-publish).'
          : 'No draft waiting: kubetriage drafts an update at each status change for you to publish.'}
      </p>
    );

  async function publish() {
    try {
      await postJson(`${path}/publish`, text.trim() && text !== d?.message ? { message: text } : {});
      setResult('Published.');
      onChange();
      draft.refresh();
    } catch (err) {
      setResult(`Not published: ${(err as Error).message}`);
    }
  }

  async function discard() {
    await deleteJson(path);
    setResult('Draft discarded.');
    draft.refresh();
  }

  return (
    <section aria-labelledby="draft-update" className="draft">
      <h3 id="draft-update">
        Draft update <StatusBadge status={d.status} />
      </h3>
      <p className="muted">
        Written by kubetriage at {d.writtenAt}; customers see nothing until you publish it.
      </p>
      <label htmlFor="draft-message">Message (public)</label>
      <textarea id="draft-message" rows={3} value={text} onChange={(e) => setText(e.target.value)} />
      <p>
        <button type="button" onClick={publish}>
          Publish
        </button>{' '}
        <button type="button" className="secondary" onClick={discard}>
          Discard
        </button>
      </p>
      <p aria-live="polite">{result}</p>
    </section>
  );
}
