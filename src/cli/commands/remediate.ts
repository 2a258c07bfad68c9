/**
 * `kubetriage remediate`: the runbooks the failure patterns offer. Each prints its plan
 * first (`--dry-run` stops there, having only read), asks before applying (or takes
 * `--yes`), then applies it step by step, printing each step and recording it on the
 * incident's timeline (`--incident ID --server URL --token T`) or in the store as an action.
 *
 *   restart-nodes             staggered node restart (cordon, drain with PDBs, restart, wait, uncordon)
 *   node-fix disable-timer T  a DaemonSet that disables a systemd timer on every node
 *   bypass-service-host       point Deployments straight at the API server (and --revert)
 */
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { ApiClient } from '../../kube/api-client.ts';
import { loadKubeConfig } from '../../kube/kubeconfig.ts';
import { applyBypass, readBypassFacts } from '../../respond/bypass-apply.ts';
import { planBypass } from '../../respond/bypass-plan.ts';
import { ClusterReader } from '../../respond/cluster-reader.ts';
import { SelectorSyntaxError } from '../../respond/facts.ts';
import { applyNodeFix } from '../../respond/node-fix-apply.ts';
import { isTimerName, nodeFixDefaults, planNodeFix } from '../../respond/node-fix-plan.ts';
import { restarterFor } from '../../respond/node-restarters.ts';
import { planDigest } from '../../respond/offer.ts';
import type { RunbookName, RunbookPlan } from '../../respond/plan.ts';
import { applyRestartNodes } from '../../respond/restart-nodes-apply.ts';
import {
  planRestartNodes,
  type RestartNodesOptions,
  restartDefaults,
} from '../../respond/restart-nodes-plan.ts';
import { LockHeldError, LockLostError } from '../../respond/run-lock.ts';
import { RunbookRefusedError, RunbookStoppedError, type StepEvent } from '../../respond/step-events.ts';
import { type StepRecorder, serveRecorder, storeRecorder } from '../../respond/timeline-recorder.ts';
import { realClock, rfc3339 } from '../../time/clock.ts';
import { OffsetClock } from '../../time/offset-clock.ts';
import { CliError, exitCodes, usageError } from '../errors.ts';
import { parseOutputFormat, printData } from '../output.ts';
import { alignColumns } from '../render/columns.ts';
import { openStoreFromFlags, type StoreFlags, storeOptions } from '../store-options.ts';

interface CommonFlags extends StoreFlags {
  kubeconfig?: string;
  context?: string;
  output: string;
  dryRun?: boolean;
  yes?: boolean;
  incident?: string;
  server?: string;
  token?: string;
  author?: string;
}

interface RestartFlags extends CommonFlags {
  selector?: string;
  nodes?: string;
  maxUnavailable: string;
  restartCommand?: string;
  force?: boolean;
  forceDrain?: boolean;
  maxDownPercent: string;
  drainTimeout: string;
  readyTimeout: string;
  podsTimeout: string;
}

interface NodeFixFlags extends CommonFlags {
  namespace: string;
  image: string;
  removeAfter?: boolean;
  verifyTimeout: string;
}

interface BypassFlags extends CommonFlags {
  deployment?: string;
  host?: string;
  port?: string;
  revert?: boolean;
}

function common(cmd: Command): Command {
  return storeOptions(
    cmd
      .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)')
      .option('--context <name>', 'kubeconfig context to use')
      .option('--dry-run', 'print the plan and stop; nothing is written to the cluster')
      .option('--yes', 'apply without asking (scripts)')
      .option('-o, --output <format>', 'table, wide, json, yaml, name or jsonpath=TEMPLATE', 'table')
      .option('--incident <id>', 'record each step on this incident (with --server and --token)')
      .option('--server <url>', 'the kubetriage serve that holds the incident, e.g. http://127.0.0.1:8080')
      .option('--token <token>', 'its API token (default: $KUBETRIAGE_TOKEN)')
      .option('--author <name>', 'who is acting, for the record (default: your user name)'),
  );
}

/** `90s`, `10m`, `1h` or plain seconds. */
export function durationMs(raw: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(raw.trim());
  if (!m) throw usageError(`${flag} must be a duration like 90s, 10m or 1h (got "${raw}")`);
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 's' | 'm' | 'h'];
}

function positiveInt(raw: string, flag: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw usageError(`${flag} must be a whole number of at least 1 (got "${raw}")`);
  return n;
}

export function renderPlan(p: RunbookPlan): string {
  const out = [`${p.title}`, `  apply with: ${p.command}`];
  if (p.targets.length) out.push(`  targets (${p.targets.length}): ${p.targets.join(', ')}`);
  if (p.refusal) out.push(`  REFUSES TO START: ${p.refusal}`);
  for (const w of p.warnings) out.push(`  warning: ${w}`);
  const rows = [
    ['step', 'action', 'target', 'detail'],
    ...p.steps.map((s) => [String(s.n), s.action, s.target, s.detail]),
  ];
  out.push('', ...alignColumns(rows).map((l) => `  ${l}`));
  if (p.manifests?.length) {
    out.push('', '  objects it sends:');
    for (const m of p.manifests)
      out.push(
        ...JSON.stringify(m, null, 2)
          .split('\n')
          .map((l) => `    ${l}`),
      );
  }
  return `${out.join('\n')}\n`;
}

function renderEvent(e: StepEvent): string {
  const mark = { started: '…', done: '✓', waiting: '⏳', warning: '!', stopped: '✗' }[e.status];
  return `${rfc3339(e.atMs)} ${mark} [${e.n || '-'}] ${e.action} ${e.target}: ${e.detail}\n`;
}

interface Session {
  api: ApiClient;
  clock: OffsetClock;
  author: string;
}

function connect(flags: CommonFlags): Session {
  const loaded = loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context });
  const api = new ApiClient(loaded.kc, { now: () => realClock.now(), requestTimeoutMs: 15_000 });
  return {
    api,
    // Deadlines and "newer than the restart" are judged in the cluster's time.
    clock: new OffsetClock(realClock, () => api.serverOffsetMs),
    author: flags.author ?? userInfo().username,
  };
}

async function confirm(flags: CommonFlags, plan: RunbookPlan): Promise<void> {
  if (flags.yes) return;
  if (!process.stdin.isTTY)
    throw usageError(
      'not applying without confirmation',
      'pass --yes to apply, or --dry-run to only print the plan',
    );
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`Apply these ${plan.steps.length} steps? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('not applied', { exitCode: exitCodes.failed });
  } finally {
    rl.close();
  }
}

/** Where the steps are recorded: the incident through serve, else the store. */
async function recorder(
  flags: CommonFlags,
  runbook: RunbookName,
  author: string,
  context: string,
): Promise<{ record: StepRecorder; close: () => Promise<void> }> {
  const token = flags.token ?? process.env.KUBETRIAGE_TOKEN;
  if (flags.incident || flags.server) {
    if (!flags.incident || !flags.server || !token)
      throw usageError(
        'recording on an incident needs --incident, --server and --token together',
        'e.g. --incident INC-0001 --server http://127.0.0.1:8080 --token $KUBETRIAGE_TOKEN',
      );
    return {
      record: serveRecorder({ server: flags.server, token, incident: flags.incident, author, runbook }),
      close: async () => {},
    };
  }
  const store = await openStoreFromFlags(flags, context);
  return { record: storeRecorder({ store, author, runbook }), close: () => store.close() };
}

async function run<T>(
  flags: CommonFlags,
  runbook: RunbookName,
  session: Session,
  plan: RunbookPlan,
  apply: (onStep: (e: StepEvent) => Promise<void>) => Promise<T>,
): Promise<void> {
  const format = parseOutputFormat(flags.output);
  process.stdout.write(printData(format, plan, () => renderPlan(plan), { kind: 'RunbookPlan' }));
  if (flags.dryRun) {
    if (plan.refusal) throw new CliError(`apply would refuse: ${plan.refusal}`, { quiet: true });
    return;
  }
  if (plan.refusal)
    throw new CliError(plan.refusal, { hint: 'fix the cause, or pass --force if you are sure' });
  await confirm(flags, plan);
  const context = session.api.kc.getCurrentContext();
  const rec = await recorder(flags, runbook, session.author, context);
  const events: StepEvent[] = [];
  try {
    await apply(async (e) => {
      events.push(e);
      if (format === 'table') process.stdout.write(renderEvent(e));
      try {
        await rec.record(e);
      } catch (err) {
        process.stderr.write(`warning: ${(err as Error).message}\n`);
      }
    });
  } catch (err) {
    if (format !== 'table')
      process.stdout.write(printData(format, { events }, () => '', { kind: 'RunbookRun' }));
    if (err instanceof RunbookStoppedError || err instanceof RunbookRefusedError)
      throw new CliError(err.message, {
        hint: 'the steps so far are on the record; rerun the same command to resume',
      });
    if (err instanceof LockHeldError || err instanceof LockLostError) throw new CliError(err.message);
    throw err;
  } finally {
    await rec.close();
  }
  if (format !== 'table')
    process.stdout.write(printData(format, { events }, () => '', { kind: 'RunbookRun' }));
}

export function registerRemediate(program: Command): void {
  const remediate = program
    .command('remediate')
    .description('safe runbooks: plan first, confirm, apply step by step, verify; every step on the record');

  common(
    remediate
      .command('restart-nodes')
      .description(
        'restart nodes one batch at a time: cordon, drain with PDBs, restart, wait Ready and pods Ready, uncordon',
      )
      .option('--selector <labels>', 'the nodes, by label selector (as kubectl -l)')
      .option('--nodes <names>', 'the nodes, by name, comma-separated')
      .option('--max-unavailable <n>', 'nodes out at once', '1')
      .option(
        '--restart-command <cmd>',
        "restart through a provider hook run per node, {node} replaced (e.g. 'az vm restart -g rg -n {node}'); default: delete the Node so its pool replaces it",
      )
      .option('--force', 'start even when more than --max-down-percent of nodes are NotReady')
      .option('--max-down-percent <n>', 'refuse to start above this share of NotReady nodes', '50')
      .option(
        '--force-drain',
        'delete pods a PodDisruptionBudget still blocks after --drain-timeout (never by default)',
      )
      .option('--drain-timeout <d>', 'how long a budget may block a drain', '10m')
      .option('--ready-timeout <d>', 'how long a restarted node may take to be Ready', '15m')
      .option('--pods-timeout <d>', 'how long its pods may take to be Ready', '10m'),
  )
    .addHelpText(
      'after',
      `
Exit codes: 0 done, 1 refused or stopped (regression, a budget that would not yield, a node that did not return), 2 bad usage, 3 cluster unreachable.

Examples:
  $ kubetriage remediate restart-nodes --selector agentpool=agentpool --dry-run
  $ kubetriage remediate restart-nodes --nodes n1,n2 --restart-command 'aws ec2 reboot-instances --instance-ids $(node-to-id {node})' --yes
  $ kubetriage remediate restart-nodes --selector node-pool=services --max-unavailable 4 --incident INC-0003 --server http://localhost:8080 --token $T --yes`,
    )
    .action(async (flags: RestartFlags) => {
      if (!flags.selector === !flags.nodes)
        throw usageError(
          'name the nodes with exactly one of --selector or --nodes',
          'e.g. --selector agentpool=agentpool',
        );
      const options: RestartNodesOptions = {
        ...restartDefaults,
        ...(flags.selector ? { selector: flags.selector } : {}),
        ...(flags.nodes
          ? {
              nodes: flags.nodes
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            }
          : {}),
        maxUnavailable: positiveInt(flags.maxUnavailable, '--max-unavailable'),
        mechanism: flags.restartCommand ? 'command' : 'replace',
        ...(flags.restartCommand ? { restartCommand: flags.restartCommand } : {}),
        force: Boolean(flags.force),
        forceDrain: Boolean(flags.forceDrain),
        maxDownPercent: Number(flags.maxDownPercent),
        drainTimeoutMs: durationMs(flags.drainTimeout, '--drain-timeout'),
        readyTimeoutMs: durationMs(flags.readyTimeout, '--ready-timeout'),
        podsTimeoutMs: durationMs(flags.podsTimeout, '--pods-timeout'),
      };
      if (!Number.isFinite(options.maxDownPercent)) throw usageError('--max-down-percent must be a number');
      const s = connect(flags);
      const reader = new ClusterReader(s.api);
      const [nodes, pods, pdbs] = await Promise.all([reader.nodes(), reader.pods(), reader.pdbs()]);
      let plan: RunbookPlan;
      try {
        plan = planRestartNodes({ nodes, pods, pdbs }, options);
      } catch (err) {
        if (err instanceof SelectorSyntaxError) throw usageError(`--selector: ${err.message}`);
        throw err;
      }
      const restarter = restarterFor(options, s.api);
      await run(flags, 'restart-nodes', s, plan, (onStep) =>
        applyRestartNodes({
          api: s.api,
          clock: s.clock,
          holder: `${s.author}@${hostname()} ${randomUUID().slice(0, 8)}`,
          options,
          restarter,
          onStep,
          approvedDigest: planDigest(plan),
        }),
      );
    });

  const nodeFix = remediate.command('node-fix').description('fix every node with a generated DaemonSet');
  common(
    nodeFix
      .command('disable-timer <timer>')
      .description(
        'disable a systemd timer on every node (DaemonSet), verify through the node agent, remove it if asked',
      )
      .option('--namespace <ns>', 'where the DaemonSet goes', nodeFixDefaults.namespace)
      .option('--image <image>', 'an image with sh and nsenter', nodeFixDefaults.image)
      .option('--remove-after', 'delete the DaemonSet once every node is verified')
      .option('--verify-timeout <d>', 'how long to wait for every node agent to confirm', '10m'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ kubetriage remediate node-fix disable-timer apt-daily-upgrade.timer --dry-run
  $ kubetriage remediate node-fix disable-timer apt-daily-upgrade.timer --yes -o json`,
    )
    .action(async (timer: string, flags: NodeFixFlags) => {
      if (!isTimerName(timer))
        throw usageError(`"${timer}" is not a systemd timer name`, 'e.g. apt-daily-upgrade.timer');
      const options = {
        timer,
        namespace: flags.namespace,
        image: flags.image,
        removeAfter: Boolean(flags.removeAfter),
        verifyTimeoutMs: durationMs(flags.verifyTimeout, '--verify-timeout'),
      };
      const s = connect(flags);
      const plan = planNodeFix(await new ClusterReader(s.api).nodes(), options);
      await run(flags, 'node-fix', s, plan, (onStep) =>
        applyNodeFix({ api: s.api, clock: s.clock, options, onStep, approvedDigest: planDigest(plan) }),
      );
    });

  common(
    remediate
      .command('bypass-service-host')
      .description(
        'point Deployments at the API server directly (KUBERNETES_SERVICE_HOST/PORT) while the kubernetes VIP is broken; --revert undoes it',
      )
      .option('--deployment <refs>', 'namespace/name of Deployments, comma-separated')
      .option('--host <ip>', 'the API server address pods can reach (default: the kubernetes EndpointSlice)')
      .option('--port <port>', 'its port (default: from the EndpointSlice, else 443)')
      .option('--revert', 'restore the containers saved when the bypass was applied'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ kubetriage remediate bypass-service-host --deployment ingress-nginx/ingress-nginx-controller --dry-run
  $ kubetriage remediate bypass-service-host --deployment ingress-nginx/ingress-nginx-controller --revert --yes`,
    )
    .action(async (flags: BypassFlags) => {
      const deployments = (flags.deployment ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (!deployments.length || deployments.some((d) => d.split('/').length !== 2))
        throw usageError(
          '--deployment takes namespace/name[,namespace/name…]',
          'e.g. --deployment ingress-nginx/ingress-nginx-controller',
        );
      const options = {
        deployments,
        ...(flags.host ? { host: flags.host } : {}),
        ...(flags.port ? { port: positiveInt(flags.port, '--port') } : {}),
        revert: Boolean(flags.revert),
      };
      const s = connect(flags);
      const plan = planBypass(await readBypassFacts(s.api, deployments), options);
      await run(flags, 'bypass-service-host', s, plan, (onStep) =>
        applyBypass({ api: s.api, clock: s.clock, options, onStep, approvedDigest: planDigest(plan) }),
      );
    });
}
