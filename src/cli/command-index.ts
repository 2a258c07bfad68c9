/**
 * Every subcommand as a lightweight descriptor: its name and one line for `--help`, and how
 * to load the module that registers it. main.ts imports only the module of the command
 * that runs, so `--help` and `--version` start in a fraction of a second instead of
 * loading the whole application (issue 23). Adding a command is one row here.
 */
import type { Command } from 'commander';

export type Register = (program: Command) => void;

export interface CommandEntry {
  name: string;
  summary: string;
  /** Loads the command's module and returns its register function. */
  load: () => Promise<Register>;
}

export const commandIndex: readonly CommandEntry[] = [
  {
    name: 'sim',
    summary:
      'serve a simulated Kubernetes cluster (API server on loopback) for kubectl, client-node and kubetriage',
    load: async () => (await import('./commands/sim.ts')).registerSim,
  },
  {
    name: 'scenarios',
    summary: 'list the shipped scenarios: five reference outages, healthy baselines and the outage corpus',
    load: async () => (await import('./commands/scenarios.ts')).registerScenarios,
  },
  {
    name: 'status',
    summary: 'show the cluster as it is now: control plane, nodes, kube-system, workloads, stale sources',
    load: async () => (await import('./commands/status.ts')).registerStatus,
  },
  {
    name: 'replay',
    summary: 'run the pipeline on a scenario in virtual time and score it against the expected diagnosis',
    load: async () => (await import('./commands/replay.ts')).registerReplay,
  },
  {
    name: 'patterns',
    summary: 'list the failure patterns kubetriage knows',
    load: async () => (await import('./commands/patterns.ts')).registerPatterns,
  },
  {
    name: 'explain',
    summary: 'print one failure pattern as a runbook page',
    load: async () => (await import('./commands/patterns.ts')).registerPatterns,
  },
  {
    name: 'scan',
    summary: 'one pass over the live cluster: name any cluster-level failure with its evidence',
    load: async () => (await import('./commands/scan.ts')).registerScan,
  },
  {
    name: 'watch',
    summary: 'watch the live cluster and print incidents as they open and change',
    load: async () => (await import('./commands/watch.ts')).registerWatch,
  },
  {
    name: 'serve',
    summary: 'watch the cluster and serve the incident API, the status page, /metrics and /healthz',
    load: async () => (await import('./commands/serve.ts')).registerServe,
  },
  {
    name: 'incidents',
    summary: 'list the stored incidents, newest first',
    load: async () => (await import('./commands/incidents.ts')).registerIncidents,
  },
  {
    name: 'postmortem',
    summary: 'draft the postmortem of a stored incident (Markdown or HTML)',
    load: async () => (await import('./commands/incidents.ts')).registerIncidents,
  },
  {
    name: 'remediate',
    summary: 'safe runbooks: plan first, confirm, apply step by step, verify; every step on the record',
    load: async () => (await import('./commands/remediate.ts')).registerRemediate,
  },
  {
    name: 'agent',
    summary:
      'run the node agent (one per node, from the DaemonSet): node-side checks reported as node conditions and events',
    load: async () => (await import('./commands/agent.ts')).registerAgent,
  },
  {
    name: 'peer-echo',
    summary: 'serve the full-size response the node agents fetch across nodes (the peer DaemonSet)',
    load: async () => (await import('./commands/peer-echo.ts')).registerPeerEcho,
  },
  {
    name: 'demo',
    summary: 'replay a reference outage at a watchable pace behind the web dashboard',
    load: async () => (await import('./commands/demo.ts')).registerDemo,
  },
  {
    name: 'version',
    summary: "print kubetriage's version and the cluster's (as kubectl version does)",
    load: async () => (await import('./commands/version.ts')).registerVersion,
  },
  {
    name: 'completion',
    summary: 'print a shell completion script for bash, zsh or fish',
    load: async () => (await import('./commands/completion.ts')).registerCompletion,
  },
];

export function findCommand(name: string | undefined): CommandEntry | undefined {
  return commandIndex.find((c) => c.name === name);
}
