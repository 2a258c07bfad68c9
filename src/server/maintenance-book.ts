/**
 * The scheduled maintenances serve keeps: scheduled through the API, moved by hand or by
 * the window's clock (`tick`, each round), and read by the status page and the incident
 * desk. A change is in the store before it is in memory, so what the API acknowledges and
 * what the page shows are what a restart finds; while the store is away the change fails
 * (503) and nothing moves. The clock's own moves that fail are tried again next round.
 * Each move is told to the listeners (subscribers) once it is stored.
 */
import {
  automaticMessage,
  dueStatus,
  type Maintenance,
  type MaintenanceStatus,
  maintenanceId,
  maintenanceSeq,
} from '../incident/maintenance.ts';
import type { IncidentStore } from '../incident/store/store.ts';
import { autoAuthor } from '../publish/status-updates.ts';

/** What happened to a maintenance, as subscribers are told. */
export type MaintenanceEvent = 'scheduled' | 'updated' | 'started' | 'completed';

export interface MaintenanceInput {
  name: string;
  scheduledForMs: number;
  scheduledUntilMs: number;
  components: Maintenance['components'];
  message?: string;
  autoStart: boolean;
  autoComplete: boolean;
  atMs: number;
  author: string;
  via?: string;
}

export class UnknownMaintenanceError extends Error {
  constructor(id: string) {
    super(`no maintenance ${id}`);
    this.name = 'UnknownMaintenanceError';
  }
}

export class MaintenanceBook {
  private readonly store: IncidentStore | undefined;
  private readonly log: (msg: string, fields?: Record<string, unknown>) => void;
  private readonly listeners: ((m: Maintenance, event: MaintenanceEvent) => void)[] = [];
  private readonly byId = new Map<string, Maintenance>();
  private seq = 0;
  /** Changes one at a time: the clock and a person moving the same maintenance must not race. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    o: { store?: IncidentStore; log?: (msg: string, fields?: Record<string, unknown>) => void } = {},
  ) {
    this.store = o.store;
    this.log = o.log ?? (() => {});
  }

  onEvent(listener: (m: Maintenance, event: MaintenanceEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Picks up the stored maintenances (serve's start, a new leader's term). */
  async restore(): Promise<number> {
    if (!this.store) return 0;
    const list = await this.store.listMaintenances();
    for (const m of list) {
      this.byId.set(m.id, m);
      this.seq = Math.max(this.seq, maintenanceSeq(m.id));
    }
    return list.length;
  }

  /** Earliest window first. */
  list(): Maintenance[] {
    return [...this.byId.values()].sort(
      (a, b) => a.scheduledForMs - b.scheduledForMs || a.id.localeCompare(b.id),
    );
  }

  get(id: string): Maintenance | undefined {
    return this.byId.get(id);
  }

  schedule(input: MaintenanceInput): Promise<Maintenance> {
    return this.serially(async () => {
      const id = maintenanceId(this.seq + 1);
      const m: Maintenance = {
        id,
        name: input.name,
        status: 'scheduled',
        scheduledForMs: input.scheduledForMs,
        scheduledUntilMs: input.scheduledUntilMs,
        components: [...input.components],
        autoStart: input.autoStart,
        autoComplete: input.autoComplete,
        createdAtMs: input.atMs,
        author: input.author,
        updates: [
          {
            atMs: input.atMs,
            status: 'scheduled',
            message: input.message ?? automaticMessage('scheduled'),
            author: input.author,
            ...(input.via ? { via: input.via } : {}),
          },
        ],
      };
      await this.store?.saveMaintenance(m);
      this.seq++;
      this.byId.set(id, m);
      this.tell(m, 'scheduled');
      // A window that has already begun starts now, not at the next round.
      return (await this.advance(m, input.atMs)) ?? m;
    });
  }

  /** A person's word: a message, a move to another status, or both. */
  post(
    id: string,
    o: { status?: MaintenanceStatus; message?: string; atMs: number; author: string; via?: string },
  ): Promise<Maintenance> {
    return this.serially(async () => {
      const m = this.byId.get(id);
      if (!m) throw new UnknownMaintenanceError(id);
      const status = o.status ?? m.status;
      const next: Maintenance = {
        ...m,
        status,
        updates: [
          ...m.updates,
          {
            atMs: o.atMs,
            status,
            message: o.message ?? automaticMessage(status),
            author: o.author,
            ...(o.via ? { via: o.via } : {}),
          },
        ],
      };
      await this.store?.saveMaintenance(next);
      this.byId.set(id, next);
      this.tell(next, eventOf(m.status, status));
      return next;
    });
  }

  /** Moves every maintenance whose window's clock says so; a failed write waits for the next round. */
  tick(nowMs: number): Promise<void> {
    return this.serially(async () => {
      for (const m of this.list()) {
        try {
          await this.advance(m, nowMs);
        } catch (err) {
          this.log('maintenance: could not store its automatic move; trying again next round', {
            maintenance: m.id,
            error: (err as Error).message,
          });
        }
      }
    });
  }

  /** The automatic move `m` is due at `nowMs`, stored and told; undefined when none is due. */
  private async advance(m: Maintenance, nowMs: number): Promise<Maintenance | undefined> {
    const due = dueStatus(m, nowMs);
    if (due === m.status) return undefined;
    // One update per move the clock made (a window that ended unseen gets both).
    const moves: MaintenanceStatus[] =
      m.status === 'scheduled' && due === 'completed' ? ['in_progress', due] : [due];
    const atOf = (s: MaintenanceStatus) => (s === 'completed' ? m.scheduledUntilMs : m.scheduledForMs);
    const next: Maintenance = {
      ...m,
      status: due,
      updates: [
        ...m.updates,
        ...moves.map((s) => ({
          atMs: Math.min(nowMs, Math.max(atOf(s), m.updates.at(-1)?.atMs ?? 0)),
          status: s,
          message: automaticMessage(s),
          author: autoAuthor,
        })),
      ],
    };
    await this.store?.saveMaintenance(next);
    this.byId.set(m.id, next);
    this.tell(next, eventOf(m.status, due));
    return next;
  }

  private tell(m: Maintenance, event: MaintenanceEvent): void {
    for (const l of this.listeners) {
      try {
        l(m, event);
      } catch (err) {
        this.log('maintenance: a listener failed', { maintenance: m.id, error: (err as Error).message });
      }
    }
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }
}

function eventOf(before: MaintenanceStatus, after: MaintenanceStatus): MaintenanceEvent {
  if (after === 'completed' && before !== 'completed') return 'completed';
  if (before === 'scheduled' && after !== 'scheduled') return 'started';
  return 'updated';
}
