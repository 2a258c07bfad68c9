/**
 * Waits for `work` at most `ms` of wall time, whatever clock the work runs on: at shutdown a
 * retry waiting on a replay's virtual clock (which no longer moves) would never settle. The
 * timer is deliberately not unref'd: with nothing else left, an unref'd one lets Node exit
 * with the shutdown's await unsettled (exit 13) instead of finishing it.
 */
export async function withinWallTime(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
