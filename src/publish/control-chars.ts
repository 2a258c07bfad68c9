/**
 * Control characters from cluster data shown, not obeyed. An event message or a log line can
 * carry terminal escape sequences (`ESC]0;…BEL` retitles the window, `ESC[2J` clears it, `\r`
 * writes over what was already printed) and bidi overrides (U+202E shows what follows
 * reversed); printed raw, they let whoever writes a pod's log lie to the operator reading
 * kubetriage. Each becomes its escape in plain ASCII (`\x1b`, `\u202e`), so the text still says
 * what was there. Newline and tab stay: they are layout, not commands.
 */

/** C0 but newline and tab, DEL, C1, and the bidi marks, embeddings, overrides and isolates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's job.
export const controlChar = /[\0-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `\x1b` for the bytes a terminal acts on, `\u202e` for the bidi controls. */
export function codeOf(c: string): string {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

export function escapeControls(text: string): string {
  return text.replace(controlChar, codeOf);
}
