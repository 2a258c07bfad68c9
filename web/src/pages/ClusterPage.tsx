/**
 * Cluster at a glance: open incidents first (that is why you are here), then the node map,
 * the control plane's probes, kube-system, workloads short of replicas, and which sources
 * have gone quiet (absence of data is evidence too).
 */
import { getJson } from '../api.ts';
import type { Incident, NodeMap as NodeMapData, StatusReport } from '../api-types.ts';
import { SeverityBadge, StatusBadge } from '../components/Badge.tsx';
import { NodeMap } from '../components/NodeMap.tsx';
import { ago, utc } from '../format.ts';
import { usePolled } from '../poll.ts';
import { Problem } from './Problem.tsx';

export function IncidentTable({ incidents }: { incidents: Incident[] }) {
  if (incidents.length === 0)
    return <p>No incidents. kubetriage opens one when a root cause holds for a few rounds.</p>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Incident</th>
            <th scope="col">Status</th>
            <th scope="col">Severity</th>
            <th scope="col">Root cause</th>
            <th scope="col">Opened</th>
          </tr>
        </thead>
        <tbody>
          {incidents.map((i) => (
            <tr key={i.id}>
              <td>
                <a href={`#/incidents/${encodeURIComponent(i.id)}`}>{i.id}</a>
              </td>
              <td>
                <StatusBadge status={i.status} />
              </td>
              <td>
                <SeverityBadge severity={i.severity} />
              </td>
              <td>{(i.rootCause ?? i.top).title}</td>
              <td>{utc(i.openedAtMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Stale sources by kind (`logs`, `metrics/kube-proxy`, `probe/livez`…): hundreds of log tails read as one line. */
function staleKinds(r: StatusReport): [string, number][] {
  const counts = new Map<string, number>();
  for (const s of r.sources.stale) {
    const parts = s.source.split('/');
    const kind = parts[0] === 'metrics' || parts[0] === 'probe' ? parts.slice(0, 2).join('/') : parts[0];
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

export function ClusterPage() {
  const report = usePolled(() => getJson<StatusReport>('/api/view'), 'view');
  const nodes = usePolled(() => getJson<NodeMapData>('/api/dashboard/nodes'), 'nodes');
  const incidents = usePolled(() => getJson<{ incidents: Incident[] }>('/api/incidents'), 'incidents');
  const r = report.data && 'nodes' in report.data ? report.data : undefined;
  const open = (incidents.data?.incidents ?? []).filter((i) => i.status !== 'resolved');
  // The verdict is the cluster's: its own parts, and no incident open. An app that fails for
  // its own reasons is listed, not counted against the cluster (it is not what kubetriage
  // watches for, and a healthy cluster always has one).
  const clusterOk = r?.clusterHealthy === true && open.length === 0;
  // Its parts look fine while an incident is open (an MTU fault leaves every pod Ready):
  // say that the incident is what makes it not healthy.
  const verdict = clusterOk
    ? 'Cluster healthy'
    : r?.clusterHealthy
      ? `Cluster not healthy: ${open.length} open incident${open.length === 1 ? '' : 's'}`
      : 'Cluster not healthy';

  return (
    <>
      <h1>Cluster at a glance</h1>
      <Problem polled={[report, nodes, incidents]} />
      {open.length > 0 && (
        <section className="alert" aria-labelledby="open-incidents">
          <h2 id="open-incidents">Open incidents</h2>
          <ul>
            {open.map((i) => (
              <li key={i.id}>
                <a href={`#/incidents/${encodeURIComponent(i.id)}`}>
                  {i.id}: {(i.rootCause ?? i.top).title}
                </a>{' '}
                <StatusBadge status={i.status} /> <SeverityBadge severity={i.severity} />
              </li>
            ))}
          </ul>
        </section>
      )}
      {r && (
        <section aria-labelledby="summary">
          <h2 id="summary">Summary at {utc(r.atMs)}</h2>
          <ul className="facts">
            <li className={clusterOk ? 'ok' : 'bad'}>{verdict}</li>
            <li className={r.controlPlane.reachable ? 'ok' : 'bad'}>
              Control plane {r.controlPlane.reachable ? 'reachable' : 'unreachable'}
              {r.controlPlane.version ? ` (${r.controlPlane.version})` : ''}
            </li>
            <li className={r.nodes.notReady + r.nodes.unknown ? 'bad' : 'ok'}>
              Nodes Ready: {r.nodes.ready} of {r.nodes.total}
            </li>
            <li className={r.kubeSystem.problems.some((p) => !p.starting) ? 'bad' : 'ok'}>
              kube-system pods Ready: {r.kubeSystem.ready} of {r.kubeSystem.pods}
            </li>
            <li className={r.sources.stale.length ? 'bad' : 'ok'}>
              Sources fresh: {r.sources.fresh} of {r.sources.fresh + r.sources.stale.length}
            </li>
            {/* Red only while the cluster's own parts fail: an app that crash-loops on its own
                stays an app's problem during an unrelated incident too. */}
            {r.workloads.problems.length > 0 && (
              <li className={r.clusterHealthy ? 'note' : 'bad'}>
                Workloads short of replicas: {r.workloads.problems.length}
              </li>
            )}
          </ul>
        </section>
      )}
      <section aria-labelledby="node-map">
        <h2 id="node-map">Nodes{nodes.data ? ` (${nodes.data.total})` : ''}</h2>
        {nodes.data ? <NodeMap map={nodes.data} /> : <p>Loading…</p>}
        {r && r.nodes.problems.length > 0 && (
          <div className="table-wrap">
            <table>
              <caption>Nodes not Ready or cordoned</caption>
              <thead>
                <tr>
                  <th scope="col">Node</th>
                  <th scope="col">Ready</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Since</th>
                </tr>
              </thead>
              <tbody>
                {r.nodes.problems.slice(0, 50).map((n) => (
                  <tr key={n.name}>
                    <td>{n.name}</td>
                    <td>{n.ready}</td>
                    <td>{n.reason ?? '—'}</td>
                    <td>{n.sinceMs ? `${ago(n.sinceMs, r.atMs)} ago` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {r.nodes.problems.length > 50 && <p>and {r.nodes.problems.length - 50} more.</p>}
          </div>
        )}
      </section>
      {r && (
        <div className="columns">
          <section aria-labelledby="control-plane">
            <h2 id="control-plane">Control plane</h2>
            {r.controlPlane.checks.length === 0 ? (
              <p>No probe answers yet.</p>
            ) : (
              <ul className="checks">
                {r.controlPlane.checks.map((c) => (
                  <li key={c.check} className={c.ok ? 'ok' : 'bad'}>
                    {c.ok ? 'OK' : 'FAIL'} {c.check}:{' '}
                    {c.ok ? `${c.latencyMs} ms` : (c.error ?? `HTTP ${c.status}`)}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="kube-system">
            <h2 id="kube-system">kube-system</h2>
            {r.kubeSystem.problems.length === 0 ? (
              <p>All {r.kubeSystem.pods} pods Ready.</p>
            ) : (
              <ul className="checks">
                {r.kubeSystem.problems.slice(0, 20).map((p) => (
                  <li key={p.key} className={p.starting ? 'muted' : 'bad'}>
                    {p.key}: {p.reason}
                    {p.starting ? ' (starting)' : ''}
                    {p.restarts ? `, ${p.restarts} restarts` : ''}
                    {p.node ? ` on ${p.node}` : ''}
                  </li>
                ))}
              </ul>
            )}
            {r.workloads.problems.length > 0 && (
              <>
                <h3>Workloads short of replicas</h3>
                {clusterOk && (
                  <p className="muted">
                    The cluster itself is healthy and no incident is open: these fail for reasons of their own
                    (their pods' logs and events say which).
                  </p>
                )}
                <ul className="checks">
                  {r.workloads.problems.slice(0, 20).map((w) => (
                    <li key={w.key} className={r.clusterHealthy ? undefined : 'bad'}>
                      {w.kind} {w.key}: {w.ready} of {w.desired} ready
                    </li>
                  ))}
                </ul>
              </>
            )}
          </section>
          <section aria-labelledby="sources">
            <h2 id="sources">Sources</h2>
            <p>
              {r.sources.fresh} fresh
              {r.sources.stale.length ? `, ${r.sources.stale.length} stale or never seen` : ''}
              {r.sources.forbidden.length
                ? `, ${r.sources.forbidden.length} forbidden (not granted to kubetriage's role; the proxy scrapes need the opt-in kubetriage-read-proxy role)`
                : ''}
              .
            </p>
            {r.sources.notApplicable.length > 0 && (
              <ul className="checks not-applicable">
                {r.sources.notApplicable.map((s) => (
                  <li key={s.source}>
                    {s.source}: not applicable, {s.reason}.
                  </li>
                ))}
              </ul>
            )}
            {staleKinds(r).length > 0 && (
              <ul className="checks">
                {staleKinds(r).map(([kind, n]) => (
                  <li key={kind} className="bad">
                    {kind}: {n} stale
                  </li>
                ))}
              </ul>
            )}
            {r.sources.stale.length > 0 && (
              <details>
                <summary>Which sources, and the last error of each</summary>
                <ul className="checks">
                  {r.sources.stale.slice(0, 100).map((s) => (
                    <li key={s.source} className="bad">
                      {s.source}: {s.state}
                      {s.staleSinceMs ? ` for ${ago(s.staleSinceMs, r.atMs)}` : ''}
                      {s.lastError ? <span className="muted"> ({s.lastError})</span> : null}
                    </li>
                  ))}
                </ul>
                {r.sources.stale.length > 100 && <p>and {r.sources.stale.length - 100} more.</p>}
              </details>
            )}
          </section>
        </div>
      )}
      <section aria-labelledby="all-incidents">
        <h2 id="all-incidents">Incidents</h2>
        {incidents.data ? <IncidentTable incidents={incidents.data.incidents} /> : <p>Loading…</p>}
      </section>
    </>
  );
}
