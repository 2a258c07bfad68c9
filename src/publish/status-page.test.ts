import { describe, expect, it } from 'vitest';
import { hypothesis, incident, t0 } from '../incident/fixtures.ts';
import { componentNames } from './public-words.ts';
import { buildStatusPage } from './status-page.ts';
import { renderStatusPageHtml } from './status-page-html.ts';
import { autoUpdate } from './status-updates.ts';

const minute = 60_000;
const page = (incidents: Parameters<typeof buildStatusPage>[0]['incidents'], findings = []) =>
  buildStatusPage({ name: 'prod', nowMs: t0 + 60 * minute, incidents, findings });
const stateOf = (p: ReturnType<typeof page>, name: string) =>
  p.components.find((c) => c.name === name)?.status;

describe('status page', () => {
  it('is all operational with no incidents', () => {
    const p = page([]);
    expect(p.status).toEqual({ indicator: 'none', description: 'All Systems Operational' });
    expect(p.components.map((c) => c.status)).toEqual(Array(componentNames.length).fill('operational'));
  });

  it.each([
    ['control-plane-unreachable', 'control-plane', 'Control plane', 'major_outage'],
    ['node-network', 'nodes', 'Nodes', 'partial_outage'],
    ['service-routing', 'service-networking', 'Service networking', 'partial_outage'],
    ['cluster-dns', 'service-networking', 'DNS', 'partial_outage'],
  ])('%s puts %s in %s', (pattern, family, component, state) => {
    const p = page([incident({ family }, { pattern })]);
    expect(stateOf(p, component)).toBe(state);
  });

  it('does not call the cluster operational while the API server refuses kubetriage', () => {
    const p = page([
      incident({ family: 'monitoring-access' }, { pattern: 'credentials-rejected', severity: 'warning' }),
    ]);
    expect(stateOf(p, 'Control plane')).toBe('degraded_performance');
    expect(p.status.description).not.toBe('All Systems Operational');
  });

  it('calls no component operational while kubetriage cannot read the cluster, and says why', () => {
    const cp = incident({ family: 'control-plane' }, { pattern: 'control-plane-unreachable' });
    const p = buildStatusPage({
      name: 'prod',
      nowMs: t0 + 60 * minute,
      incidents: [cp],
      unseen: 'the monitoring has lost its connection to the cluster',
    });
    expect(p.components.map((c) => c.status)).not.toContain('operational');
    expect(stateOf(p, 'Control plane')).toBe('major_outage');
    expect(p.components.find((c) => c.name === 'Control plane')?.description).toBeUndefined();
    expect(p.components.find((c) => c.name === 'Nodes')?.description).toBe(
      'Status unknown: the monitoring has lost its connection to the cluster',
    );
    expect(p.status.description).toBe(
      'Status unknown: the monitoring has lost its connection to the cluster',
    );
    const html = renderStatusPageHtml(p);
    expect(html).toContain('Status unknown');
    expect(html).not.toContain('>Operational<');
  });

  it('degrades Workloads when the root cause reaches applications, and only degrades in Monitoring', () => {
    const withApps = incident({}, { blastRadius: { nodes: ['n1'], workloads: ['shop/Deployment/web'] } });
    expect(stateOf(page([withApps]), 'Workloads')).toBe('degraded_performance');
    expect(stateOf(page([{ ...withApps, status: 'monitoring' }]), 'Nodes')).toBe('degraded_performance');
    expect(stateOf(page([incident({}, { severity: 'warning' })]), 'Nodes')).toBe('degraded_performance');
  });

  it("takes the operator's component states from the latest update that set any, for open incidents only", () => {
    const i = incident({ family: 'nodes' }, { pattern: 'node-network' });
    i.updates.push({
      atMs: t0,
      status: 'investigating',
      message: 'DNS is down too',
      author: 'ana',
      components: { DNS: 'major_outage', Nodes: 'degraded_performance' },
    });
    i.updates.push({ atMs: t0 + minute, status: 'investigating', message: 'still looking', author: 'ana' });
    const p = page([i]);
    expect(stateOf(p, 'DNS')).toBe('major_outage');
    // The operator's word replaces kubetriage's estimate (partial_outage) for that component.
    expect(stateOf(p, 'Nodes')).toBe('degraded_performance');
    expect(p.status.indicator).toBe('critical');
    expect(p.incidents[0].components).toEqual(['Nodes', 'DNS']);
    i.updates.push({
      atMs: t0 + 2 * minute,
      status: 'investigating',
      message: 'DNS is back',
      author: 'ana',
      components: { DNS: 'operational' },
    });
    expect(stateOf(page([i]), 'DNS')).toBe('operational');
    expect(stateOf(page([i]), 'Nodes')).toBe('partial_outage');
    expect(stateOf(page([{ ...i, status: 'resolved', resolvedAtMs: t0 + 3 * minute }]), 'DNS')).toBe(
      'operational',
    );
  });

  it('lists resolved incidents of the last week as past, with their impact at worst', () => {
    const old = incident({ id: 'INC-0001', status: 'resolved', resolvedAtMs: t0 - 8 * 86_400_000 });
    const recent = incident({ id: 'INC-0002', status: 'resolved', resolvedAtMs: t0 + 30 * minute });
    const p = page([old, recent]);
    expect(p.incidents).toEqual([]);
    expect(p.past_incidents.map((i) => [i.id, i.impact, i.resolved_at])).toEqual([
      ['INC-0002', 'major', '2026-01-01T15:32:00Z'],
    ]);
    expect(stateOf(p, 'Nodes')).toBe('operational');
    // The resolution changed the page, published update or not.
    expect(p.page.updated_at).toBe('2026-01-01T15:32:00Z');
  });

  it('shows updates newest first and never the internal evidence', () => {
    const i = incident({ status: 'investigating' });
    i.updates.push(autoUpdate(i, t0)!);
    i.status = 'identified';
    i.updates.push(autoUpdate(i, t0 + minute)!);
    const p = page([i]);
    const updates = p.incidents[0].incident_updates;
    expect(updates.map((u) => u.status)).toEqual(['identified', 'investigating']);
    expect(updates[0].body).toBe(
      'The cause has been identified: a network problem on some nodes. We are working on a fix.',
    );
    expect(JSON.stringify(p)).not.toContain('aks-1');
    expect(p.incidents[0].name).toBe('Nodes unavailable');
  });

  it('posts an automatic update only when the status moved since the latest one', () => {
    const i = incident({ status: 'identified' });
    i.updates.push({ atMs: t0, status: 'identified', message: 'We know; fix rolling out.', author: 'alice' });
    expect(autoUpdate(i, t0 + minute)).toBeUndefined();
    i.status = 'resolved';
    i.resolvedAtMs = t0 + 45 * minute;
    expect(autoUpdate(i, t0 + 45 * minute)?.message).toBe(
      'This incident has been resolved. It lasted 45 minutes.',
    );
  });

  it('renders HTML with every state and escapes what people wrote', () => {
    const i = incident({ status: 'identified' });
    i.updates.push({
      atMs: t0,
      status: 'identified',
      message: '<script>alert(1)</script> & more',
      author: 'bob',
    });
    const html = renderStatusPageHtml(page([i]));
    expect(html).toContain('Partial outage');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; more');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<meta http-equiv="refresh" content="30">');
  });

  it('counts single-workload findings against Workloads', () => {
    const f = hypothesis({ pattern: 'app-bug', clusterLevel: false, severity: 'warning' });
    expect(stateOf(page([], [f] as never), 'Workloads')).toBe('degraded_performance');
  });
});

describe('status page: what the cluster shows is down', () => {
  it('takes the worse of the incidents and the observed states', () => {
    const p = buildStatusPage({
      name: 'prod',
      nowMs: t0,
      incidents: [],
      observed: { Workloads: 'degraded_performance', Ingress: 'partial_outage' },
    });
    expect(stateOf(p, 'Workloads')).toBe('degraded_performance');
    expect(stateOf(p, 'Ingress')).toBe('partial_outage');
    expect(p.status.indicator).toBe('major');
  });
});

describe('status page: scheduled maintenance', () => {
  const window = {
    id: 'MNT-0001',
    name: 'Node pool upgrade',
    status: 'scheduled' as const,
    scheduledForMs: t0,
    scheduledUntilMs: t0 + 120 * minute,
    components: ['Nodes' as const],
    autoStart: true,
    autoComplete: true,
    createdAtMs: t0 - 60 * minute,
    author: 'alice',
    updates: [],
  };

  it('shows the maintained components under maintenance and keeps what else is down', () => {
    const nodes = incident({ family: 'nodes' }, { pattern: 'node-network' });
    const dns = incident({ id: 'INC-0002', family: 'service-networking' }, { pattern: 'cluster-dns' });
    const p = buildStatusPage({
      name: 'prod',
      nowMs: t0 + 30 * minute,
      incidents: [nodes, dns],
      maintenances: [window],
    });
    expect(stateOf(p, 'Nodes')).toBe('under_maintenance');
    expect(stateOf(p, 'DNS')).toBe('partial_outage');
    // Something unplanned is down: the banner says that, not "under maintenance".
    expect(p.status.indicator).toBe('major');
  });

  it('never calls a component under maintenance while the cluster cannot be seen', () => {
    const p = buildStatusPage({
      name: 'prod',
      nowMs: t0 + 30 * minute,
      incidents: [],
      maintenances: [window],
      unseen: 'the monitoring has lost its connection to the cluster',
    });
    expect(stateOf(p, 'Nodes')).toBe('degraded_performance');
    expect(p.components.find((c) => c.name === 'Nodes')?.description).toContain('Status unknown');
  });

  it('lists upcoming and underway windows, not completed ones', () => {
    const later = {
      ...window,
      id: 'MNT-0002',
      scheduledForMs: t0 + 300 * minute,
      scheduledUntilMs: t0 + 360 * minute,
    };
    const done = { ...window, id: 'MNT-0003', status: 'completed' as const };
    const p = buildStatusPage({
      name: 'prod',
      nowMs: t0 + 30 * minute,
      incidents: [],
      maintenances: [later, done, window],
    });
    expect(p.scheduled_maintenances.map((m) => [m.id, m.status])).toEqual([
      ['MNT-0001', 'in_progress'],
      ['MNT-0002', 'scheduled'],
    ]);
  });
});
