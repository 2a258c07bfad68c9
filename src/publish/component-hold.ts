/**
 * Keeps the status page's observed component states from flapping. What the cluster shows
 * is down (observed-components.ts) and single-workload findings are read afresh each round:
 * 5xx at the ingress in one round and none in the next, a finding that comes and goes, would
 * turn a component red and green every ten seconds, and a page that blinks is a page people
 * stop trusting. A worse state shows at once; a better one only once it has held for
 * `clearAfterMs` without the worse state coming back (the same 3 minutes of quiet the
 * tracker waits before it moves an incident to Monitoring, tracker.ts).
 */
import type { ComponentName } from './public-words.ts';
import { type ComponentState, componentStates } from './status-page.ts';

export type ComponentStates = Partial<Record<ComponentName, ComponentState>>;

export const defaultClearAfterMs = 3 * 60_000;

const rank = (s: ComponentState): number => componentStates.indexOf(s);

export class ComponentHold {
  private readonly clearAfterMs: number;
  private shown: ComponentStates = {};
  /** Per component, since when every round read better than what is shown. */
  private readonly betterSince = new Map<ComponentName, number>();

  constructor(o: { clearAfterMs?: number } = {}) {
    this.clearAfterMs = o.clearAfterMs ?? defaultClearAfterMs;
  }

  /** This round's reading in, the states to show out. */
  update(nowMs: number, reading: ComponentStates): ComponentStates {
    const names = new Set([...Object.keys(this.shown), ...Object.keys(reading)] as ComponentName[]);
    const next: ComponentStates = {};
    for (const c of names) {
      const now = reading[c] ?? 'operational';
      const shown = this.shown[c] ?? 'operational';
      let show = shown;
      if (rank(now) >= rank(shown)) {
        show = now;
        this.betterSince.delete(c);
      } else {
        const since = this.betterSince.get(c) ?? nowMs;
        this.betterSince.set(c, since);
        if (nowMs - since >= this.clearAfterMs) {
          show = now;
          this.betterSince.delete(c);
        }
      }
      if (show !== 'operational') next[c] = show;
    }
    this.shown = next;
    return { ...next };
  }

  /** The states shown now (the latest `update`'s answer). */
  get states(): ComponentStates {
    return { ...this.shown };
  }
}
