/**
 * How the agent reads its node: files under a root directory (`/host` in the DaemonSet, where
 * the node's `/etc`, `/var/log`, `/boot`, `/proc`… are mounted read-only; a temp dir in
 * tests). Nothing here writes. Processes come from `<root>/proc`, which is the host's with
 * `hostPID: true`.
 */
import { open, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';

export interface HostProcess {
  pid: number;
  /** The command line, arguments joined by spaces. */
  command: string;
  /** When it started, epoch ms, when /proc tells. */
  startedMs?: number;
}

export interface NodeHost {
  /** A file's text, or undefined when it does not exist or cannot be read. */
  readText(path: string): Promise<string | undefined>;
  /** The last `maxBytes` of a file (from the first whole line), or undefined when it cannot be read. */
  readTail?(path: string, maxBytes: number): Promise<string | undefined>;
  /** Entry names of a directory; empty when it does not exist. */
  list(dir: string): Promise<string[]>;
  /** Modification time (epoch ms), or undefined when the file does not exist. */
  mtimeMs(path: string): Promise<number | undefined>;
  processes(): Promise<HostProcess[]>;
}

/** Linux's USER_HZ: /proc/<pid>/stat counts start times in these ticks. */
const clockTicksPerSecond = 100;

export class RootedHost implements NodeHost {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  private at(path: string): string {
    return join(this.root, path);
  }

  /**
   * The file's path under the root with symlinks followed the host's way: an absolute target
   * (`/etc/os-release -> /usr/lib/os-release`) means under the root, where the kernel would
   * take it to this container's own file.
   */
  private async resolved(path: string): Promise<string> {
    let p = this.at(path);
    for (let hops = 0; hops < 8; hops++) {
      const target = await readlink(p).catch(() => undefined);
      if (target === undefined) return p;
      p = isAbsolute(target) ? this.at(target) : join(dirname(p), target);
    }
    return p;
  }

  async readText(path: string): Promise<string | undefined> {
    try {
      return await readFile(await this.resolved(path), 'utf8');
    } catch {
      return undefined;
    }
  }

  async readTail(path: string, maxBytes: number): Promise<string | undefined> {
    try {
      const file = await open(await this.resolved(path), 'r');
      try {
        const { size } = await file.stat();
        const start = Math.max(0, size - maxBytes);
        const buf = Buffer.alloc(size - start);
        await file.read(buf, 0, buf.length, start);
        const text = buf.toString('utf8');
        // A cut line is not a line: start after the first newline when the read began mid-file.
        return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
      } finally {
        await file.close();
      }
    } catch {
      return undefined;
    }
  }

  async list(dir: string): Promise<string[]> {
    try {
      return (await readdir(this.at(dir))).sort();
    } catch {
      return [];
    }
  }

  async mtimeMs(path: string): Promise<number | undefined> {
    try {
      return (await stat(await this.resolved(path))).mtimeMs;
    } catch {
      return undefined;
    }
  }

  async processes(): Promise<HostProcess[]> {
    const bootMs = bootTimeMs(await this.readText('/proc/stat'));
    const out: HostProcess[] = [];
    for (const name of await this.list('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const cmdline = await this.readText(`/proc/${name}/cmdline`);
      if (!cmdline) continue; // kernel threads have none
      const command = cmdline.split('\0').filter(Boolean).join(' ');
      const startTicks = startTicksOf(await this.readText(`/proc/${name}/stat`));
      out.push({
        pid: Number(name),
        command,
        startedMs:
          bootMs !== undefined && startTicks !== undefined
            ? bootMs + (startTicks / clockTicksPerSecond) * 1000
            : undefined,
      });
    }
    return out;
  }
}

function bootTimeMs(procStat: string | undefined): number | undefined {
  const m = procStat ? /^btime (\d+)$/m.exec(procStat) : null;
  return m ? Number(m[1]) * 1000 : undefined;
}

/** Field 22 of /proc/<pid>/stat; the command (field 2) may hold spaces, so count after its `)`. */
function startTicksOf(stat: string | undefined): number | undefined {
  if (!stat) return undefined;
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const v = Number(rest[19]);
  return Number.isFinite(v) ? v : undefined;
}
