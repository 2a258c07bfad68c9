/**
 * The dashboard's frame: a banner with the cluster's name and freshness, the main content
 * for the page in the hash, and a form for the token when there is none (or it was refused).
 */
import { type FormEvent, useEffect, useState } from 'react';
import { health, tokenRefusedEvent } from './api.ts';
import type { Health } from './api-types.ts';
import { utc } from './format.ts';
import { ClusterPage } from './pages/ClusterPage.tsx';
import { IncidentPage } from './pages/IncidentPage.tsx';
import { usePolled } from './poll.ts';
import { useRoute } from './route.ts';
import { forgetToken, setToken, token } from './token.ts';

function TokenForm({ refused }: { refused: boolean }) {
  const [value, setValue] = useState('');
  function submit(e: FormEvent) {
    e.preventDefault();
    setToken(value);
    window.location.reload();
  }
  return (
    <section aria-labelledby="token-title" className="token-form">
      <h1 id="token-title">Sign in with the API token</h1>
      <p>
        {refused ? 'The server refused the token this tab had. ' : ''}
        Open the link <code>kubetriage serve</code> or <code>kubetriage demo</code> printed (it carries the
        token after <code>#token=</code>), or paste the token. It stays in this tab only.
      </p>
      <form onSubmit={submit} className="form">
        <label htmlFor="token">API token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          required
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit">Use token</button>
      </form>
    </section>
  );
}

export function App() {
  const route = useRoute();
  const h = usePolled<Health>(health, 'healthz');
  const [refused, setRefused] = useState(false);
  const hasToken = token() !== undefined;

  // Any 401 anywhere: ask for the token again.
  useEffect(() => {
    const on = () => setRefused(true);
    window.addEventListener(tokenRefusedEvent, on);
    return () => window.removeEventListener(tokenRefusedEvent, on);
  }, []);

  useEffect(() => {
    document.title =
      route.page === 'incident' ? `${route.id} · kubetriage` : `${h.data?.cluster ?? 'cluster'} · kubetriage`;
  }, [route, h.data]);

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="banner">
        <a href="#/" className="brand">
          kubetriage
        </a>
        <span className="cluster">{h.data ? `cluster ${h.data.cluster}` : ''}</span>
        <span className="freshness" aria-live="off">
          {h.data?.lastRound
            ? `last round ${utc(Date.parse(h.data.lastRound))}`
            : 'waiting for the first round'}
          {h.data?.source ? ` · ${h.data.source}` : ''}
        </span>
        <nav aria-label="Main">
          <a href="#/">Cluster</a> <a href="/status">Public status page</a>{' '}
          {hasToken && (
            <button
              type="button"
              className="link"
              onClick={() => {
                forgetToken();
                window.location.reload();
              }}
            >
              Forget token
            </button>
          )}
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {!hasToken || refused ? (
          <TokenForm refused={refused} />
        ) : route.page === 'incident' ? (
          <IncidentPage key={route.id} id={route.id} tab={route.tab} />
        ) : (
          <ClusterPage />
        )}
      </main>
    </>
  );
}
