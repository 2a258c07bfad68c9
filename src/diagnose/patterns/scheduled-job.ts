/**
 * A node-local scheduled job breaks nodes (DigitalOcean 2023's shape): nodes go NotReady
 * at the same time of day on several days, only nodes that share an image or OS, and the
 * node agent shows an enabled upgrade timer, an upgrade running or killed at the onset,
 * and a new kernel waiting. Nothing in the cluster's own configuration changed.
 *
 * Required: a periodic onset across days, or NotReady nodes whose agent reports a package
 * upgrade running or failed. The periodic onset is what names it with confidence. It is an
 * outage (critical) while nodes are broken or the timer is still enabled, history (info)
 * once neither holds.
 */
import type { Evidence } from '../../detect/signal.ts';
import { asEvidence, confidence, earliest, type Hypothesis, list, signalKey } from '../hypothesis.ts';
import { nodeTrouble } from '../node-trouble.ts';
import type { FailurePattern } from '../pattern.ts';

export const scheduledJob: FailurePattern = {
  id: 'node-scheduled-job',
  title: 'A node-local scheduled job breaks nodes',
  evaluate(idx, nowMs): Hypothesis | undefined {
    const periodic = idx.first('periodic-onset');
    const running = idx.agent('PackageUpgradeInProgress');
    const failed = idx.agent('PackageUpgradeFailed');
    const timer = idx.agent('AutomaticUpgradeScheduled');
    const reboot = idx.agent('RebootRequired');
    const t = nodeTrouble(idx);
    const upgradeNodes = new Set([...list(running?.facts.nodes), ...list(failed?.facts.nodes)]);
    const brokenDuringUpgrade = [...t.affected].filter((n) => upgradeNodes.has(n));
    if (!periodic && brokenDuringUpgrade.length === 0) return undefined;
    const kernelChange = idx.of('change').filter((c) => c.facts.what === 'node-kernel');
    const timers = list(timer?.facts.timers);
    const schedules = list(timer?.facts.schedules);
    const supporting: Evidence[] = [
      ...(periodic ? [asEvidence(periodic)] : []),
      ...(running ? [asEvidence(running)] : []),
      ...(failed ? [asEvidence(failed)] : []),
      ...(timer ? [asEvidence(timer)] : []),
      ...(reboot ? [asEvidence(reboot)] : []),
      ...kernelChange.slice(0, 2).map((c) => asEvidence(c)),
    ];
    // The current episode's start: a recurring failure's first day is history by the third.
    const episode = [running, failed, ...t.notReady].filter((x) => x !== undefined);
    const since = earliest(episode.length ? episode : [periodic], nowMs);
    const window = periodic
      ? `${periodic.facts.windowStart}–${periodic.facts.windowEnd} UTC`
      : 'the upgrade window';
    const distinguishing = list(periodic?.facts.distinguishingAttributes);
    const nodes = [...new Set([...list(periodic?.facts.nodes), ...brokenDuringUpgrade])].sort();
    return {
      pattern: 'node-scheduled-job',
      title: this.title,
      statement: `Nodes break during a node-local scheduled job${timers.length ? ` (${timers.join(', ')}${schedules.length ? `, ${schedules.join(', ')}` : ''})` : ''}: ${periodic ? `onsets recur ${window} on ${list(periodic.facts.days).join(', ')}` : `${brokenDuringUpgrade.length} NotReady node(s) were upgrading packages`}${distinguishing.length ? `, only on nodes with ${distinguishing.join('; ')}` : ''}.`,
      confidence: confidence([
        0.35,
        periodic && 0.3,
        brokenDuringUpgrade.length > 0 && 0.15,
        timer && 0.1,
        (reboot || kernelChange.length > 0) && 0.05,
        distinguishing.length > 0 && 0.05,
      ]),
      // Onsets in past days alone are history: with no node broken now and no upgrade timer
      // left enabled, nothing is down and nothing is scheduled to break it again, so it no
      // longer holds an incident open (scan still names it).
      severity: t.affected.size > 0 || timer ? 'critical' : 'info',
      clusterLevel: true,
      sinceMs: since,
      supporting,
      contradicting: [],
      ruledOut: [
        {
          pattern: 'node-network',
          why: periodic
            ? 'the failures start at the same time of day on several days, on nodes sharing an image, which a network fault does not do'
            : 'the nodes broke while a package upgrade ran on them',
        },
        {
          pattern: 'upgrade-regression',
          why: "nothing in the cluster's own configuration changed before the onsets",
        },
        {
          pattern: 'kubelet-failure',
          why: 'several nodes, at the same time of day, with the same upgrade job',
        },
      ],
      blastRadius: { nodes, pools: list(periodic?.scope.pools) },
      nextSteps: [
        {
          say: 'See the timer and the last upgrade on an affected node',
          command: `kubectl describe node ${nodes[0] ?? '<node>'} | grep -A2 -E 'AutomaticUpgradeScheduled|PackageUpgrade|RebootRequired'`,
        },
        {
          say: 'Disable the timer on every node with a DaemonSet (generated, applied on approval)',
          command: `kubetriage remediate node-fix disable-timer ${timers[0] ?? '<timer>'} --dry-run`,
        },
        {
          say: 'Replace or reboot the nodes left broken',
          command: 'kubetriage remediate restart-nodes --selector <affected image label> --dry-run',
        },
        { say: 'Ship node images with unattended upgrades disabled' },
      ],
      runbooks: ['node-fix', 'restart-nodes'],
      prevention: [
        'Disable unattended package upgrades on node images; upgrade nodes by replacing them',
        'Alert when nodes go NotReady at the same time of day twice',
      ],
      signals: [periodic, running, failed, timer].filter((s) => s !== undefined).map(signalKey),
    };
  },
};
