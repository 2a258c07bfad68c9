/**
 * The agent's state volume (docs/node-agent-report.md §5): what a restarted container needs
 * to carry on where the last one stopped while the API may still be out of reach. The latest
 * conditions (so transition times hold and no event repeats), the event outbox, the kernel,
 * boot and OS image last seen (the "before" of KernelChanged, OSImageChanged and
 * RebootRequired's `previousKernel`), and the API endpoints last listed (so a container
 * restarted while the VIP is broken still knows where to write).
 *
 * One JSON file with a version, validated on read: a file that is corrupt or from another
 * version is logged and ignored, never fatal, and the Node stays the record of what was
 * written. Written whole to a temp file in the same directory and renamed over the old one,
 * so a crash leaves the old file or the new one, never half of one. Writes are coalesced:
 * owners say that something worth keeping changed, and the file is written at most once a
 * second, with whatever every owner holds then, and once more at stop. Nothing outside the
 * state directory is written.
 */
import { open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { type Clock, rfc3339, type Timer } from '../time/clock.ts';

const stateVersion = 1;
const fileName = 'state.json';
/** Coalesces a burst of changes (an outbox draining, several checks flipping at once) into one write. */
const saveDelayMs = 1_000;

const conditionSchema = z.object({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string(),
  message: z.string(),
  lastTransitionTime: z.string(),
});

const eventSchema = z.object({
  reason: z.string(),
  type: z.enum(['Normal', 'Warning']),
  message: z.string(),
  atMs: z.number(),
  key: z.string(),
});

const bootSchema = z.object({
  kernel: z.string(),
  bootId: z.string().optional(),
  bootedMs: z.number().optional(),
  /** os-release PRETTY_NAME plus the point release (os-image.ts). */
  osImage: z.string().optional(),
});

const partsSchema = z.object({
  conditions: z.array(conditionSchema),
  outbox: z.object({
    events: z.array(eventSchema),
    dropped: z.object({ n: z.number().int().nonnegative(), fromMs: z.number(), toMs: z.number() }).optional(),
  }),
  /** The host as last seen: this boot once the agent has looked. */
  host: bootSchema.optional(),
  /** The boot before `host`'s, for RebootRequired's previousKernel/previousBootID. */
  previousBoot: z.object({ kernel: z.string(), bootId: z.string().optional() }).optional(),
  /** Discovered from the default/kubernetes EndpointSlice (not the --api-endpoint ones). */
  apiEndpoints: z.array(z.object({ host: z.string(), port: z.number().int().positive() })),
});

const fileSchema = partsSchema.extend({ version: z.literal(stateVersion), savedAt: z.string() });

export type StateParts = z.infer<typeof partsSchema>;
export type HostRecord = z.infer<typeof bootSchema>;

type Log = (msg: string, fields?: Record<string, unknown>) => void;

export interface AgentStateOptions {
  /** The state volume's mount; undefined or '' to keep nothing across restarts. */
  dir: string | undefined;
  clock: Clock;
  log?: Log;
}

function emptyParts(): StateParts {
  return { conditions: [], outbox: { events: [] }, apiEndpoints: [] };
}

export class AgentState {
  /** What the last container of this pod left; empty on a first start or without a volume. */
  readonly loaded: StateParts;
  /** Where the file lives; undefined when the agent runs stateless. */
  readonly file: string | undefined;
  private readonly o: AgentStateOptions;
  private readonly sources: { [K in keyof StateParts]?: () => StateParts[K] } = {};
  private dirty = false;
  private timer: Timer | undefined;
  private closed = false;
  private failing = false;
  private chain: Promise<void> = Promise.resolve();
  /** Files written so far (tests). */
  writes = 0;

  private constructor(o: AgentStateOptions, file: string | undefined, loaded: StateParts) {
    this.o = o;
    this.file = file;
    this.loaded = loaded;
  }

  /** Reads the state volume; never throws: a missing volume or an unreadable file means starting empty. */
  static async open(o: AgentStateOptions): Promise<AgentState> {
    if (!o.dir) {
      o.log?.('no state directory: conditions, queued events and the last boot are not kept across restarts');
      return new AgentState(o, undefined, emptyParts());
    }
    const isDir = await stat(o.dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) {
      o.log?.('state directory does not exist: running without state across restarts', { dir: o.dir });
      return new AgentState(o, undefined, emptyParts());
    }
    // Temp files of a container that died mid-write: never read, so never needed.
    for (const f of await readdir(o.dir).catch(() => []))
      if (f.startsWith(`${fileName}.`) && f.endsWith('.tmp')) await rm(join(o.dir, f), { force: true });
    const file = join(o.dir, fileName);
    return new AgentState(o, file, await readStateFile(file, o.log));
  }

  /**
   * A state volume whose contents the caller keeps instead of a file: the simulator holds each
   * machine's in memory and takes it back with `snapshot()` when the agent stops, so the agent
   * of a rebooted node carries on from it, as it does from the pod's emptyDir (kept on the node's
   * disk while the pod stays bound there, reboots included).
   */
  static kept(o: AgentStateOptions, parts: StateParts | undefined): AgentState {
    return new AgentState(o, undefined, parts ?? emptyParts());
  }

  /** Registers the owner of one part: read when the file is written. Parts without one keep what was loaded. */
  provide<K extends keyof StateParts>(part: K, read: () => StateParts[K]): void {
    (this.sources as Record<K, () => StateParts[K]>)[part] = read;
  }

  /** The parts as their owners hold them now. */
  snapshot(): StateParts {
    const out = { ...this.loaded };
    for (const k of Object.keys(this.sources) as (keyof StateParts)[]) {
      const read = this.sources[k] as () => StateParts[typeof k];
      (out as Record<keyof StateParts, unknown>)[k] = read();
    }
    return out;
  }

  /** Something worth keeping changed: written within a second, together with whatever else changed. */
  changed(): void {
    if (!this.file || this.closed) return;
    this.dirty = true;
    if (this.timer) return;
    this.timer = this.o.clock.after(saveDelayMs, () => {
      this.timer = undefined;
      void this.flush();
    });
  }

  /** Writes now if anything changed; one write at a time, and a change during one is written after it. */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.writeIfDirty());
    return this.chain;
  }

  /** Resolves once no write is under way or queued. */
  idle(): Promise<void> {
    return this.chain;
  }

  /** At stop: writes what every owner holds (message-only changes included), then writes no more. */
  async close(): Promise<void> {
    if (this.closed) return this.chain;
    this.timer?.cancel();
    this.timer = undefined;
    if (this.file) this.dirty = true;
    await this.flush();
    this.closed = true;
  }

  private async writeIfDirty(): Promise<void> {
    if (!this.file || !this.dirty || this.closed) return;
    this.dirty = false;
    const text = JSON.stringify({
      version: stateVersion,
      savedAt: rfc3339(this.o.clock.now()),
      ...this.snapshot(),
    });
    try {
      await writeAtomically(this.file, text);
      this.writes++;
      if (this.failing) this.o.log?.('agent state written again', { file: this.file });
      this.failing = false;
    } catch (err) {
      // Kept dirty: the next change or the stop tries again. Logged once per failing streak.
      this.dirty = true;
      if (!this.failing)
        this.o.log?.('cannot write agent state; carrying on without it', {
          file: this.file,
          error: (err as Error).message,
        });
      this.failing = true;
    }
  }
}

async function readStateFile(file: string, log: Log | undefined): Promise<StateParts> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      log?.('cannot read agent state; starting without it', { file, error: (err as Error).message });
    return emptyParts();
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    log?.('agent state is not JSON; ignoring it', { file, error: (err as Error).message });
    return emptyParts();
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (version !== stateVersion) {
    log?.('agent state has an unknown version; ignoring it', { file, version, expected: stateVersion });
    return emptyParts();
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    log?.('agent state does not match its schema; ignoring it', {
      file,
      error: parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; '),
    });
    return emptyParts();
  }
  const { version: _v, savedAt: _s, ...parts } = parsed.data;
  return parts;
}

/** The whole text to a temp file beside `file`, flushed to disk, then renamed over `file`. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // The rename itself survives a power cut only once the directory is flushed too.
  const dir = await open(dirname(file), 'r').catch(() => undefined);
  await dir?.sync().catch(() => {});
  await dir?.close();
}
