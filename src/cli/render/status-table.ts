/**
 * The human rendering of a status report: what an SRE wants to read first when paged,
 * problems first and named, healthy parts summarized in one line each.
 */
import type { StatusReport } from '../../observe/status-report.ts';

export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function renderStatusTable(r: StatusReport, server: string): string {
  const out: string[] = [];
  const cp = r.controlPlane;
  const checks = cp.checks
    .map((c) => `${c.check} ${c.ok ? 'ok' : 'FAIL'} ${Math.round(c.latencyMs)}ms`)
    .join(', ');
  out.push(
    `CONTROL PLANE  ${server}  ${cp.reachable ? 'reachable' : 'UNREACHABLE'}${cp.version ? `  ${cp.version}` : ''}`,
  );
  if (checks) out.push(`               ${checks}`);
  for (const c of cp.checks.filter((x) => !x.ok))
    out.push(`               ${c.check}: ${c.error ?? `HTTP ${c.status}`}`);

  const n = r.nodes;
  out.push(
    `NODES          ${n.total} total: ${n.ready} Ready, ${n.notReady} NotReady, ${n.unknown} Unknown${n.unschedulable ? `, ${n.unschedulable} cordoned` : ''}`,
  );
  for (const p of n.problems) {
    const since = p.sinceMs !== undefined ? ` since ${iso(p.sinceMs)} (${ago(r.atMs - p.sinceMs)})` : '';
    const why = p.reason ? ` ${p.reason}${p.message ? `: ${p.message}` : ''}` : '';
    out.push(`  ${p.name.padEnd(20)} Ready=${p.ready}${p.unschedulable ? ' cordoned' : ''}${since}${why}`);
  }

  const ks = r.kubeSystem;
  out.push(`KUBE-SYSTEM    ${ks.pods} pods, ${ks.ready} ready`);
  for (const p of ks.problems) {
    out.push(
      `  ${p.key.padEnd(44)} ${p.reason}${p.restarts ? ` (restarts ${p.restarts})` : ''}${p.node ? ` on ${p.node}` : ''}`,
    );
  }

  const w = r.workloads.problems;
  out.push(
    `WORKLOADS      ${w.length === 0 ? 'all Deployments and DaemonSets have their replicas ready' : `${w.length} short of ready replicas`}`,
  );
  for (const p of w)
    out.push(`  ${`${p.kind.toLowerCase()}/${p.key}`.padEnd(44)} ${p.ready}/${p.desired} ready`);

  const s = r.sources;
  out.push(
    `SOURCES        ${s.fresh} fresh, ${s.stale.length} stale${s.forbidden.length ? `, ${s.forbidden.length} forbidden (not granted to kubetriage's role)` : ''}`,
  );
  for (const st of [...s.stale, ...s.forbidden]) {
    const since =
      st.staleSinceMs !== undefined
        ? ` since ${iso(st.staleSinceMs)} (${ago(r.atMs - st.staleSinceMs)})`
        : '';
    out.push(`  ${st.source.padEnd(44)} ${st.state}${since}${st.lastError ? `: ${st.lastError}` : ''}`);
  }
  out.push(r.healthy ? 'OVERALL        healthy' : 'OVERALL        needs attention');
  return `${out.join('\n')}\n`;
}
