/**
 * What scan, status, watch and incidents print when the cluster's own words carry terminal
 * controls: on a colour terminal the tool's colours are there, the cluster's escapes are
 * shown as text, and the machine formats keep the data exact while spelling them as escapes.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hypothesis, incident, t0 } from '../incident/fixtures.ts';
import { incidentsOutput } from './commands/incidents.ts';
import { type ScanData, scanOutput } from './commands/scan.ts';
import { type StatusData, statusOutput } from './commands/status.ts';
import { changeOutput } from './commands/watch.ts';
import { printData } from './output.ts';
import { painter } from './render/colour.ts';

// What a pod's log line or an event message can carry.
const retitle = '\u001b]0;evil\u0007'; // OSC: sets the terminal window's title
const clear = '\u001b[2J'; // CSI: clears the screen
const overwrite = 'FAILED\rok    '; // the carriage return prints "ok" over "FAILED"
const reversed = '\u202Eyppah'; // right-to-left override: reads "happy"
const csi8 = '\u009b31m'; // the 8-bit CSI some terminals obey
const hostile = `${retitle}${clear}${overwrite} ${reversed} ${csi8}`;
const shown = '\\x1b]0;evil\\x07\\x1b[2JFAILED\\x0dok     \\u202eyppah \\x9b31m';

const tty = painter(true);
const esc = String.fromCharCode(27);
const sgr = new RegExp(`${esc}\\[[0-9;]*m`, 'g');

/** Fails on any control character left once the tool's own colour (SGR) is taken out. */
function expectNoRawControls(out: string): void {
  const rest = out.replace(sgr, '');
  for (const c of [esc, '\u0007', '\r', '\u202e', '\u009b']) expect(rest).not.toContain(c);
}

describe('terminal output of cluster text', () => {
  it('scan: the diagnosis shows the escapes as text and keeps its colours', () => {
    const h = hypothesis({
      title: `Nodes lost ${hostile}`,
      statement: hostile,
      supporting: [{ source: 'log', ref: 'pod/kube-system/kube-proxy-1', atMs: t0, text: hostile }],
    });
    const data: ScanData = {
      server: 'https://api.example:6443',
      context: 'prod',
      at: new Date(t0).toISOString(),
      unsynced: [],
      hypotheses: [h],
      findings: [],
      signals: [],
    };
    const out = scanOutput('table', data, tty);
    expectNoRawControls(out);
    expect(out).toContain(`    + ${shown}`);
    expect(out).toContain(
      `${tty.red(tty.bold('CRITICAL'))}${tty.bold(` Nodes lost ${shown} (node-network, 82%)`)}`,
    );
  });

  it('status: node messages, probe errors and pod reasons are escaped; the verdicts stay coloured', () => {
    const data: StatusData = {
      server: 'https://api.example:6443',
      context: 'prod',
      unsynced: [],
      atMs: t0 + 60_000,
      controlPlane: {
        reachable: true,
        checks: [{ check: 'readyz', ok: false, latencyMs: 5, error: hostile, atMs: t0 }],
      },
      nodes: {
        total: 1,
        ready: 0,
        notReady: 1,
        unknown: 0,
        unschedulable: 0,
        problems: [
          {
            name: 'aks-1',
            ready: 'False',
            reason: 'KubeletNotReady',
            message: hostile,
            unschedulable: false,
          },
        ],
      },
      kubeSystem: {
        pods: 1,
        ready: 0,
        problems: [{ key: 'kube-system/coredns-1', reason: hostile, restarts: 3 }],
      },
      workloads: { problems: [] },
      sources: { fresh: 1, stale: [], forbidden: [], notApplicable: [] },
      clusterHealthy: false,
      healthy: false,
    };
    const out = statusOutput('table', data, tty);
    expectNoRawControls(out);
    expect(out).toContain(`readyz: ${shown}\n`);
    expect(out).toContain(`KubeletNotReady: ${shown}\n`);
    expect(out).toContain(`${shown} (restarts 3)`);
    expect(out).toContain(tty.green('reachable'));
    expect(out).toContain(`${tty.bold('OVERALL')}        ${tty.red(tty.bold('needs attention'))}`);
  });

  it('watch: a change line shows the escapes as text; a JSON line keeps the data exact', () => {
    const change = {
      incident: incident({}, { title: hostile, statement: hostile }),
      what: 'opened' as const,
    };
    const line = changeOutput(change, 'table');
    expectNoRawControls(line);
    expect(line).toContain(`INC-0001 IDENTIFIED critical ${shown} (82%)\n  ${shown}\n`);
    const json = changeOutput(change, 'json');
    expectNoRawControls(json);
    expect(JSON.parse(json).incident.top.title).toBe(hostile);
  });

  it('incidents: titles escaped and aligned, the STATUS column coloured', () => {
    const listed = [
      {
        cluster: 'prod',
        incident: incident({ id: 'INC-0002', status: 'investigating' }, { title: hostile }),
      },
      {
        cluster: 'prod',
        incident: incident({ id: 'INC-0001', status: 'resolved', resolvedAtMs: t0 + 60_000 }),
      },
    ];
    const out = incidentsOutput('wide', listed, '', tty);
    expectNoRawControls(out);
    const [head, first, second] = out.split('\n');
    expect(first).toContain(`INC-0002  ${tty.red('investigating')}  critical`);
    expect(first).toContain(`${shown} (82%)`);
    expect(second).toContain(`INC-0001  ${tty.green('resolved')}       critical`);
    // Aligned on what the terminal shows: PATTERN starts at one column in every row.
    const at = head.indexOf('PATTERN');
    for (const row of [first, second]) expect(row.replace(sgr, '').indexOf('node-network')).toBe(at);
  });

  it.each(['json', 'yaml', 'name', 'jsonpath={.title}'] as const)(
    '-o %s spells the controls as escapes',
    (format) => {
      const data = { title: hostile };
      const out = printData(format, data, () => '', { names: () => [`incident/${hostile}`] });
      expectNoRawControls(out);
      if (format === 'json') expect(JSON.parse(out)).toEqual(data);
      if (format === 'yaml') expect(parse(out)).toEqual(data);
      if (format === 'name') expect(out).toBe(`incident/${shown}\n`);
      if (format === 'jsonpath={.title}') expect(out).toContain(shown);
    },
  );
});
