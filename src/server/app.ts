/**
 * The HTTP face of `serve`: the JSON API (incidents, timeline, findings, view, status page
 * data; post a note, an action, a status change, a public update), the postmortem, the
 * public status page (HTML and JSON), `/metrics`, `/livez` and `/healthz`. Public: the status page
 * and health. Everything else needs the bearer token.
 *
 * Errors are JSON `{ error, hint }` with the right status; the record is only touched once
 * the request has been checked.
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Hypothesis } from '../diagnose/hypothesis.ts';
import type { Incident } from '../incident/incident.ts';
import { DuplicateActionItemError, StoreError } from '../incident/store/store.ts';
import { UnknownIncidentError } from '../incident/tracker.ts';
import type { ObservedStates } from '../publish/observed-components.ts';
import { buildPostmortem } from '../publish/postmortem.ts';
import { renderHtml, renderMarkdown } from '../publish/postmortem-render.ts';
import { buildStatusPage } from '../publish/status-page.ts';
import { renderStatusPageHtml } from '../publish/status-page-html.ts';
import { planDigest, type RunbookOffer } from '../respond/offer.ts';
import { type Clock, rfc3339 } from '../time/clock.ts';
import { mountActionItemRoutes } from './action-item-routes.ts';
import { mountAlertmanagerRoutes } from './alertmanager-routes.ts';
import { actionInput, applyInput, noteInput, statusInput, statusQuery, updateInput } from './api-input.ts';
import type { ApiToken } from './api-tokens.ts';
import { bearerAuth } from './auth.ts';
import { bodySizeLimit } from './body-size.ts';
import { type DashboardOptions, mountDashboard } from './dashboard-routes.ts';
import type { IncidentDesk } from './desk.ts';
import { mountDraftRoutes } from './draft-routes.ts';
import { durableWrites } from './durable-writes.ts';
import { MaintenanceBook } from './maintenance-book.ts';
import { mountMaintenanceRoutes } from './maintenance-routes.ts';
import { fail, jsonBody, requestAuthor } from './request-input.ts';
import { RunbookRuns, RunConflictError } from './runbook-runs.ts';
import { SubscriberBook } from './subscriber-book.ts';
import { mountSubscriberRoutes } from './subscriber-routes.ts';
import { timeProblem } from './time-input.ts';

export interface ServerOptions {
  desk: IncidentDesk;
  clock: Clock;
  /** The bearer token, or the named tokens of a token file (api-tokens.ts). */
  token: string | readonly ApiToken[];
  cluster: string;
  /** The status page's title. */
  pageName: string;
  findings: () => readonly Hypothesis[];
  /** A JSON summary of the cluster view (objects per kind, freshness of each source). */
  view?: () => unknown;
  metrics?: { metricsText(): Promise<string>; contentType: string };
  /** Extra facts for /healthz (feed state, replay progress). */
  health?: () => Record<string, unknown>;
  /** The web dashboard: its built files and its node map and chart data. */
  dashboard?: DashboardOptions;
  /** The runbooks an incident's root cause offers, aimed and planned (runbook-plans.ts). */
  runbooks?: (incident: Incident) => RunbookOffer[];
  /** Runbooks approved from the dashboard (runbook-runs.ts); absent: plans only. */
  runs?: RunbookRuns;
  /**
   * Why this replica takes no changes right now (a follower under leader election), or
   * undefined when it does. A follower's record is not the one being kept: a note taken
   * there would be lost or written twice.
   */
  readOnlyBecause?: () => string | undefined;
  /** Component states the cluster shows now, whatever the incidents say (observed-components.ts). */
  observedComponents?: () => ObservedStates;
  /** Why the cluster cannot be seen now (incident/sight.ts): the status page then calls nothing operational. */
  unseen?: () => string | undefined;
  /** kubetriage's own access to the cluster failing (never reached, refused): /healthz fails for it. */
  accessProblem?: () => string | undefined;
  /** Scheduled maintenances (maintenance-book.ts); absent: a book over the desk's store. */
  maintenances?: MaintenanceBook;
  /** Status-page subscribers (subscriber-book.ts); absent: a book over the desk's store. */
  subscribers?: SubscriberBook;
  /** Whether serve can send e-mail (--subscriber-mail-command): e-mail subscribers are refused without. */
  mailConfigured?: boolean;
}

export function createApp(o: ServerOptions): Hono {
  const app = new Hono();
  const { desk, clock } = o;
  // Without a runner the server shows plans only, and says so the one way the runner does.
  const runs = o.runs ?? new RunbookRuns({ desk, clock });
  const maintenances = o.maintenances ?? new MaintenanceBook({ store: desk.store });
  const subscribers = o.subscribers ?? new SubscriberBook({ store: desk.store });
  const at = (s: string | undefined) => {
    if (s === undefined) return clock.now();
    const problem = timeProblem(s, clock.now());
    return problem ? fail(400, `at: ${problem}`) : Date.parse(s);
  };
  const who = requestAuthor;
  const statusPage = async () =>
    buildStatusPage({
      name: o.pageName,
      nowMs: clock.now(),
      incidents: await desk.incidents({}),
      // serve's observed states carry the findings' part already, held against flapping
      // (serve-runtime.ts); only without them are the findings read here.
      findings: o.observedComponents ? [] : o.findings(),
      observed: o.observedComponents?.(),
      unseen: o.unseen?.(),
      maintenances: maintenances.list(),
    });
  const incidentOr404 = async (id: string) =>
    (await desk.incident(id)) ?? fail(404, `no incident ${id}`, 'GET /api/incidents lists them');

  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    if (err instanceof UnknownIncidentError)
      return c.json({ error: err.message, hint: 'only open or recent incidents take changes' }, 404);
    if (err instanceof DuplicateActionItemError) return c.json({ error: err.message, hint: err.hint }, 409);
    // A read the store could not answer (the database is away): what is in memory still is.
    if (err instanceof StoreError)
      return c.json({ error: err.message, hint: err.hint ?? 'see /healthz and retry' }, 503, {
        'Retry-After': '5',
      });
    return c.json({ error: 'internal error', hint: (err as Error).message }, 500);
  });
  app.notFound((c) =>
    c.json({ error: `no route ${c.req.method} ${c.req.path}`, hint: 'see kubetriage serve --help' }, 404),
  );

  // Liveness for the kubelet: the process answers. /healthz fails while the database is away,
  // and a liveness probe on it would restart the pod and lose the changes kept in memory
  // for when the database is back.
  app.get('/livez', (c) => c.json({ ok: true }));
  app.get('/healthz', (c) => {
    const access = o.accessProblem?.();
    const ok = desk.storeError === undefined && access === undefined;
    return c.json(
      {
        ok,
        ...(access ? { cannotSee: access } : {}),
        cluster: o.cluster,
        store:
          desk.storeError === undefined
            ? (desk.store?.backend ?? 'memory')
            : `unavailable: ${desk.store?.backend} ${desk.storeError}`,
        ...(desk.storeError === undefined ? {} : { storeError: desk.storeError, unsaved: desk.backlog }),
        lastRound: desk.lastRoundMs === undefined ? null : rfc3339(desk.lastRoundMs),
        ...o.health?.(),
      },
      ok ? 200 : 503,
    );
  });
  // Readiness for the Service: under leader election only the leader is ready, so the
  // dashboard, the API and the status page are always the leader's record.
  app.get('/readyz', (c) => {
    const why = o.readOnlyBecause?.();
    return c.json(why ? { ready: false, why } : { ready: true }, why ? 503 : 200);
  });
  app.get('/status', async (c) => c.html(renderStatusPageHtml(await statusPage())));
  app.get('/status.json', async (c) => c.json(await statusPage()));

  app.use('/api/*', bearerAuth(o.token));
  app.use('/metrics', bearerAuth(o.token));
  // After the token: a stranger's body is never read at all.
  app.use('/api/*', bodySizeLimit());
  app.use('/api/*', async (c, next) => {
    const why = c.req.method === 'GET' || c.req.method === 'HEAD' ? undefined : o.readOnlyBecause?.();
    if (why)
      fail(503, why, 'send changes to the leader: the Service routes only to the ready replica (/readyz)');
    await next();
  });
  app.use('/api/*', durableWrites(desk));
  mountDashboard(app, o.dashboard);

  app.get('/metrics', async (c) => {
    if (!o.metrics) fail(404, 'metrics are off');
    return c.body(await o.metrics.metricsText(), 200, { 'Content-Type': o.metrics.contentType });
  });

  app.get('/api/incidents', async (c) => {
    const status = statusQuery.safeParse(c.req.query('status') || undefined);
    if (!status.success) fail(400, 'status must be investigating, identified, monitoring, resolved or open');
    const limit = Number(c.req.query('limit') ?? 0);
    if (!Number.isInteger(limit) || limit < 0) fail(400, 'limit must be a whole number');
    return c.json({ incidents: await desk.incidents({ status: status.data, limit: limit || undefined }) });
  });
  app.get('/api/incidents/:id', async (c) => c.json(await incidentOr404(c.req.param('id'))));
  app.get('/api/incidents/:id/runbooks', async (c) => {
    const i = await incidentOr404(c.req.param('id'));
    const why = runs.disabledBecause;
    return c.json({
      runbooks: (o.runbooks?.(i) ?? []).map((r) => ({ ...r.plan, digest: planDigest(r.plan) })),
      apply: why ? { enabled: false, why } : { enabled: true },
      runs: runs.list(i.id),
    });
  });
  app.post('/api/incidents/:id/runbooks/:runbook/apply', async (c) => {
    const b = await jsonBody(c.req.raw, applyInput);
    const i = await incidentOr404(c.req.param('id'));
    if (runs.disabledBecause)
      fail(
        403,
        runs.disabledBecause,
        'run the plan from a terminal (its command is on the Runbooks tab), or start serve with --allow-remediation and the remediation role',
      );
    if (i.status === 'resolved') fail(409, `${i.id} is resolved`, 'reopen it before acting on it');
    const name = c.req.param('runbook');
    const offer = o.runbooks?.(i).find((r) => r.runbook === name);
    if (!offer)
      fail(
        404,
        `${i.id} offers no runbook ${name} right now`,
        `GET /api/incidents/${i.id}/runbooks lists them`,
      );
    if (planDigest(offer.plan) !== b.digest)
      fail(409, `the ${name} plan changed since it was shown`, 'review the new plan and approve it again');
    if (offer.plan.refusal)
      fail(
        409,
        `${name} refuses to start: ${offer.plan.refusal}`,
        'fix the cause, or run it from a terminal with --force if you are sure',
      );
    try {
      return c.json({ run: runs.start(i.id, offer, who(b.author, c)) }, 202);
    } catch (err) {
      if (err instanceof RunConflictError)
        fail(409, err.message, 'follow that run on its incident, then try again');
      throw err;
    }
  });
  app.get('/api/runbook-runs', (c) => c.json({ runs: runs.list() }));
  app.get('/api/runbook-runs/:run', (c) => {
    const run = runs.get(c.req.param('run'));
    if (!run)
      fail(404, `no runbook run ${c.req.param('run')}`, 'GET /api/runbook-runs lists the recent ones');
    return c.json({ run });
  });
  app.get('/api/incidents/:id/timeline', async (c) => {
    const i = await incidentOr404(c.req.param('id'));
    return c.json({ id: i.id, timeline: i.timeline, updates: i.updates });
  });
  app.get('/api/incidents/:id/postmortem', async (c) => {
    const i = await incidentOr404(c.req.param('id'));
    const format = c.req.query('format') ?? 'md';
    if (format !== 'md' && format !== 'html') fail(400, 'format must be md or html');
    const doc = buildPostmortem({
      incident: i,
      actions: await desk.actions(),
      actionItems: await desk.actionItems(i.id),
      cluster: o.cluster,
      nowMs: clock.now(),
    });
    return format === 'html'
      ? c.html(renderHtml(doc))
      : c.body(renderMarkdown(doc), 200, { 'Content-Type': 'text/markdown; charset=utf-8' });
  });
  app.get('/api/findings', (c) => c.json({ findings: o.findings() }));
  app.get('/api/view', (c) => c.json(o.view?.() ?? {}));
  app.get('/api/status-page', async (c) => c.json(await statusPage()));
  app.get('/api/actions', async (c) => c.json({ actions: await desk.actions() }));

  for (const kind of ['note', 'action'] as const)
    app.post(`/api/incidents/:id/${kind}s`, async (c) => {
      const b = await jsonBody(c.req.raw, noteInput);
      const i = desk.note(c.req.param('id'), b.text, {
        atMs: at(b.at),
        ...who(b.author, c),
        kind,
      });
      return c.json({ id: i.id, timeline: i.timeline.slice(-1) }, 201);
    });
  app.post('/api/actions', async (c) => {
    const b = await jsonBody(c.req.raw, actionInput);
    if (b.incident && !(await desk.incident(b.incident))) fail(404, `no incident ${b.incident}`);
    await desk.addAction(b.text, {
      atMs: at(b.at),
      ...who(b.author, c),
      incidentId: b.incident,
    });
    return c.json({ ok: true }, 201);
  });
  app.post('/api/incidents/:id/status', async (c) => {
    const b = await jsonBody(c.req.raw, statusInput);
    const i = desk.setStatus(c.req.param('id'), b.status, {
      atMs: at(b.at),
      ...who(b.author, c),
      message: b.message,
    });
    return c.json({ id: i.id, status: i.status, updates: i.updates.slice(-1) });
  });
  mountDraftRoutes(app, { desk, clock });
  mountMaintenanceRoutes(app, { book: maintenances, clock });
  mountSubscriberRoutes(app, { book: subscribers, clock, mailConfigured: o.mailConfigured ?? false });
  mountActionItemRoutes(app, { desk, clock, incidentOr404 });
  mountAlertmanagerRoutes(app, { desk, clock });
  app.post('/api/incidents/:id/updates', async (c) => {
    const b = await jsonBody(c.req.raw, updateInput);
    const i = desk.postUpdate(c.req.param('id'), {
      atMs: at(b.at),
      ...who(b.author, c),
      message: b.message,
      status: b.status,
      components: b.components,
    });
    return c.json({ id: i.id, status: i.status, updates: i.updates.slice(-1) }, 201);
  });
  return app;
}
