/**
 * What status-page subscribers are told, in the shape of Atlassian Statuspage's webhook
 * notifications so that whatever already reads a Statuspage's webhooks reads ours: `meta`,
 * `page` (`id`, `status_indicator`, `status_description`), then either `incident` with its
 * `incident_updates` (newest first; a scheduled maintenance is an incident with a window,
 * as Statuspage sends it) or `component_update` with the `component`.
 * https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/
 * The e-mail says the same in plain words (mail-message.ts).
 */
import type { ComponentName } from '../public-words.ts';
import type { PublicIncident, PublicMaintenance, ShownState, StatusPage } from '../status-page.ts';

export interface StatusPageContext {
  /** The page's title (`--page-name`), and the cluster as the page id. */
  name: string;
  cluster: string;
  /** Where people reach serve (`--public-url`), for the page link. */
  publicUrl?: string;
}

interface Envelope {
  meta: { unsubscribe: string | null; documentation: string | null };
  page: {
    id: string;
    name: string;
    status_indicator: string;
    status_description: string;
    url: string | null;
  };
}

export type StatusNotification = Envelope &
  (
    | { incident: PublicIncident | PublicMaintenance }
    | {
        component_update: {
          created_at: string;
          new_status: ShownState;
          old_status: ShownState;
          component_id: ComponentName;
        };
        component: { id: ComponentName; name: ComponentName; status: ShownState };
      }
  );

/** The page's public address, when serve knows how people reach it. */
export function pageUrl(ctx: StatusPageContext): string | null {
  return ctx.publicUrl ? `${ctx.publicUrl.replace(/\/+$/, '')}/status` : null;
}

function envelope(ctx: StatusPageContext, page: StatusPage): Envelope {
  return {
    // Subscribers are added and removed by the operators (DELETE /api/subscribers/ID): there
    // is no public link that unsubscribes.
    meta: { unsubscribe: null, documentation: pageUrl(ctx) },
    page: {
      id: ctx.cluster,
      name: ctx.name,
      status_indicator: page.status.indicator,
      status_description: page.status.description,
      url: pageUrl(ctx),
    },
  };
}

/** A published update of an incident, or a maintenance scheduled, started or completed. */
export function incidentNotification(
  ctx: StatusPageContext,
  page: StatusPage,
  incident: PublicIncident | PublicMaintenance,
): StatusNotification {
  return { ...envelope(ctx, page), incident };
}

/** A component the page shows in another state than before. */
export function componentNotification(
  ctx: StatusPageContext,
  page: StatusPage,
  change: { name: ComponentName; from: ShownState; to: ShownState; at: string },
): StatusNotification {
  return {
    ...envelope(ctx, page),
    component_update: {
      created_at: change.at,
      new_status: change.to,
      old_status: change.from,
      component_id: change.name,
    },
    component: { id: change.name, name: change.name, status: change.to },
  };
}

/** What changed between two pages' components, in page order. */
export function componentChanges(
  before: StatusPage['components'],
  after: StatusPage['components'],
): { name: ComponentName; from: ShownState; to: ShownState }[] {
  const was = new Map(before.map((c) => [c.name, c.status]));
  return after
    .filter((c) => was.has(c.name) && was.get(c.name) !== c.status)
    .map((c) => ({ name: c.name, from: was.get(c.name)!, to: c.status }));
}
