/**
 * Takes secrets out of text before it leaves kubetriage in a postmortem: bearer tokens,
 * JWTs (service-account tokens are JWTs), credentials in URLs, `password=`/`token=`-style
 * pairs, cloud access keys, chat webhook URLs and PEM private keys. Log lines and event
 * messages quoted as evidence are where these turn up; a draft that gets pasted into a wiki
 * must not carry them.
 */

const mask = '[REDACTED]';

const rules: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, mask],
  [/\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${mask}`],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, mask],
  [/\b(https?:\/\/)[^\s/:@]+:[^\s/@]+@/gi, `$1${mask}@`],
  [/\bhttps:\/\/hooks\.slack\.com\/[^\s"'<>)]+/gi, `https://hooks.slack.com/${mask}`],
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, mask],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, mask],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g, mask],
  [
    /\b([A-Za-z_-]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|client[_-]?secret)[A-Za-z_-]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&]+)/gi,
    `$1$2${mask}`,
  ],
];

export function redact(text: string): string {
  let out = text;
  for (const [re, to] of rules) out = out.replace(re, to);
  return out;
}
