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
