/**
 * Polling the API. The dashboard's one timer lives here: the page asks again every few
 * seconds, so an outage replayed or live unfolds without reloading.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { NeedToken } from './api.ts';

export const pollMs = 1_500;

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  needToken: boolean;
  refresh: () => void;
}

export function usePolled<T>(load: () => Promise<T>, key: string, everyMs = pollMs): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [needToken, setNeedToken] = useState(false);
  const loadRef = useRef(load);
  loadRef.current = load;
  const seq = useRef(0);

  const refresh = useCallback(() => {
    const mine = ++seq.current;
    loadRef.current().then(
      (d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError(undefined);
        setNeedToken(false);
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        if (err instanceof NeedToken) setNeedToken(true);
        else setError(err instanceof Error ? err.message : String(err));
      },
    );
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` names what is loaded; a new key starts afresh
  useEffect(() => {
    setData(undefined);
    refresh();
    if (everyMs <= 0) return;
    const timer = window.setInterval(refresh, everyMs);
    return () => window.clearInterval(timer);
  }, [key, everyMs, refresh]);

  return { data, error, needToken, refresh };
}
