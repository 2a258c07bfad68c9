/**
 * Colour for people, never for pipes: on when the stream is a terminal, off when
 * `NO_COLOR` is set (https://no-color.org), `--no-color`/`--color` decide over both
 * (main.ts puts them in `$KUBETRIAGE_COLOR`), `FORCE_COLOR` turns it on for CI logs.
 * Colour only ever repeats what the words say, so nothing is lost without it.
 */

export interface Painter {
  enabled: boolean;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

export function colourEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.KUBETRIAGE_COLOR === 'always') return true;
  if (env.KUBETRIAGE_COLOR === 'never') return false;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

const sgr =
  (open: number, close: number) =>
  (s: string): string =>
    `\u001b[${open}m${s}\u001b[${close}m`;

export function painter(enabled: boolean): Painter {
  const id = (s: string) => s;
  return enabled
    ? {
        enabled,
        red: sgr(31, 39),
        yellow: sgr(33, 39),
        green: sgr(32, 39),
        bold: sgr(1, 22),
        dim: sgr(2, 22),
      }
    : { enabled, red: id, yellow: id, green: id, bold: id, dim: id };
}

/** The painter for stdout, as decided for this process. */
export function stdoutPainter(): Painter {
  return painter(colourEnabled(process.stdout));
}

/**
 * The status report's and diagnosis's key words in colour, matched only where the
 * renderers put them (a line's start or its verdict column), never inside cluster data.
 */
export function colourReport(text: string, p: Painter): string {
  if (!p.enabled) return text;
  return text
    .split('\n')
    .map((line) =>
      line
        .replace(/^(OVERALL {8})(healthy)$/, (_, a, b) => a + p.green(b))
        .replace(/^(OVERALL {8})(needs attention)$/, (_, a, b) => a + p.red(p.bold(b)))
        .replace(/^(CONTROL PLANE {2}\S+ {2})(UNREACHABLE)/, (_, a, b) => a + p.red(p.bold(b)))
        .replace(/^(CONTROL PLANE {2}\S+ {2})(reachable)/, (_, a, b) => a + p.green(b))
        .replace(/^(CRITICAL|WARNING|INFO)( .*)$/, (_, sev, rest) =>
          sev === 'CRITICAL'
            ? p.red(p.bold(sev)) + p.bold(rest)
            : sev === 'WARNING'
              ? p.yellow(sev) + rest
              : sev + rest,
        )
        .replace(/^([A-Z][A-Z-]+(?: [A-Z]+)?)( {2,})/, (_, head, gap) => p.bold(head) + gap),
    )
    .join('\n');
}

/** An incident status word in the colour of its urgency. */
export function colourStatus(status: string, p: Painter): string {
  if (status === 'resolved') return p.green(status);
  if (status === 'monitoring') return p.yellow(status);
  return p.red(status);
}
