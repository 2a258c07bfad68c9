/**
 * Where notifications go: a Slack incoming webhook, a generic JSON webhook, or an Alertmanager.
 * Targets come from config or from `--notify kind=url` flags. Webhook URLs are secrets (a Slack
 * hook URL is the only credential needed to post to the channel), so nothing here ever puts a
 * whole URL in an error or a log line: `targetHost` and `redactSpec` give the safe part.
 */

export interface SlackTarget {
  kind: 'slack';
  /** The incoming-webhook URL, `https://hooks.slack.com/services/…`. */
  url: string;
}

export interface WebhookTarget {
  kind: 'webhook';
  url: string;
  /** Extra request headers, e.g. `Authorization`; sent as given, never logged. */
  headers?: Record<string, string>;
}

export interface AlertmanagerTarget {
  kind: 'alertmanager';
  /** The Alertmanager base URL, e.g. `http://alertmanager:9093`; alerts go to `{url}/api/v2/alerts`. */
  url: string;
  /** How often an open incident's alert is posted again so Alertmanager does not expire it. */
  resendEveryMs?: number;
}

export type NotifyTarget = SlackTarget | WebhookTarget | AlertmanagerTarget;
export type NotifyKind = NotifyTarget['kind'];

export const notifyKinds: readonly NotifyKind[] = ['slack', 'webhook', 'alertmanager'];

/** A bad `--notify` value; `hint` shows the accepted forms. */
export class NotifyTargetError extends Error {
  readonly hint: string;

  constructor(message: string) {
    super(message);
    this.name = 'NotifyTargetError';
    this.hint =
      'use slack=https://hooks.slack.com/services/…, webhook=https://example.com/hook or alertmanager=http://alertmanager:9093';
  }
}

/** Parses `slack=https://…`, `webhook=https://…` or `alertmanager=http://am:9093`. */
export function parseNotifyTarget(spec: string): NotifyTarget {
  const eq = spec.indexOf('=');
  const shown = redactSpec(spec);
  if (eq <= 0) throw new NotifyTargetError(`notify target "${shown}" is not kind=url`);
  const kind = spec.slice(0, eq).trim().toLowerCase();
  const url = spec.slice(eq + 1).trim();
  if (!(notifyKinds as readonly string[]).includes(kind))
    throw new NotifyTargetError(
      `notify target "${shown}": unknown kind "${kind}" (slack, webhook, alertmanager)`,
    );
  const parsed = URL.parse(url);
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
    throw new NotifyTargetError(`notify target "${shown}": "${kind}" needs an http:// or https:// URL`);
  if (kind === 'slack') return { kind, url };
  if (kind === 'webhook') return { kind, url };
  return { kind: 'alertmanager', url };
}

/** The host of a target's URL: the only part of it that may appear in logs. */
export function targetHost(target: NotifyTarget): string {
  return URL.parse(target.url)?.host || '(bad url)';
}

/** `kind=scheme://host/…`: a spec with the URL's path, query and credentials cut off. */
export function redactSpec(spec: string): string {
  const eq = spec.indexOf('=');
  const url = URL.parse(spec.slice(eq + 1).trim());
  if (!url) {
    if (eq > 0) return `${spec.slice(0, eq)}=…`;
    // No URL in it, so nothing secret: show it as typed (a bare kind, a typo).
    return /^[\w-]{0,40}$/.test(spec) ? spec : '…';
  }
  const rest = url.pathname.length > 1 || url.search || url.username ? '/…' : '';
  return `${spec.slice(0, eq + 1)}${url.protocol}//${url.host}${rest}`;
}
