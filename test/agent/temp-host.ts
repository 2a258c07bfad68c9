/**
 * A fake node for the agent's tests: a temp dir laid out like the host's filesystem
 * (/proc, /boot, /etc, /var/log…), read through RootedHost exactly as the DaemonSet reads the
 * real one under /host.
 */
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { RootedHost } from '../../src/agent/host.ts';

export interface TempHost {
  root: string;
  host: RootedHost;
  /** Writes `path` (host-absolute or relative to the root), creating its directories; `mtimeMs` sets its mtime. */
  put(path: string, text: string, mtimeMs?: number): Promise<void>;
  remove(): Promise<void>;
}

export async function tempHost(prefix = 'kt-agent-host-'): Promise<TempHost> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  return {
    root,
    host: new RootedHost(root),
    async put(path, text, mtimeMs) {
      const file = join(root, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
      if (mtimeMs !== undefined) await utimes(file, mtimeMs / 1000, mtimeMs / 1000);
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
