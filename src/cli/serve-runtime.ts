/**
 * Everything `serve` runs, put together once for live and replayed clusters alike: the
 * pipeline, the incident desk over the store, notifications and metrics as the desk's
 * listeners, and the HTTP app. The caller feeds rounds (`round(view, now)`) and listens.
 */
import { serve as listen, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Incident } from '../incident/incident.ts';
import type { IncidentStore } from '../incident/store/store.ts';
import type { ClusterView } from '../observe/cluster-view.ts';
import { buildStatusReport } from '../observe/status-report.ts';
import { createApp } from '../server/app.ts';
import { type DeskListener, IncidentDesk } from '../server/desk.ts';
import type { Clock } from '../time/clock.ts';
import { Pipeline, type Round } from './pipeline.ts';

export interface ServeRuntimeOptions {
  clock: Clock;
  store?: IncidentStore;
  cluster: string;
  token: string;
  pageName?: string;
  listeners?: DeskListener[];
  metrics?: { metricsText(): Promise<string>; contentType: string };
  /** After every round (metrics). */
  onRound?: (view: ClusterView, nowMs: number, incidents: readonly Incident[]) => void;
  health?: () => Record<string, unknown>;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export class ServeRuntime {
  readonly pipeline = new Pipeline();
  readonly desk: IncidentDesk;
  readonly app: Hono;
  private view: ClusterView | undefined;
  private readonly clock: Clock;
  private server: ServerType | undefined;
  private readonly onRound: ServeRuntimeOptions['onRound'];

  constructor(o: ServeRuntimeOptions) {
    this.clock = o.clock;
    this.onRound = o.onRound;
    this.desk = new IncidentDesk({
      tracker: this.pipeline.tracker,
      store: o.store,
      listeners: o.listeners,
      log: o.log,
    });
    this.app = createApp({
      desk: this.desk,
      clock: o.clock,
      token: o.token,
      cluster: o.cluster,
      pageName: o.pageName ?? `${o.cluster} cluster`,
      findings: () => this.pipeline.tracker.findings,
      view: () => (this.view ? buildStatusReport(this.view, this.clock.now()) : {}),
      metrics: o.metrics,
      health: o.health,
    });
  }

  /** One pipeline round over the view, then the desk (updates, notifications, store). */
  round(view: ClusterView, nowMs: number): Round {
    this.view = view;
    const r = this.pipeline.round(view, nowMs);
    this.desk.afterRound(nowMs, r.changes, r.diagnosis.findings);
    this.onRound?.(view, nowMs, this.pipeline.tracker.incidents());
    return r;
  }

  /** Starts listening; resolves with the bound port (for `--port 0`). */
  listen(port: number, hostname: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = listen({ fetch: this.app.fetch, port, hostname }, (info) => resolve(info.port));
      server.once('error', reject);
      this.server = server;
    });
  }

  async close(): Promise<void> {
    await this.desk.flush();
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
