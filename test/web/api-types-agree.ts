/**
 * The dashboard declares the JSON it reads (web/src/api-types.ts) instead of importing
 * server code, so that the web app depends on the API only. This file holds the two
 * together at type-check time (`npm run typecheck`): every shape the server sends must be
 * assignable to what the dashboard expects, so a field renamed or retyped on the server
 * fails the build instead of blanking a panel. No runtime part.
 */
import type { Hypothesis } from '../../src/diagnose/hypothesis.ts';
import type { ActionItem, SuggestedActionItem } from '../../src/incident/action-items.ts';
import type { Incident, StatusUpdate, TimelineEntry } from '../../src/incident/incident.ts';
import type { ActionRecord } from '../../src/incident/store/store.ts';
import type { StatusReport } from '../../src/observe/status-report.ts';
import type { StatusPage } from '../../src/publish/status-page.ts';
import type { RunbookPlan } from '../../src/respond/plan.ts';
import type { NodeMap } from '../../src/server/dashboard-nodes.ts';
import type { SeriesJson } from '../../src/server/dashboard-series.ts';
import type { RunbookRun } from '../../src/server/runbook-runs.ts';
import type * as Web from '../../web/src/api-types.ts';

type Sends<Server extends Client, Client> = [Server, Client];

export type ServerAndDashboardAgree = [
  Sends<Incident, Web.Incident>,
  Sends<Hypothesis, Web.Hypothesis>,
  Sends<TimelineEntry, Web.TimelineEntry>,
  Sends<StatusUpdate, Web.StatusUpdate>,
  Sends<StatusReport, Web.StatusReport>,
  Sends<StatusPage, Web.StatusPage>,
  Sends<RunbookPlan & { digest: string }, Web.RunbookPlan>,
  Sends<RunbookRun, Web.RunbookRun>,
  Sends<NodeMap, Web.NodeMap>,
  Sends<SeriesJson, Web.SeriesJson>,
  Sends<ActionRecord, Web.ActionRecord>,
  Sends<ActionItem, Web.ActionItem>,
  Sends<SuggestedActionItem, Web.SuggestedActionItem>,
];
