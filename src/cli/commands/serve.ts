/**
 * `kubetriage serve`: watches the cluster (or replays a scenario in virtual time) and
 * serves what it knows: the JSON API, the public status page, `/metrics` and `/healthz`,
 * keeping the incident record in the store and telling people through the notifiers.
 * Runs until interrupted; on SIGINT/SIGTERM it finishes the writes it has queued first.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { ApiClient } from '../../kube/api-client.ts';
import { loadKubeConfig } from '../../kube/kubeconfig.ts';
import { LeaseLock } from '../../kube/lease-lock.ts';
import { shellMailSender } from '../../publish/notify/subscriber-delivery.ts';
import { type ApiToken, parseTokenFile } from '../../server/api-tokens.ts';
import { newToken } from '../../server/auth.ts';
import { loadScenario } from '../../sim/scenario/loader.ts';
import { type Clock, realClock } from '../../time/clock.ts';
import { VirtualClock } from '../../time/virtual-clock.ts';
import { clusterAccess } from '../cluster-access.ts';
import { usageError } from '../errors.ts';
import { defaultIdentity, LeaderElection } from '../leader.ts';
import {
  clusterOptions,
  probeUrlOption,
  probeUrlsOf,
  startLiveSession,
  writeProbeOption,
} from '../live-session.ts';
import { stderrLogger } from '../logger.ts';
import { remediationExecutor } from '../remediation-executor.ts';
import { publishers } from '../serve-publishers.ts';
import { serveReplay } from '../serve-replay.ts';
import { dashboardUrl, portOption, ServeRuntime } from '../serve-runtime.ts';
import { openStoreFromFlags, type StoreFlags, storeOptions } from '../store-options.ts';

interface ServeFlags extends StoreFlags {
  kubeconfig?: string;
  context?: string;
  timeout: string;
  probeUrl?: string[];
  writeProbe?: string[];
  port: string;
  host: string;
  interval: string;
  replay?: string;
  exitAfterReplay?: boolean;
  notify: string[];
  publicUrl?: string;
  tokenFile?: string;
  pageName?: string;
  leaderElect?: boolean;
  leaseName: string;
  leaseNamespace?: string;
  leaseDuration: string;
  identity?: string;
  allowRemediation?: boolean;
  autoPublish?: boolean;
  subscriberMailCommand?: string;
  subscriberMailFrom?: string;
}

/**
 * The API's tokens; `token` is the first, the one a replay posts its scenario's actions
 * with and the dashboard link carries.
 */
async function tokensFrom(
  flags: ServeFlags,
): Promise<{ tokens: ApiToken[]; token: string; generated: boolean }> {
  if (flags.tokenFile) {
    const text = await readFile(flags.tokenFile, 'utf8').catch((err: Error) => {
      throw usageError(`cannot read --token-file ${flags.tokenFile}: ${err.message}`);
    });
    const tokens = parseTokenFile(text, flags.tokenFile);
    if (!Array.isArray(tokens)) throw usageError(tokens.problem, tokens.hint);
    return { tokens, token: tokens[0].token, generated: false };
  }
  const env = process.env.KUBETRIAGE_TOKEN?.trim();
  const token = env || newToken();
  return { tokens: [{ token }], token, generated: !env };
}

/** The kubeconfig context in use, as kubectl would pick it, for naming the cluster. */
function contextName(flags: ServeFlags): string {
  try {
    return loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context }).context || 'default';
  } catch {
    return 'default'; // startLiveSession reports the kubeconfig problem properly
  }
}

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .description('watch the cluster and serve the incident API, the status page, /metrics and /healthz')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8080')
    .option('--host <address>', 'address to listen on (0.0.0.0 inside a cluster)', '127.0.0.1')
    .option('--interval <seconds>', 'how often to run the detectors', '10')
    .option(
      '--replay <scenario>',
      'replay a shipped scenario (or YAML file) in virtual time instead of watching a cluster',
    )
    .option('--exit-after-replay', 'stop once the replay is done instead of serving on')
    .option(
      '--notify <target>',
      'send incident notifications: slack=URL, webhook=URL or alertmanager=URL (its base URL, e.g. http://alertmanager:9093; repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--public-url <url>', 'how people reach this server, for links in notifications')
    .option(
      '--token-file <file>',
      'bearer token for the API and /metrics, or one name:token per line so the record shows which token made each change (default: $KUBETRIAGE_TOKEN, else a new one printed at start)',
    )
    .option('--page-name <name>', 'title of the public status page')
    .option(
      '--auto-publish',
      "post the status page's public updates as kubetriage writes them (default: drafts a person publishes from the dashboard; replays always post)",
    )
    .option(
      '--subscriber-mail-command <command>',
      'how e-mail subscribers of the status page are mailed: a sendmail-compatible command run through /bin/sh that reads the RFC 5322 message on stdin, e.g. "/usr/sbin/sendmail -t -i" (default: no e-mail subscribers)',
    )
    .option(
      '--subscriber-mail-from <address>',
      'the From: address of those e-mails (default: kubetriage@ this host)',
    )
    .option(
      '--leader-elect',
      'run as one of several replicas: only the holder of a Lease acts (rounds, notifications, store writes)',
    )
    .option('--lease-name <name>', 'the Lease used for --leader-elect', 'kubetriage')
    .option('--lease-namespace <ns>', "namespace of the Lease (default: this pod's namespace, else default)")
    .option(
      '--lease-duration <seconds>',
      'how long a leader may go without renewing before another takes over',
      '15',
    )
    .option(
      '--identity <name>',
      'this replica in the Lease (default: $POD_NAME, else host, pid and a suffix)',
    )
    .option(
      '--allow-remediation',
      'let people with the token approve a runbook in the dashboard and run it from here (needs the kubetriage-remediate role; default: $KUBETRIAGE_ALLOW_REMEDIATION=true, else off: plans only)',
    );
  storeOptions(clusterOptions(writeProbeOption(probeUrlOption(cmd))))
    .addHelpText(
      'after',
      `
Endpoints (all but the status page, /livez and /healthz need "Authorization: Bearer <token>"):
  GET  /status, /status.json            public status page (HTML, Statuspage-style JSON)
  GET  /livez                           the process answers (the kubelet's liveness probe)
  GET  /healthz                         store and cluster access (503 while the store fails, or
                                        kubetriage never reached the cluster or is refused by it)
  GET  /metrics                         Prometheus metrics
  GET  /api/incidents[?status=open]     incidents, newest first
  GET  /api/incidents/ID[/timeline]     one incident, its timeline and status updates
  GET  /api/incidents/ID/postmortem?format=md|html
  GET  /api/incidents/ID/runbooks       the runbooks offered: plans, their digests, runs
  POST /api/incidents/ID/runbooks/NAME/apply  {"digest": "…"}  (--allow-remediation)
  GET  /api/runbook-runs[/RUN]          runbooks approved here, step by step
  GET  /api/findings, /api/view, /api/status-page, /api/actions
  POST /api/incidents/ID/notes          {"text": "...", "author": "..."}
  POST /api/incidents/ID/actions        {"text": "drained aks-1"}
  POST /api/incidents/ID/status         {"status": "monitoring", "message": "public text"}
  POST /api/incidents/ID/updates        {"message": "public text"}
  GET  /api/incidents/ID/draft          the public update kubetriage drafted (without --auto-publish)
  POST /api/incidents/ID/draft/publish  {"message": "edited text"}  (optional: as drafted)
  GET  /api/maintenances[/ID]           scheduled maintenances (Statuspage's scheduled incidents)
  POST /api/maintenances                {"name": "…", "scheduledFor": "2026-03-06T22:00:00Z",
                                         "scheduledUntil": "…", "components": ["Nodes"], "message": "…",
                                         "autoStart": true, "autoComplete": true}
  POST /api/maintenances/ID/updates     {"status": "verifying|completed", "message": "…"}
  GET  /api/subscribers                 status-page subscribers (webhook URLs cut to their host)
  POST /api/subscribers                 {"kind": "webhook", "url": "…"} or {"kind": "email", "email": "…"}
  DELETE /api/subscribers/ID
  GET  /api/incidents/ID/action-items   postmortem action items, and suggestions not yet taken
  POST /api/incidents/ID/action-items   {"text": "...", "type": "prevent|mitigate|detect|process",
                                        "owner": "team-nodes", "dueDate": "2024-03-31"}
  PATCH/DELETE /api/incidents/ID/action-items/N  {"status": "done"}, {"owner": null} clears
  POST /api/alertmanager                Alertmanager's webhook: alerts become evidence on incidents
  POST /api/actions                     an action not tied to an incident

Posted bodies: at most 1 MiB; "author" (or the X-Kubetriage-User header) is 1-100
characters without control or bidi characters; "at" is an RFC 3339 time, not before 2000
nor more than a day ahead. With a --token-file of name:token lines, every change records
the token's name as "via" beside the author.

Subscribers hear of each public update when it is published (never of drafts), of each
maintenance scheduled, started and completed, and of each component the page shows in another
state: webhooks get Statuspage's notification JSON (meta, page, incident with incident_updates,
or component_update), e-mail goes through --subscriber-mail-command; failures are retried with
backoff and never hold up publishing.

Changes are answered only once the store has them: while the database is away, 503 with
Retry-After (resend with the same Idempotency-Key header: no second copy), and /healthz
says "store": "unavailable: …" until what waited in memory is written.

Exit codes: 0 stopped cleanly, 2 bad usage (a --port taken or not ours to bind included),
3 cluster or database unreachable, or a store it cannot read.

Examples:
  $ kubetriage serve --context prod --database-url postgres://kt@db/kubetriage --notify slack=https://hooks.slack.com/services/…
  $ kubetriage serve --replay runway-2024 --port 8080      # the demo: a real outage, replayed
  $ curl -H "Authorization: Bearer $TOKEN" localhost:8080/api/incidents?status=open`,
    )
    .action(async (flags: ServeFlags) => {
      const log = stderrLogger('kubetriage');
      const port = portOption(flags.port);
      const intervalMs = Number(flags.interval) * 1000;
      if (!Number.isFinite(intervalMs) || intervalMs < 1000)
        throw usageError(`--interval must be at least 1 second (got "${flags.interval}")`);
      const { tokens, token, generated } = await tokensFrom(flags);
      const scenario = flags.replay ? await loadScenario(flags.replay) : undefined;
      const leaseDurationMs = Number(flags.leaseDuration) * 1000;
      if (flags.leaderElect && scenario)
        throw usageError('--leader-elect watches a live cluster; leave out --replay');
      // The chart's setting applies to a live cluster; a replay has nothing to act on either way.
      if (!scenario) flags.allowRemediation ||= envFlag('KUBETRIAGE_ALLOW_REMEDIATION');
      if (flags.allowRemediation && scenario)
        throw usageError(
          '--allow-remediation acts on a live cluster; a replay has none',
          'leave out --replay, or point serve at a cluster (kubetriage sim serves one)',
        );
      if (flags.leaderElect && !(Number.isFinite(leaseDurationMs) && leaseDurationMs >= 2000))
        throw usageError(`--lease-duration must be at least 2 seconds (got "${flags.leaseDuration}")`);
      const clock: Clock = scenario ? new VirtualClock(Date.parse(scenario.start)) : realClock;
      // The cluster's name before connecting: the notifiers and metrics exist before the feed.
      const cluster = flags.cluster ?? scenario?.name ?? contextName(flags);
      const pub = publishers({
        cluster,
        targets: flags.notify,
        publicUrl: flags.publicUrl,
        log: log.warn,
      });
      // Whatever has started is stopped on the way out, a failed start included: the feed's
      // watches and the notifiers' timers would otherwise keep a process serving nothing.
      const running: (() => Promise<void>)[] = [() => pub.close()];
      try {
        // The record first: a file that is not a database is found before connecting to the cluster.
        const store = await openStoreFromFlags(flags, cluster);
        running.push(() => store.close());
        const session = scenario
          ? undefined
          : await startLiveSession(flags, { components: true, stats: pub.metrics, warn: log.warn });
        if (session) running.push(() => session.feed.stop());
        // Live, the cluster's own time (read off the API server's Date headers).
        const clusterClock = session ? session.clock : clock;
        const identity = flags.identity ?? defaultIdentity();
        const rt = new ServeRuntime({
          clock: clusterClock,
          store,
          cluster,
          token: tokens,
          pageName: flags.pageName,
          // A live cluster's public updates wait for a person; a replay has nobody to publish them.
          autoPublish: Boolean(flags.autoPublish || scenario),
          subscribers: {
            publicUrl: flags.publicUrl,
            ...(flags.subscriberMailCommand
              ? {
                  mail: {
                    send: shellMailSender(flags.subscriberMailCommand, {
                      clock: realClock,
                      timeoutMs: 60_000,
                    }),
                    from: flags.subscriberMailFrom ?? `kubetriage@${hostname()}`,
                  },
                }
              : {}),
          },
          listeners: pub.listeners,
          metrics: pub.metrics,
          onRound: pub.onRound,
          log: log.warn,
          health: () => ({
            source: scenario ? `replay ${scenario.name}` : session?.loaded.server,
            // Whether kubetriage can read the cluster at all: refused credentials leave every
            // answer below unknown, which a health check of this process must not hide.
            ...(session ? { clusterAccess: clusterAccess(rt.lastSignals) } : {}),
            ...(elector ? { role: elector.leading ? 'leader' : 'follower', identity } : {}),
          }),
          readOnlyBecause: () =>
            elector && !elector.leading
              ? `${identity} is a follower: only the leader takes changes`
              : undefined,
          ...(session && flags.allowRemediation
            ? {
                remediate: remediationExecutor(session.loaded.kc, clusterClock, identity),
              }
            : {
                remediationOffBecause: scenario
                  ? 'a replay has no cluster to act on: run the plan against a real cluster from a terminal'
                  : 'serve runs read-only: start it with --allow-remediation (and the kubetriage-remediate role) to apply runbooks from here',
              }),
        });
        running.push(() => rt.close());
        const elector =
          flags.leaderElect && session
            ? new LeaderElection({
                lock: new LeaseLock({
                  api: new ApiClient(session.loaded.kc, {
                    now: () => realClock.now(),
                    requestTimeoutMs: 5_000,
                  }),
                  namespace: flags.leaseNamespace ?? podNamespace() ?? 'default',
                  name: flags.leaseName,
                  holder: identity,
                  leaseDurationMs,
                  clock: realClock,
                }),
                clock: realClock,
                leaseDurationMs,
                // Taking over: the record as the last leader left it, so nothing is opened twice.
                onStartedLeading: async () => {
                  const open = await rt.restore(clusterClock.now());
                  pub.startedActing(clusterClock.now());
                  log.info('leading', { identity, restoredOpenIncidents: open });
                },
                onStoppedLeading: (why) => {
                  pub.stoppedActing();
                  log.warn('no longer leading; stopped acting', { identity, why });
                },
                log: log.warn,
              })
            : undefined;
        if (elector) running.push(() => elector.stop());
        const restored = elector ? 0 : await rt.restore(clusterClock.now());
        // Alertmanager re-posts read the record's open incidents; without a lease to wait for, act now.
        pub.readOpenIncidentsFrom(() => rt.desk.tracker.open());
        if (!elector) pub.startedActing(clusterClock.now());
        const bound = await rt.listen(port, flags.host);
        log.info('serving', {
          url: `http://${flags.host}:${bound}`,
          store: store.backend,
          cluster,
          restoredOpenIncidents: restored,
        });
        if (generated)
          process.stderr.write(
            `API token (pass --token-file or $KUBETRIAGE_TOKEN to choose one): ${token}\n` +
              `dashboard: ${dashboardUrl(flags.host, bound, token)}\n`,
          );
        let stopping = false;
        const stopped = new Promise<void>((resolve) => {
          const stop = () => {
            stopping = true;
            resolve();
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        if (scenario) {
          const r = await serveReplay(rt, scenario, {
            token,
            clock: clock as VirtualClock,
            probeUrls: probeUrlsOf(flags),
            stop: () => stopping,
          });
          log.info(stopping ? 'replay stopped' : 'replay done', {
            scenario: scenario.name,
            virtualHours: (r.endMs - r.startMs) / 3_600_000,
            wallSeconds: r.wallMs / 1000,
          });
          if (!flags.exitAfterReplay) await stopped;
        } else if (session) {
          elector?.start();
          while (!stopping) {
            // A follower keeps its view current and answers /healthz, but never acts.
            if (!elector || elector.leading) rt.round(session.view, clusterClock.now());
            for (let waited = 0; waited < intervalMs && !stopping; waited += 250) await realClock.sleep(250);
          }
        }
      } finally {
        for (const stop of running.reverse()) await stop();
      }
    });
}

/** A yes/no setting from the environment (the chart sets them from its values). */
function envFlag(name: string): boolean {
  const raw = (process.env[name] ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw usageError(`$${name} must be true or false (got "${process.env[name]}")`);
}

/** The namespace of the service account this pod runs as, when in a pod. */
function podNamespace(): string | undefined {
  try {
    return (
      readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim() || undefined
    );
  } catch {
    return undefined;
  }
}
