/**
 * The commands of README.md as a new user would type them: every fenced `sh` block, each
 * line one command (continuation lines joined, comments dropped), in order. Blocks whose
 * info string says `on-your-cluster` act on a real cluster and are listed apart.
 */

export interface ReadmeCommand {
  /** 1-based line in README.md where the command starts. */
  line: number;
  text: string;
}

export interface ReadmeBlock {
  line: number;
  info: string;
  commands: ReadmeCommand[];
}

export function shBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  let current: ReadmeBlock | undefined;
  let pending: ReadmeCommand | undefined;
  lines.forEach((raw, i) => {
    const fence = /^```(.*)$/.exec(raw.trim());
    if (fence && raw.startsWith('```')) {
      if (current) {
        blocks.push(current);
        current = undefined;
      } else if (/^(sh|bash|shell)\b/.test(fence[1])) current = { line: i + 1, info: fence[1], commands: [] };
      else current = undefined;
      return;
    }
    if (!current) return;
    const text = raw.trim();
    if (!pending && (text === '' || text.startsWith('#'))) return;
    // A comment after a command starts at a space before `#` and a space after it.
    const command = text.replace(/\s+#\s.*$/, '');
    const continues = command.endsWith('\\');
    const piece = continues ? command.slice(0, -1).trimEnd() : command;
    if (pending) pending.text += ` ${piece}`;
    else pending = { line: i + 1, text: piece };
    if (!continues) {
      current.commands.push(pending);
      pending = undefined;
    }
  });
  return blocks;
}

/** Servers and watchers run until stopped: the test starts them, waits for a sign of life, stops them. */
export function longRunning(command: string): 'server' | 'watcher' | undefined {
  if (/--exit-after-replay\b/.test(command)) return undefined;
  if (/^(npx )?kubetriage (sim|serve|demo)\b/.test(command)) return 'server';
  if (/^(npx )?kubetriage watch\b/.test(command)) return 'watcher';
  return undefined;
}
