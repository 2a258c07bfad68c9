/** The page is chosen by the hash (`#/incidents/INC-0001/postmortem`): no server routes needed. */
import { useEffect, useState } from 'react';
import type { IncidentTab } from './pages/IncidentPage.tsx';

export type Route = { page: 'cluster' } | { page: 'incident'; id: string; tab: IncidentTab };

const tabs: IncidentTab[] = ['runbooks', 'status-page', 'postmortem'];

export function parseRoute(hash: string): Route {
  const m = /^#\/incidents\/([^/]+)(?:\/([\w-]+))?$/.exec(hash);
  if (!m) return { page: 'cluster' };
  const tab = tabs.find((t) => t === m[2]) ?? 'overview';
  return { page: 'incident', id: decodeURIComponent(m[1]), tab };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
