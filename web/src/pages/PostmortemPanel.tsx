/**
 * The postmortem draft the server renders from the record, shown as text; notes added here
 * land on the incident's timeline, action items edited here in its Action items section
 * (both so in the draft); export saves the Markdown.
 */
import { type FormEvent, useState } from 'react';
import { getText, postJson } from '../api.ts';
import type { Incident } from '../api-types.ts';
import { Markdown } from '../components/Markdown.tsx';
import { usePolled } from '../poll.ts';
import { ActionItemsPanel } from './ActionItemsPanel.tsx';

export function PostmortemPanel({ incident, onChange }: { incident: Incident; onChange: () => void }) {
  const path = `/api/incidents/${encodeURIComponent(incident.id)}/postmortem?format=md`;
  const draft = usePolled(() => getText(path), path, 0);
  const [note, setNote] = useState('');
  const [result, setResult] = useState('');

  async function addNote(e: FormEvent) {
    e.preventDefault();
    try {
      await postJson(`/api/incidents/${encodeURIComponent(incident.id)}/notes`, { text: note });
      setNote('');
      setResult('Note added to the timeline.');
      onChange();
      draft.refresh();
    } catch (err) {
      setResult(`Not added: ${(err as Error).message}`);
    }
  }

  function exportMarkdown() {
    if (!draft.data) return;
    const url = URL.createObjectURL(new Blob([draft.data], { type: 'text/markdown' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${incident.id}-postmortem.md`;
    a.click();
    URL.revokeObjectURL(url);
  }

  return (
    <section aria-labelledby="postmortem">
      <h2 id="postmortem">Postmortem draft</h2>
      <p className="toolbar">
        <button type="button" onClick={draft.refresh}>
          Refresh draft
        </button>{' '}
        <button type="button" onClick={exportMarkdown} disabled={!draft.data}>
          Export Markdown
        </button>
      </p>
      <ActionItemsPanel
        incident={incident}
        onChange={() => {
          onChange();
          draft.refresh();
        }}
      />
      <form onSubmit={addNote} className="form">
        <label htmlFor="pm-note">Add a note to the timeline</label>
        <textarea id="pm-note" required rows={3} value={note} onChange={(e) => setNote(e.target.value)} />
        <button type="submit">Add note</button>
        <p aria-live="polite">{result}</p>
      </form>
      {draft.error && <p role="alert">Could not load the draft: {draft.error}</p>}
      {draft.data ? <Markdown text={draft.data} /> : !draft.error && <p>Loading…</p>}
    </section>
  );
}
