/**
 * Someone who asked to be told about the status page: a webhook that gets Statuspage's
 * notification JSON, or an e-mail address that gets a plain message through the configured
 * mail command. Both are told when a public update is published (never a draft) and when
 * a maintenance is scheduled, starts or completes.
 */
export const subscriberKinds = ['webhook', 'email'] as const;
export type SubscriberKind = (typeof subscriberKinds)[number];

export interface Subscriber {
  /** `sub-` and 12 hex digits, assigned when subscribed. */
  id: string;
  kind: SubscriberKind;
  /** The webhook's URL (a secret: never logged or listed whole) or the e-mail address. */
  endpoint: string;
  createdAtMs: number;
  /** Who subscribed it. */
  author: string;
}
