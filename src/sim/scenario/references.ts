/**
 * The checks one field cannot make alone: names that must exist elsewhere in the file
 * (pools, workloads, containers, Services, fault ids), times that must fall inside the
 * scenario and in order, and an expected diagnosis that agrees with the timeline (a
 * healthy scenario injects no fault). Each problem carries the path of the field to fix.
 */
import { possibleNodeNames, serviceCatalog, workloadCatalog } from './catalog.ts';
import type { NodeTarget, Scenario } from './schema.ts';
import { parseDuration, parseIsoTime, resolveInstant } from './time-spec.ts';

export interface ReferenceIssue {
  path: (string | number)[];
  message: string;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** Operator actions that change the cluster and can, by themselves, cause its failure. */
const changeActions: ReadonlySet<string> = new Set([
  'upgrade',
  'rollback',
  'label-nodes',
  'apply-webhook',
  'set-env',
  'scale-workload',
  'set-resources',
  'set-image',
]);

export function scenarioReferenceIssues(s: Scenario): ReferenceIssue[] {
  const issues: ReferenceIssue[] = [];
  const report = (path: (string | number)[], message: string): void => {
    issues.push({ path, message });
  };

  const startMs = parseIsoTime(s.start) ?? 0;
  const endMs = startMs + (parseDuration(s.duration) ?? 0);
  /** Resolves an instant and checks it lies within the scenario. */
  const within = (path: (string | number)[], at: string | undefined): number | undefined => {
    if (at === undefined) return undefined;
    const ms = resolveInstant(at, startMs);
    if (ms === undefined) return undefined;
    if (ms < startMs || ms > endMs) {
      report(path, `${at} is outside the scenario (${s.start} to ${iso(endMs)}, start plus ${s.duration})`);
    }
    return ms;
  };

  // Names declared once.
  const pools = new Set<string>();
  s.cluster.nodePools.forEach((p, i) => {
    if (pools.has(p.name))
      report(['cluster', 'nodePools', i, 'name'], `node pool "${p.name}" is declared twice`);
    pools.add(p.name);
  });
  s.cluster.ingress?.loadBalancer?.targetPools.forEach((pool, i) => {
    if (!pools.has(pool))
      report(
        ['cluster', 'ingress', 'loadBalancer', 'targetPools', i],
        `no node pool "${pool}" in cluster.nodePools`,
      );
  });
  const workloads = workloadCatalog(s);
  const services = serviceCatalog(s);
  const nodeNames = possibleNodeNames(s);
  const namespaces = new Set<string>(['default', 'kube-system']);
  const seenNamespaces = new Set<string>();
  const seenWorkloads = new Set<string>();
  const seenServices = new Set<string>();
  s.workloads.namespaces.forEach((ns, n) => {
    const nsPath = ['workloads', 'namespaces', n];
    if (seenNamespaces.has(ns.name)) report([...nsPath, 'name'], `namespace "${ns.name}" is declared twice`);
    seenNamespaces.add(ns.name);
    namespaces.add(ns.name);
    for (const kind of ['deployments', 'daemonsets', 'statefulsets'] as const) {
      ns[kind].forEach((w, i) => {
        const wPath = [...nsPath, kind, i];
        const key = `${ns.name}/${w.name}`;
        const implied = workloads.get(key)?.implied;
        if (seenWorkloads.has(key)) report([...wPath, 'name'], `workload ${key} is declared twice`);
        else if (implied)
          report(
            [...wPath, 'name'],
            `workload ${key} is already implied by cluster.serviceProxy or cluster.dns`,
          );
        seenWorkloads.add(key);
        if (w.service) {
          const svc = `${ns.name}/${w.service.name ?? w.name}`;
          if (seenServices.has(svc) || svc === 'kube-system/kube-dns' || svc === 'default/kubernetes')
            report([...wPath, 'service'], `service ${svc} is declared twice (or is one every cluster has)`);
          seenServices.add(svc);
        }
        const containerNames = new Set<string>();
        w.containers.forEach((c, ci) => {
          if (containerNames.has(c.name))
            report([...wPath, 'containers', ci, 'name'], `container "${c.name}" appears twice in ${key}`);
          containerNames.add(c.name);
        });
        w.containers.forEach((c, ci) => {
          c.needs.forEach((need, ni) => {
            const path = [...wPath, 'containers', ci, 'needs', ni];
            if (need.startsWith('service:') && !services.has(need.slice('service:'.length))) {
              report(
                path,
                `no service ${need.slice('service:'.length)} is declared (a workload's service, default/kubernetes or kube-system/kube-dns)`,
              );
            }
            if (need.startsWith('container:')) {
              const other = need.slice('container:'.length);
              if (other === c.name) report(path, `container "${c.name}" cannot need itself`);
              else if (!containerNames.has(other)) report(path, `${key} has no container "${other}"`);
            }
          });
        });
      });
    }
  });

  const checkPool = (path: (string | number)[], pool: string) => {
    if (!pools.has(pool)) report(path, `no node pool "${pool}" (pools: ${[...pools].join(', ')})`);
  };
  const checkTarget = (path: (string | number)[], t: NodeTarget | undefined) => {
    if (!t) return;
    t.pools?.forEach((p, i) => {
      checkPool([...path, 'pools', i], p);
    });
    t.names?.forEach((n, i) => {
      if (!nodeNames.has(n))
        report([...path, 'names', i], `no node "${n}" (names are <nodeNamePrefix or pool->index)`);
    });
  };
  const checkWorkload = (path: (string | number)[], ref: string, container?: string) => {
    const w = workloads.get(ref);
    if (!w) report(path, `no workload ${ref} is declared (or implied by cluster)`);
    else if (container !== undefined && !w.containers.includes(container))
      report(path.slice(0, -1).concat('container'), `${ref} has no container "${container}"`);
  };
  const checkService = (path: (string | number)[], ref: string) => {
    if (!services.has(ref)) report(path, `no service ${ref} is declared`);
  };

  // Churn.
  s.churn.rollingDeploys.forEach((d, i) => {
    const path = ['churn', 'rollingDeploys', i];
    checkWorkload([...path, 'workload'], d.workload);
    const from = within([...path, 'from'], d.from);
    const until = within([...path, 'until'], d.until);
    if (from !== undefined && until !== undefined && until <= from)
      report([...path, 'until'], 'until must come after from');
  });
  s.churn.crashLoops.forEach((c, i) => {
    const path = ['churn', 'crashLoops', i];
    checkWorkload([...path, 'workload'], c.workload, c.container);
    const from = within([...path, 'from'], c.from);
    const until = within([...path, 'until'], c.until);
    if (from !== undefined && until !== undefined && until <= from)
      report([...path, 'until'], 'until must come after from');
  });
  s.churn.nodes.forEach((c, i) => {
    const path = ['churn', 'nodes', i];
    within([...path, 'at'], c.at);
    checkPool([...path, 'pool'], c.pool);
  });

  // Timeline.
  const faultIds = new Set<string>();
  const actionIds = new Set<string>();
  let previous: { ms: number; at: string } | undefined;
  s.timeline.forEach((e, i) => {
    const path = ['timeline', i];
    const ms = within([...path, 'at'], e.at);
    if (ms !== undefined) {
      if (previous && ms < previous.ms)
        report(
          [...path, 'at'],
          `${e.at} comes before the entry above it (${previous.at}); keep the timeline in order`,
        );
      previous = { ms, at: e.at };
    }
    if (e.fault) {
      const f = e.fault;
      const fPath = [...path, 'fault'];
      if (f.id !== undefined) {
        if (faultIds.has(f.id)) report([...fPath, 'id'], `fault id "${f.id}" is used twice`);
        faultIds.add(f.id);
      }
      if ('nodes' in f) checkTarget([...fPath, 'nodes'], f.nodes);
      if ('peers' in f) checkTarget([...fPath, 'peers'], f.peers);
      if (f.type === 'service-routing')
        f.services?.forEach((ref, si) => {
          checkService([...fPath, 'services', si], ref);
        });
      if (f.type === 'memory-leak' || f.type === 'disk-fill' || f.type === 'pid-leak')
        checkWorkload([...fPath, 'workload'], f.workload, f.container);
      if (f.type === 'dns-forward-loop' && s.cluster.dns.kind !== 'coredns')
        report(
          [...fPath, 'type'],
          'a forwarding loop stops CoreDNS (its loop plugin); cluster.dns.kind is not coredns',
        );
      if (f.type === 'node-scheduled-job') {
        const min = parseDuration(f.job.runtime.min) ?? 0;
        const max = parseDuration(f.job.runtime.max) ?? 0;
        if (max < min) report([...fPath, 'job', 'runtime', 'max'], 'max must not be below min');
      }
    }
    if (e.action) {
      const a = e.action;
      const aPath = [...path, 'action'];
      if (a.id !== undefined) {
        if (actionIds.has(a.id)) report([...aPath, 'id'], `action id "${a.id}" is used twice`);
        actionIds.add(a.id);
      }
      if ('nodes' in a) checkTarget([...aPath, 'nodes'], a.nodes);
      if (a.type === 'restart-workload' || a.type === 'scale-workload')
        checkWorkload([...aPath, 'workload'], a.workload);
      if (a.type === 'set-env' || a.type === 'set-resources' || a.type === 'set-image')
        checkWorkload([...aPath, 'workload'], a.workload, a.container);
    }
    if (e.heal) {
      if (e.heal.fault !== 'all' && !faultIds.has(e.heal.fault))
        report([...path, 'heal', 'fault'], `no earlier fault has id "${e.heal.fault}"`);
      checkTarget([...path, 'heal', 'nodes'], e.heal.nodes);
    }
  });

  // Expected diagnosis.
  const x = s.expected;
  const faults = s.timeline.filter((e) => e.fault).length;
  // Many outages are the operator's own change (an upgrade that drops a label a CNI
  // selects on, a webhook applied): the failure emerges from the change, with no fault.
  const changes = s.timeline.filter((e) => e.action && changeActions.has(e.action.type)).length;
  if (x.category === 'healthy' && faults > 0)
    report(['expected', 'category'], `a healthy scenario injects no fault, but the timeline has ${faults}`);
  if (x.category !== 'healthy') {
    if (faults === 0 && changes === 0)
      report(
        ['expected', 'category'],
        `"${x.category}" needs at least one fault, or a change that causes it (${[...changeActions].join(', ')}), on the timeline`,
      );
    if (x.onset === undefined)
      report(['expected', 'onset'], 'required field is missing (when the failure began)');
  }
  within(['expected', 'onset'], x.onset);
  within(['expected', 'detectBy'], x.detectBy);
  x.scope.pools.forEach((p, i) => {
    checkPool(['expected', 'scope', 'pools', i], p);
  });
  x.scope.namespaces.forEach((n, i) => {
    if (!namespaces.has(n)) report(['expected', 'scope', 'namespaces', i], `no namespace "${n}" is declared`);
  });
  x.scope.services.forEach((ref, i) => {
    checkService(['expected', 'scope', 'services', i], ref);
  });
  return issues;
}
