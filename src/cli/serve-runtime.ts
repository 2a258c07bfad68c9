/**
 * Everything `serve` runs, put together once for live and replayed clusters alike: the
 * pipeline, the incident desk over the store, notifications and metrics as the desk's
 * listeners, and the HTTP app. The caller feeds rounds (`round(view, now)`) and listens.
 */

import { serve as listen, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Signal } from '../detect/signal.ts';
import { type Incident, rootCauseOf } from '../incident/incident.ts';
import { maintenanceCovering } from '../incident/maintenance.ts';
import { type LostSight, lostSight } from '../incident/sight.ts';
import type { IncidentStore } from '../incident/store/store.ts';
import type { TrackerOptions } from '../incident/tracker.ts';
import type { KubeObject } from '../kube/observations.ts';
import type { ClusterView } from '../observe/cluster-view.ts';
import { componentTargets } from '../observe/component-targets.ts';
import { buildStatusReport } from '../observe/status-report.ts';
import { ComponentHold } from '../publish/component-hold.ts';
import type { RetryOptions } from '../publish/notify/deliver.ts';
import {
  componentChanges,
  componentNotification,
  incidentNotification,
  type StatusPageContext,
} from '../publish/notify/status-notification.ts';
import { type MailSender, SubscriberDelivery } from '../publish/notify/subscriber-delivery.ts';
import { type ObservedStates, observedStates } from '../publish/observed-components.ts';
import { componentsOf } from '../publish/public-words.ts';
import {
  buildStatusPage,
  findingStates,
  publicIncident,
  publicMaintenance,
  type StatusPage,
  worstStates,
} from '../publish/status-page.ts';
import type { ApiToken } from '../server/api-tokens.ts';
import { createApp } from '../server/app.ts';
import { encodeNodeMap } from '../server/dashboard-nodes.ts';
import { SignalSeries } from '../server/dashboard-series.ts';
import { type DeskListener, IncidentDesk } from '../server/desk.ts';
import { MaintenanceBook } from '../server/maintenance-book.ts';
import { runbookFactsFrom, runbookOffersFor } from '../server/runbook-plans.ts';
import { type RunbookExecutor, RunbookRuns } from '../server/runbook-runs.ts';
import { SubscriberBook } from '../server/subscriber-book.ts';
import { type Clock, realClock, rfc3339 } from '../time/clock.ts';
import { withinWallTime } from '../time/wall-grace.ts';
import { nodeCells, signalSample } from './dashboard-data.ts';
import { CliError, exitCodes, usageError } from './errors.ts';
import { Pipeline, type Round } from './pipeline.ts';

/** How often the observed component states are read into the hold, in cluster time. */
const readingEveryMs = 5_000;

export interface ServeRuntimeOptions {
  clock: Clock;
  store?: IncidentStore;
  cluster: string;
  /** The bearer token, or the named tokens of a token file (server/api-tokens.ts). */
  token: string | readonly ApiToken[];
  pageName?: string;
  listeners?: DeskListener[];
  metrics?: { metricsText(): Promise<string>; contentType: string };
  /** After every round (metrics). */
  onRound?: (view: ClusterView, nowMs: number, incidents: readonly Incident[]) => void;
  health?: () => Record<string, unknown>;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  /** Post automatic status-page updates at once (default) or keep them as drafts (desk.ts). */
  autoPublish?: boolean;
  /** Where the built dashboard lives (default dist/web). */
  assetsDir?: string;
  /** Why the API takes no changes right now (a follower), see ServerOptions. */
  readOnlyBecause?: () => string | undefined;
  /** Runs a runbook approved in the dashboard; absent, the dashboard shows plans only. */
  remediate?: RunbookExecutor;
  /** Why runbooks are not applied here (shown with the plans). */
  remediationOffBecause?: string;
  /** Status-page subscribers: how e-mail leaves, where people reach the page, how sends are paced. */
  subscribers?: {
    mail?: { send: MailSender; from: string };
    publicUrl?: string;
    /** Real time by default, even in a replay: sending is real I/O (as the notifiers do). */
    clock?: Clock;
    fetch?: typeof fetch;
    retry?: Partial<RetryOptions>;
    random?: () => number;
  };
  /** How long a component's better state must hold before the page shows it (component-hold.ts). */
  componentClearAfterMs?: number;
  /**
   * The tracker's windows (defaults: tracker.ts). Only tests change them: the fault suite
   * shortens the quiet periods so that a fault of a second outlasts them.
   */
  tracker?: TrackerOptions;
}

export class ServeRuntime {
  readonly pipeline: Pipeline;
  readonly desk: IncidentDesk;
  readonly app: Hono;
  readonly runs: RunbookRuns;
  readonly maintenances: MaintenanceBook;
  readonly subscribers: SubscriberBook;
  readonly delivery: SubscriberDelivery;
  private readonly pageContext: StatusPageContext;
  /** The components as the page showed them after the last round, for component updates. */
  private shownComponents: StatusPage['components'] | undefined;
  private view: ClusterView | undefined;
  /** Symptom counts per round, for the dashboard's chart. */
  readonly series = new SignalSeries();
  private lastSampleMs = Number.NEGATIVE_INFINITY;
  private lastSample: ReturnType<typeof signalSample> | undefined;
  /** Why the latest round could not see the cluster, if it could not. */
  private sight: LostSight | undefined;
  /** The latest round's signals, for what /healthz reads of them. */
  lastSignals: readonly Signal[] = [];
  private readonly clock: Clock;
  private server: ServerType | undefined;
  private readonly onRound: ServeRuntimeOptions['onRound'];
  private readonly log: ServeRuntimeOptions['log'];
  /** The observed component states as the page shows them: held, so a wobble never flaps it. */
  private readonly hold: ComponentHold;
  private lastReadingMs = Number.NEGATIVE_INFINITY;

  constructor(o: ServeRuntimeOptions) {
    this.clock = o.clock;
    this.onRound = o.onRound;
    this.log = o.log;
    this.pipeline = new Pipeline(o.tracker);
    this.hold = new ComponentHold({ clearAfterMs: o.componentClearAfterMs });
    const pageName = o.pageName ?? `${o.cluster} cluster`;
    this.pageContext = { name: pageName, cluster: o.cluster, publicUrl: o.subscribers?.publicUrl };
    this.subscribers = new SubscriberBook({ store: o.store });
    this.delivery = new SubscriberDelivery({
      clock: o.subscribers?.clock ?? realClock,
      ctx: this.pageContext,
      subscribers: () => this.subscribers.list(),
      mail: o.subscribers?.mail,
      fetch: o.subscribers?.fetch,
      retry: o.subscribers?.retry,
      random: o.subscribers?.random,
      log: o.log,
    });
    this.maintenances = new MaintenanceBook({ store: o.store, log: o.log });
    this.maintenances.onEvent((m) =>
      this.tellSubscribers((page) =>
        incidentNotification(this.pageContext, page, publicMaintenance(m, this.clock.now())),
      ),
    );
    this.desk = new IncidentDesk({
      tracker: this.pipeline.tracker,
      store: o.store,
      listeners: [
        ...(o.listeners ?? []),
        {
          published: (incident) =>
            this.tellSubscribers((page) =>
              incidentNotification(this.pageContext, page, publicIncident(incident)),
            ),
        },
      ],
      log: o.log,
      autoPublish: o.autoPublish,
    });
    this.runs = new RunbookRuns({
      desk: this.desk,
      clock: o.clock,
      execute: o.remediate,
      disabledBecause: o.remediationOffBecause,
      log: o.log,
    });
    this.app = createApp({
      desk: this.desk,
      clock: o.clock,
      token: o.token,
      cluster: o.cluster,
      pageName,
      findings: () => this.pipeline.tracker.findings,
      view: () => (this.view ? buildStatusReport(this.view, this.clock.now()) : {}),
      // Facts from every pod are only worth building when the root cause offers a runbook.
      runbooks: (incident) =>
        this.view && rootCauseOf(incident).runbooks.length
          ? runbookOffersFor(incident, viewRunbookFacts(this.view))
          : [],
      metrics: o.metrics,
      health: o.health,
      readOnlyBecause: o.readOnlyBecause,
      observedComponents: () => this.hold.states,
      unseen: () => this.sight?.reason,
      accessProblem: () => (this.sight?.access ? this.sight.reason : undefined),
      runs: this.runs,
      maintenances: this.maintenances,
      subscribers: this.subscribers,
      mailConfigured: Boolean(o.subscribers?.mail),
      dashboard: {
        assetsDir: o.assetsDir,
        nodeMap: () => (this.view ? encodeNodeMap(nodeCells(this.view), this.clock.now()) : undefined),
        series: () => this.series.toJSON(),
      },
    });
  }

  /** One pipeline round over the view, then the desk (updates, notifications, store). */
  round(view: ClusterView, nowMs: number): Round {
    this.view = view;
    const r = this.pipeline.round(view, nowMs);
    this.lastSample = signalSample(view, r.signals, this.lastSampleMs, nowMs);
    this.lastSignals = r.signals;
    const sight = lostSight(r.signals);
    // Said once when it starts and once when it ends: the operator's next step, in the log.
    if (sight?.reason !== this.sight?.reason)
      this.log?.(sight ? `cannot see the cluster: ${sight.reason}` : 'the cluster is in sight again', {
        ...(sight ? { next: sight.next } : {}),
      });
    this.sight = sight;
    this.series.record(nowMs, this.lastSample);
    this.lastSampleMs = nowMs;
    this.markPlanned(r, nowMs);
    this.desk.afterRound(nowMs, r.changes, r.diagnosis.findings);
    // Read every few seconds of cluster time, not every round: a replay runs many rounds a
    // virtual second, and the reading walks every workload (serve's --interval is 10 s).
    if (nowMs - this.lastReadingMs >= readingEveryMs || r.changes.length) {
      this.lastReadingMs = nowMs;
      this.hold.update(nowMs, worstStates(this.observed(), findingStates(r.diagnosis.findings)));
    }
    this.componentUpdates(nowMs);
    // The page reads windows by their clock already; the tick records the moves and tells them.
    void this.maintenances.tick(nowMs);
    this.onRound?.(view, nowMs, this.pipeline.tracker.incidents());
    return r;
  }

  /** The stored record: incidents open or recent enough to reopen, maintenances, subscribers. */
  async restore(nowMs: number): Promise<number> {
    const [open] = await Promise.all([
      this.desk.restore(nowMs),
      this.maintenances.restore(),
      this.subscribers.restore(),
    ]);
    return open;
  }

  /** The page as it reads now from what this process holds (the open incidents are all in memory). */
  private page(nowMs: number): StatusPage {
    return buildStatusPage({
      name: this.pageContext.name,
      nowMs,
      incidents: this.pipeline.tracker.incidents(),
      observed: this.hold.states,
      unseen: this.sight?.reason,
      maintenances: this.maintenances.list(),
    });
  }

  /** Queues a notification for the subscribers; building it must never break a round or a request. */
  private tellSubscribers(build: (page: StatusPage) => Parameters<SubscriberDelivery['tell']>[0]): void {
    if (!this.subscribers.list().length) return;
    try {
      this.delivery.tell(build(this.page(this.clock.now())));
    } catch (err) {
      this.log?.('subscribers: could not build a notification', { error: (err as Error).message });
    }
  }

  /**
   * A component the page shows in another state than after the last round is told to the
   * subscribers, as Statuspage sends component updates. The states are held (component-hold.ts)
   * and the incidents' move by the tracker's windows, so this does not chatter.
   */
  private componentUpdates(nowMs: number): void {
    if (!this.subscribers.list().length) {
      // Nobody to tell: the first subscriber starts from the page as it is then.
      this.shownComponents = undefined;
      return;
    }
    let now: StatusPage['components'];
    try {
      now = this.page(nowMs).components;
    } catch (err) {
      this.log?.('subscribers: could not read the page for component updates', {
        error: (err as Error).message,
      });
      return;
    }
    const before = this.shownComponents;
    this.shownComponents = now;
    if (!before) return;
    for (const change of componentChanges(before, now))
      this.tellSubscribers((page) =>
        componentNotification(this.pageContext, page, { ...change, at: rfc3339(nowMs) }),
      );
  }

  /**
   * An incident opened on components under declared maintenance is planned work showing:
   * recorded as usual (it may still be a real outage), and its timeline says which window
   * it fell in, for the people reading it and the postmortem.
   */
  private markPlanned(r: Round, nowMs: number): void {
    for (const c of r.changes) {
      if (c.what !== 'opened') continue;
      const m = maintenanceCovering(this.maintenances.list(), componentsOf(c.incident), nowMs);
      if (m)
        this.pipeline.tracker.note(
          c.incident.id,
          `Opened during planned maintenance ${m.id} "${m.name}" on ${m.components.join(', ')} (${rfc3339(m.scheduledForMs)} to ${rfc3339(m.scheduledUntilMs)})`,
          { atMs: nowMs, author: 'kubetriage' },
        );
    }
  }

  /** What the cluster shows is down in this round, before the hold. */
  private observed(): ObservedStates {
    if (!this.view) return {};
    const problems = buildStatusReport(this.view, this.clock.now()).workloads.problems;
    const ingressPods = componentTargetsIngress(this.view);
    return observedStates({
      workloadsShort: problems.length,
      workloadsDown: problems.filter((p) => p.ready === 0).length,
      http5xx: this.lastSample?.http5xx ?? 0,
      incidentOpen: this.pipeline.tracker.incidents().some((i) => i.status !== 'resolved'),
      dns: readyPods(
        this.view,
        (p) => p.metadata.namespace === 'kube-system' && p.metadata.labels?.['k8s-app'] === 'kube-dns',
      ),
      ingress: readyPods(this.view, (p) => ingressPods.has(`${p.metadata.namespace}/${p.metadata.name}`)),
    });
  }

  /** Starts listening; resolves with the bound port (for `--port 0`), or says why it cannot. */
  listen(port: number, hostname: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = listen({ fetch: this.app.fetch, port, hostname }, (info) => resolve(info.port));
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new CliError(`cannot listen on ${hostname}:${port}: ${err.message}`, {
            // A port taken or not ours to bind is the --port given: bad usage, like any
            // argument that cannot be used; anything else is the machine's.
            exitCode: ['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL'].includes(err.code ?? '')
              ? exitCodes.usage
              : exitCodes.unavailable,
            hint: 'choose another --port (0 picks a free one), or stop whatever is listening there',
            cause: err,
          }),
        ),
      );
      this.server = server;
    });
  }

  async close(): Promise<void> {
    this.runs.interrupt('serve stopped while it was running');
    // A run stops at its next step; one waiting on the cluster gets a few seconds to notice.
    await this.runs.settled(10_000);
    // What subscribers are still owed gets a few seconds of wall time, not a retry's minute.
    await withinWallTime(this.delivery.flush(), 5_000);
    this.delivery.close();
    await this.desk.close();
    const server = this.server;
    if (server)
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections (a browser on the status page) must not hold the exit.
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
    await this.desk.store?.close();
  }
}

/** Pods that match and how many of them are Ready (cluster DNS: kube-system, k8s-app=kube-dns, as kubeadm and most distributions label it). */
function readyPods(view: ClusterView, match: (p: KubeObject) => boolean): { pods: number; ready: number } {
  const pods = view.list('pods').filter(match);
  const ready = pods.filter((p) =>
    (p as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions?.some(
      (c) => c.type === 'Ready' && c.status === 'True',
    ),
  ).length;
  return { pods: pods.length, ready };
}

/** The ingress controller pods, as the scrapes find them (component-targets.ts). */
function componentTargetsIngress(view: ClusterView): Set<string> {
  return new Set(componentTargets(view).ingress.map((i) => `${i.namespace}/${i.pod}`));
}

/** `--port`: 0 picks a free one. */
export function portOption(raw: string): number {
  const p = Number(raw);
  if (!Number.isInteger(p) || p < 0 || p > 65535) throw usageError(`--port must be 0-65535 (got "${raw}")`);
  return p;
}

/** The dashboard's link, the token in the fragment: browsers never send it, so it stays out of logs. */
export function dashboardUrl(host: string, port: number, token: string): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/#token=${token}`;
}

/** What runbook plans are computed from, out of serve's view. */
function viewRunbookFacts(view: ClusterView) {
  return runbookFactsFrom({
    nodes: view.list('nodes'),
    pods: view.list('pods'),
    pdbs: view.list('poddisruptionbudgets'),
    deployments: view.list('deployments'),
    endpointslices: view.list('endpointslices'),
  });
}
