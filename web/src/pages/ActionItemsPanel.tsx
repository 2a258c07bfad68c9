/**
 * The postmortem's action items, edited where the team reads the draft: each item's text,
 * type, owner, due date and status change in place and are saved as soon as a field is
 * left (or a choice made), under the name given here. The diagnosis's prevention advice is
 * listed apart as suggestions; accepting one makes it an item like any other.
 */
import { type FormEvent, type KeyboardEvent, useEffect, useState } from 'react';
import { deleteJson, getJson, patchJson, postJson } from '../api.ts';
import type { ActionItem, ActionItemList, ActionItemType, Incident } from '../api-types.ts';
import { utc } from '../format.ts';
import { usePolled } from '../poll.ts';

const types: ActionItemType[] = ['prevent', 'mitigate', 'detect', 'process'];
/** The same name the runbook approval asks for, kept for the browser tab's session. */
const authorKey = 'kubetriage.author';

type Change = Partial<Pick<ActionItem, 'text' | 'type' | 'status'>> & {
  owner?: string | null;
  dueDate?: string | null;
};

function ItemRow({
  item,
  save,
  remove,
}: {
  item: ActionItem;
  save: (change: Change) => void;
  remove: () => void;
}) {
  const [text, setText] = useState(item.text);
  const [owner, setOwner] = useState(item.owner ?? '');
  // Someone else's edit (or a refused one) resets the fields; typing here is not overwritten by polling.
  useEffect(() => {
    setText(item.text);
    setOwner(item.owner ?? '');
  }, [item.text, item.owner]);
  const label = `action item ${item.id}`;
  const leave = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') e.currentTarget.blur();
  };
  return (
    <tr data-item={item.id} data-status={item.status}>
      <td>
        <input
          aria-label={`Text of ${label}`}
          value={text}
          maxLength={1000}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={leave}
          onBlur={() => text.trim() && text.trim() !== item.text && save({ text: text.trim() })}
        />
      </td>
      <td>
        <select
          aria-label={`Type of ${label}`}
          value={item.type}
          onChange={(e) => save({ type: e.target.value as ActionItemType })}
        >
          {types.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </td>
      <td>
        <input
          aria-label={`Owner of ${label}`}
          placeholder="unassigned"
          value={owner}
          maxLength={100}
          onChange={(e) => setOwner(e.target.value)}
          onKeyDown={leave}
          onBlur={() => owner.trim() !== (item.owner ?? '') && save({ owner: owner.trim() || null })}
        />
      </td>
      <td>
        <input
          type="date"
          aria-label={`Due date of ${label}`}
          value={item.dueDate ?? ''}
          onChange={(e) => save({ dueDate: e.target.value || null })}
        />
      </td>
      <td>
        <select
          aria-label={`Status of ${label}`}
          value={item.status}
          onChange={(e) => save({ status: e.target.value as ActionItem['status'] })}
        >
          <option>open</option>
          <option>done</option>
        </select>
      </td>
      <td className="muted" title={item.updatedVia ? `with token ${item.updatedVia}` : undefined}>
        {item.updatedBy}, {utc(item.updatedAtMs)}
      </td>
      <td>
        <button type="button" className="secondary" aria-label={`Remove ${label}`} onClick={remove}>
          Remove
        </button>
      </td>
    </tr>
  );
}

export function ActionItemsPanel({ incident, onChange }: { incident: Incident; onChange: () => void }) {
  const path = `/api/incidents/${encodeURIComponent(incident.id)}/action-items`;
  const list = usePolled(() => getJson<ActionItemList>(path), path, 5_000);
  const [author, setAuthor] = useState(() => sessionStorage.getItem(authorKey) ?? '');
  const [text, setText] = useState('');
  const [type, setType] = useState<ActionItemType>('prevent');
  const [result, setResult] = useState('');

  async function change(what: string, write: () => Promise<unknown>) {
    if (author.trim()) sessionStorage.setItem(authorKey, author.trim());
    try {
      await write();
      setResult(`${what}.`);
      onChange();
    } catch (err) {
      setResult(`Not saved: ${(err as Error).message}`);
    }
    list.refresh();
  }
  const by = () => (author.trim() ? { author: author.trim() } : {});
  const add = (body: { text: string; type: ActionItemType }) =>
    change(`Added "${body.text}"`, () => postJson(path, { ...body, ...by() }));

  async function addTyped(e: FormEvent) {
    e.preventDefault();
    await add({ text: text.trim(), type });
    setText('');
  }

  const items = list.data?.items ?? [];
  const suggestions = list.data?.suggestions ?? [];
  return (
    <section aria-labelledby="action-items" className="action-items">
      <h2 id="action-items">Action items</h2>
      <p className="muted">
        What the team commits to after {incident.id}, each with an owner and a due date. Changes are saved as
        soon as you leave a field, under your name.
      </p>
      <p className="form">
        <label htmlFor="ai-author">Your name (for the record)</label>
        <input
          id="ai-author"
          maxLength={100}
          autoComplete="name"
          placeholder="operator"
          value={author}
          onChange={(e) => setAuthor(e.target.value)}
        />
      </p>
      {list.error && <p role="alert">Could not load the action items: {list.error}</p>}
      {items.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Action</th>
                <th>Type</th>
                <th>Owner</th>
                <th>Due</th>
                <th>Status</th>
                <th>Last changed</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <ItemRow
                  key={item.id}
                  item={item}
                  save={(c) =>
                    change(`Saved item ${item.id}`, () => patchJson(`${path}/${item.id}`, { ...c, ...by() }))
                  }
                  remove={() => change(`Removed item ${item.id}`, () => deleteJson(`${path}/${item.id}`))}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        list.data && <p className="muted">No action items yet.</p>
      )}
      <form onSubmit={addTyped} className="form add-item">
        <label htmlFor="ai-text">New action item</label>
        <input
          id="ai-text"
          required
          maxLength={1000}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <label htmlFor="ai-type">Type</label>
        <select id="ai-type" value={type} onChange={(e) => setType(e.target.value as ActionItemType)}>
          {types.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <button type="submit">Add action item</button>
      </form>
      {suggestions.length > 0 && (
        <>
          <h3>Suggested by the diagnosis</h3>
          <ul className="suggestions">
            {suggestions.map((s) => (
              <li key={s.text}>
                {s.text} <span className="tag">{s.type}</span>{' '}
                <button type="button" className="secondary" onClick={() => add(s)}>
                  Accept
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <p aria-live="polite">{result}</p>
    </section>
  );
}
