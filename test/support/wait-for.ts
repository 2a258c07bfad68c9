/**
 * Polls a condition until it holds or the (generous) limit passes. Tests wait for
 * behaviour, never assert on elapsed time.
 */
export async function waitFor(what: string, cond: () => boolean, limitMs = 20_000): Promise<void> {
  const started = performance.now();
  while (!cond()) {
    if (performance.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Polls an asynchronous look (an HTTP API, a process) every 250 ms until it gives a value;
 * a look that throws counts as not yet (the server may not be listening).
 */
export async function eventually<T>(
  what: string,
  look: () => Promise<T | undefined>,
  limitMs = 90_000,
): Promise<T> {
  const started = performance.now();
  for (;;) {
    const v = await look().catch(() => undefined);
    if (v !== undefined) return v;
    if (performance.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
