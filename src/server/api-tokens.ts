/**
 * The API's bearer tokens, as `--token-file` holds them: one bare token (the original
 * form, still read the same), or one `name:token` per line, so that every write records
 * which token made it (`via` on notes, updates, actions and approvals) whatever author the
 * client claims. Blank lines and `#` comments are skipped.
 */

export interface ApiToken {
  token: string;
  /** Who holds it (`ci`, `alice-laptop`); absent for a lone bare token. */
  name?: string;
}

/** Shorter tokens can be guessed; 16 characters of `openssl rand -base64` are 96 bits. */
export const minTokenLength = 16;
const namePattern = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const named = /^([^:\s]+):(.*)$/;

/** The tokens in a token file's text, or the first problem, naming `file` and the line. */
export function parseTokenFile(text: string, file: string): ApiToken[] | { problem: string; hint: string } {
  const lines = text
    .split('\n')
    .map((l, k) => ({ line: k + 1, text: l.trim() }))
    .filter((l) => l.text && !l.text.startsWith('#'));
  if (!lines.length) return { problem: `${file} holds no token`, hint: example };
  // A lone line without a name is the original bare-token file.
  if (lines.length === 1 && !namePattern.test(named.exec(lines[0].text)?.[1] ?? ''))
    return checked([{ token: lines[0].text }], lines, file);
  const tokens: ApiToken[] = [];
  for (const l of lines) {
    const m = named.exec(l.text);
    if (!m || !namePattern.test(m[1]))
      return {
        problem: `${file}:${l.line} is not name:token (a file with several tokens names each one)`,
        hint: example,
      };
    tokens.push({ name: m[1], token: m[2].trim() });
  }
  return checked(tokens, lines, file);
}

const example = 'write one token, or one name:token per line, e.g. "ci:$(openssl rand -base64 32)"';

function checked(
  tokens: ApiToken[],
  lines: readonly { line: number }[],
  file: string,
): ApiToken[] | { problem: string; hint: string } {
  for (const [k, t] of tokens.entries()) {
    const at = `${file}:${lines[k].line}`;
    if (t.token.length < minTokenLength)
      return {
        problem: `the token${t.name ? ` "${t.name}"` : ''} at ${at} is shorter than ${minTokenLength} characters`,
        hint: 'openssl rand -base64 32',
      };
    const earlier = tokens.slice(0, k);
    if (earlier.some((e) => e.name === t.name))
      return { problem: `${at} names "${t.name}" a second time`, hint: 'give each token its own name' };
    if (earlier.some((e) => e.token === t.token))
      return {
        problem: `${at} repeats a token given earlier in the file`,
        hint: 'give each holder a token of their own, so the record can tell them apart',
      };
  }
  return tokens;
}
