/** What went wrong loading the page's data, said once, with what to do. */
import type { Polled } from '../poll.ts';

export function Problem({ polled }: { polled: Polled<unknown>[] }) {
  const error = polled.find((p) => p.error)?.error;
  if (!error) return null;
  return (
    <p className="error" role="alert">
      Could not load everything: {error}. Retrying every few seconds.
    </p>
  );
}
