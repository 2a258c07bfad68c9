/**
 * The one clock. Everything in kubetriage asks a Clock for "now" and for timers, so that a
 * replay can run the whole pipeline on virtual time. `Date.now()` and `setTimeout` appear
 * only in this folder.
 */

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds of this clock's time. */
  after(ms: number, fn: () => void): Timer;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

/** The wall clock, for live mode. */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }

  after(ms: number, fn: () => void): Timer {
    const handle = setTimeout(fn, Math.max(0, ms));
    // Timers must never keep a CLI process alive on their own.
    handle.unref?.();
    return { cancel: () => clearTimeout(handle) };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }
}

/** RFC 3339 with second precision, the format Kubernetes uses for metav1.Time. */
export function rfc3339(ms: number): string {
  // toISOString is always `YYYY-MM-DDTHH:MM:SS.mmmZ` for these years; slicing beats a regex.
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** RFC 3339 with microseconds, the format of metav1.MicroTime (lease renewTime, events). */
export function rfc3339Micro(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000Z`;
}

export const realClock: Clock = new RealClock();
