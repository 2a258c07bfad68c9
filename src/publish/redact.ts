/**
 * Takes secrets out of text before it leaves kubetriage (a postmortem, a notification):
 * private keys, Authorization headers, bearer tokens, JWTs (service-account tokens are
 * JWTs), credentials in URLs of any scheme, `password=`/`"token": "…"`/`--password x`
 * style pairs, and the vendor tokens that announce themselves by prefix (cloud access keys,
 * GitHub, Slack, Stripe, GitLab, Google, npm). Log lines and event messages quoted as
 * evidence are where these turn up; a draft pasted into a wiki or a message in a shared
 * channel must not carry them.
 */

const mask = '[REDACTED]';

/** A key or flag name that says its value is a secret (`DB_PASSWORD`, `client_secret`, `--token`). */
const secretName = '(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)';

/**
 * Names that merely point at a secret (`secretName: db-creds`, `--token-file`) or describe one
 * (`password_policy`): their value is a name, a path or a setting, worth keeping.
 */
const pointsAtSecret = /(?:name|ref|file|path|policy|ttl|length|expir\w*)$/i;

/** A quoted value keeps its quotes, so JSON and YAML stay well-formed. */
function maskValue(value: string): string {
  if (value.startsWith('\\"')) return `\\"${mask}\\"`;
  const q = value[0];
  return q === '"' || q === "'" ? `${q}${mask}${q}` : mask;
}

// The mask first, so redacting twice changes nothing. A bare value ends where a list or object
// does, and one that opens an object or a list (`"tokenSecret": {`) is structure, not a secret.
const pairValue = String.raw`(\[REDACTED\]|\\"[^"]*\\"|"[^"]*"|'[^']*'|[^\s,;&"'{}()[\]][^\s,;&"'})\]]*)`;

type Rule = readonly [RegExp, string | ((...m: string[]) => string)];

const rules: readonly Rule[] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, mask],
  // A key cut off before its END line (a truncated log line) is still a key.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*$/g, mask],
  [
    /\b(authorization["']?\s*[:=]\s*["']?(?:basic|digest|negotiate|token)\s+)[A-Za-z0-9._~+/=-]+/gi,
    `$1${mask}`,
  ],
  [/\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${mask}`],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, mask],
  // Any scheme (postgres, mysql, redis with an empty user, amqp, https…): `user:password@`.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@:]*:[^\s/@]+@/gi, `$1${mask}@`],
  [/\bhttps:\/\/hooks\.slack\.com\/[^\s"'<>)]+/gi, `https://hooks.slack.com/${mask}`],
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, mask],
  [/\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})\b/g, mask],
  [/\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,}\b/g, mask],
  [/\b(?:[sr]k_(?:live|test)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9]{20,})\b/g, mask],
  [/\b(?:sk-[A-Za-z0-9_-]{20,}|glpat-[A-Za-z0-9_-]{20,}|AIza[0-9A-Za-z_-]{35}|npm_[A-Za-z0-9]{36})/g, mask],
  // A registry credential in a Docker config.json: "auth" is base64 of user:password.
  [/("auth"\s*:\s*")[^"]+"/g, `$1${mask}"`],
  // `password=x`, `DB_PASSWORD: x`, `"token": "x"`, `{\"secret\":\"x\"}` (JSON quoted in a log line).
  [
    new RegExp(`\\b([A-Za-z_-]*${secretName}[A-Za-z_-]*)(\\\\?["']?\\s*[=:]\\s*)${pairValue}`, 'gi'),
    (whole, key, sep, value) => (pointsAtSecret.test(key) ? whole : `${key}${sep}${maskValue(value)}`),
  ],
  // `--password x`, `-token x` on a command line (the `=` form is a pair, above).
  [
    new RegExp(`(?<![\\w-])(--?[A-Za-z_-]*${secretName}[A-Za-z_-]*)(\\s+)(?!-)${pairValue}`, 'gi'),
    (whole, flag, gap, value) => (pointsAtSecret.test(flag) ? whole : `${flag}${gap}${maskValue(value)}`),
  ],
];

export function redact(text: string): string {
  let out = text;
  for (const [re, to] of rules) out = typeof to === 'string' ? out.replace(re, to) : out.replace(re, to);
  return out;
}

/**
 * A copy of `value` with every string in it redacted, keys included, and every string
 * under a key that names a secret (`{ password: "x" }`) masked whole: for payloads built
 * from records rather than text.
 */
export function redactDeep<T>(value: T): T {
  return walk(value) as T;
}

const secretKey = new RegExp(`^[A-Za-z_-]*${secretName}[A-Za-z_-]*$`, 'i');

function walk(value: unknown, key?: string): unknown {
  if (typeof value === 'string')
    return key !== undefined && secretKey.test(key) && !pointsAtSecret.test(key) ? mask : redact(value);
  if (Array.isArray(value)) return value.map((v) => walk(v));
  if (value === null || typeof value !== 'object') return value;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), walk(v, k)]));
}
