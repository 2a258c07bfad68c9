/**
 * Scenario files as an author meets them: a small valid file, then one broken variant per
 * row, each with the exact `file:line:col: path: message` lines the author is shown.
 * Line numbers refer to `tiny` below.
 */

import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario, resolveScenario, ScenarioError, scenariosDir } from './loader.ts';
import { categorySchema } from './schema.ts';

const tiny = `name: tiny
description: A tiny scenario for tests
source: { title: test }
start: 2024-01-01T00:00:00Z
duration: 2h
seed: 1
cluster:
  name: tiny
  provider: test
  distribution: kubeadm
  kubernetesVersion: v1.30.1
  controlPlane: { endpoint: 'https://10.0.0.1:6443', managed: false }
  serviceProxy: { kind: kube-proxy, mode: iptables, version: v1.30.1 }
  dns: { kind: coredns, version: 1.11.1, replicas: 2 }
  nodePools:
    - name: workers
      count: 3
      kubeletVersion: v1.30.1
      osImage: Ubuntu 22.04.4 LTS
      kernel: 5.15.0-107-generic
      containerRuntime: containerd://1.7.16
workloads:
  namespaces:
    - name: app
      deployments:
        - name: web
          replicas: 2
          containers:
            - name: web
              image: nginx:1.27
              needs: [dns, api]
timeline:
  - at: +30m
    fault:
      type: kubelet-stop
      nodes: { pools: [workers], count: 1 }
expected:
  category: kubelet-failure
  onset: +30m
  rootCause: one kubelet stops
`;

const file = 'scenarios/tiny.yaml';

/** `tiny` with each [from, to] replacement applied once; a missing `from` is a broken test. */
function variant(...edits: [string, string][]): string {
  let text = tiny;
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`test edit does not apply: ${JSON.stringify(from)}`);
    text = text.replace(from, to);
  }
  return text;
}

function problems(text: string, fileName = file): string[] {
  try {
    parseScenario(text, fileName);
  } catch (e) {
    if (e instanceof ScenarioError) return e.message.split('\n');
    throw e;
  }
  return [];
}

describe('parseScenario', () => {
  it('accepts a valid file and fills in defaults', () => {
    const s = parseScenario(tiny, file);
    expect(s.name).toBe('tiny');
    expect(s.cluster.nodePools[0].role).toBe('worker');
    expect(s.cluster.controlPlane.serviceIp).toBe('10.96.0.1');
    expect(s.workloads.namespaces[0].deployments[0].containers[0].onNeedFailure).toBe('unready');
    expect(s.churn).toEqual({ rollingDeploys: [], crashLoops: [], nodes: [] });
    const fault = s.timeline[0].fault;
    expect(fault?.type).toBe('kubelet-stop');
    expect(fault && 'clearedBy' in fault ? fault.clearedBy : undefined).toEqual(['reboot', 'replace']);
  });

  it('accepts a CRI-O runtime as the kubelet reports it (cri-o://<version>)', () => {
    const s = parseScenario(tiny.replace('containerd://1.7.16', 'cri-o://1.23.5'), file);
    expect(s.cluster.nodePools[0].containerRuntime).toBe('cri-o://1.23.5');
  });

  it.each<[string, [string, string][], string[]]>([
    [
      'wrong type',
      [['count: 1 }', 'count: three }']],
      [`${file}:36:41: timeline[0].fault.nodes.count: expected a positive integer, got "three"`],
    ],
    [
      'missing field',
      [['      kernel: 5.15.0-107-generic\n', '']],
      [`${file}:16:7: cluster.nodePools[0].kernel: required field is missing (expected a string)`],
    ],
    [
      'unknown fault type',
      [['type: kubelet-stop', 'type: kubelet-explode']],
      [
        `${file}:35:13: timeline[0].fault.type: unknown fault type "kubelet-explode"; expected one of kubelet-stop, kubelet-flap, node-network, node-dns, dns-overload, dns-forward-loop, memory-leak, disk-fill, node-disk-fill, pid-leak, service-routing, proxy-rule-format-mismatch, api-server-unreachable, api-server-degraded, component-version-change, node-scheduled-job, runtime-stall, node-reboot, node-replace, bgp-session-blocked, overlay-tunnel-blocked, pod-ip-leak, ip-pool-exhausted, conntrack-flood, path-mtu-drop, lb-targets-deregistered, lb-health-checks-failing, registry-outage, etcd-member-down, etcd-slow-disk, etcd-database-full, certificate-expires, apiserver-crash, api-client, api-client-surge, webhook-server, webhook-certificate`,
      ],
    ],
    [
      'bad duration',
      [['duration: 2h', 'duration: 2 hours']],
      [`${file}:5:11: duration: expected a duration such as 15m, 2h or 3d, got "2 hours"`],
    ],
    [
      'malformed YAML',
      [['[dns, api]', '[dns, api']],
      [
        `${file}:32:1: malformed YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
      ],
    ],
    [
      'duplicate key',
      [['seed: 1', 'seed: 1\nseed: 2']],
      [`${file}:7:1: malformed YAML: Map keys must be unique`],
    ],
    [
      'an unquoted version YAML reads as a number',
      [['kubeletVersion: v1.30.1', 'kubeletVersion: 1.30']],
      [
        `${file}:18:23: cluster.nodePools[0].kubeletVersion: expected a version string such as "v1.28.2" (quote it in YAML), got 1.30`,
      ],
    ],
    [
      'unknown field',
      [['      count: 3\n', '      count: 3\n      cont: 4\n']],
      [`${file}:18:7: cluster.nodePools[0].cont: unknown field (check its spelling and indentation)`],
    ],
    [
      'bad need',
      [['[dns, api]', '[dns, apiserver]']],
      [
        `${file}:31:28: workloads.namespaces[0].deployments[0].containers[0].needs[1]: expected a need: dns, api, api:<group>/<version>/<resource>, service:<namespace>/<name>, container:<name> or external:<host>[:<port>], got "apiserver"`,
      ],
    ],
    [
      'bad enum value',
      [['category: kubelet-failure', 'category: gremlins']],
      [
        `${file}:38:13: expected.category: expected one of ${categorySchema.options.join(', ')}, got "gremlins"`,
      ],
    ],
    [
      'every problem, not only the first, in file order',
      [
        ['seed: 1', 'seed: -1'],
        ['replicas: 2\n          containers', 'replicas: two\n          containers'],
        ['start: 2024-01-01T00:00:00Z', 'start: 2024-01-01 00:00'],
      ],
      [
        `${file}:4:8: start: expected an ISO time with a zone, such as 2018-07-19T15:00:00Z, got "2024-01-01 00:00"`,
        `${file}:6:7: seed: expected a whole number, got -1`,
        `${file}:27:21: workloads.namespaces[0].deployments[0].replicas: expected a whole number, got "two"`,
      ],
    ],
    ['empty file', [[tiny, '']], [`${file}:1:1: (top level): expected a mapping, got an empty value`]],
    [
      'a label selector kube-apiserver would refuse',
      [['nodes: { pools: [workers], count: 1 }', "nodes: { selector: 'pool in (a' }"]],
      [
        `${file}:36:26: timeline[0].fault.nodes.selector: not a valid label selector: unable to parse requirement: found '', expected: ',' or ')'`,
      ],
    ],
    [
      'partial loss without a rate',
      [['type: kubelet-stop', 'type: node-network\n      loss: partial']],
      [`${file}:35:7: timeline[0].fault: partial loss takes a rate (0-1); total loss takes none`],
    ],
  ])('%s', (_, edits, expected) => {
    expect(problems(variant(...edits))).toEqual(expected);
  });

  it('reports a YAML slip where it is, before what it confuses further down', () => {
    const lines = problems(variant(['  name: tiny\n', '  name: tiny\n\tprovider: test\n']));
    expect(lines[0]).toBe(`${file}:9:1: malformed YAML: Tabs are not allowed as indentation`);
    expect(lines.length).toBeGreaterThan(1);
  });
});

describe('workload changes: set-resources and set-image', () => {
  const faultEntry = 'fault:\n      type: kubelet-stop\n      nodes: { pools: [workers], count: 1 }';
  const withAction = (action: string) => variant([faultEntry, `action: ${action}`]);

  it('accepts requests and limits in Kubernetes quantities, CPU as the API server gives it back', () => {
    const s = parseScenario(
      withAction(
        '{ type: set-resources, workload: app/web, container: web, requests: { cpu: 0.5, memory: 256Mi }, limits: { cpu: 1000m, memory: 512Mi, ephemeral-storage: 1Gi } }',
      ),
      file,
    );
    expect(s.timeline[0].action).toEqual({
      type: 'set-resources',
      by: 'operator',
      workload: 'app/web',
      container: 'web',
      requests: { cpu: '500m', memory: '256Mi' },
      limits: { cpu: '1', memory: '512Mi', 'ephemeral-storage': '1Gi' },
    });
  });

  it('accepts a new image for one container', () => {
    const s = parseScenario(
      withAction('{ type: set-image, workload: app/web, container: web, image: nginx:1.28 }'),
      file,
    );
    expect(s.timeline[0].action).toMatchObject({ type: 'set-image', container: 'web', image: 'nginx:1.28' });
  });

  it.each<[string, string, string[]]>([
    [
      'a memory limit in a unit Kubernetes does not know',
      '{ type: set-resources, workload: app/web, container: web, limits: { memory: 512MB } }',
      [
        `${file}:34:89: timeline[0].action.limits.memory: expected a memory quantity such as 512Mi or 2Gi, got "512MB"`,
      ],
    ],
    [
      'a CPU request in words',
      '{ type: set-resources, workload: app/web, container: web, requests: { cpu: half } }',
      [
        `${file}:34:88: timeline[0].action.requests.cpu: expected a CPU quantity such as 250m or 1.5, got "half"`,
      ],
    ],
    [
      'ephemeral storage that is not a quantity',
      '{ type: set-resources, workload: app/web, container: web, limits: { ephemeral-storage: lots } }',
      [
        `${file}:34:100: timeline[0].action.limits.ephemeral-storage: expected a storage quantity such as 1Gi or 500Mi, got "lots"`,
      ],
    ],
    [
      'a resource the action does not set',
      '{ type: set-resources, workload: app/web, container: web, limits: { gpu: 1 } }',
      [`${file}:34:81: timeline[0].action.limits.gpu: unknown field (check its spelling and indentation)`],
    ],
    [
      'nothing to set',
      '{ type: set-resources, workload: app/web, container: web, requests: {} }',
      [
        `${file}:34:13: timeline[0].action: set-resources needs at least one request or limit (cpu, memory, ephemeral-storage)`,
      ],
    ],
    [
      'a container the workload does not have',
      '{ type: set-image, workload: app/web, container: nginx, image: nginx:1.28 }',
      [`${file}:34:62: timeline[0].action.container: app/web has no container "nginx"`],
    ],
    [
      'no container named',
      '{ type: set-image, workload: app/web, image: nginx:1.28 }',
      [
        `${file}:34:13: timeline[0].action.container: required field is missing (expected a lowercase name (a-z, 0-9, -))`,
      ],
    ],
  ])('refuses %s', (_, action, expected) => {
    expect(problems(withAction(action))).toEqual(expected);
  });
});

describe('references between parts of the file', () => {
  it.each<[string, [string, string][], string[]]>([
    [
      'a pool that does not exist',
      [['pools: [workers]', 'pools: [wrokers]']],
      [`${file}:36:24: timeline[0].fault.nodes.pools[0]: no node pool "wrokers" (pools: workers)`],
    ],
    [
      'a time outside the scenario',
      [['  - at: +30m', '  - at: +3h']],
      [
        `${file}:33:9: timeline[0].at: +3h is outside the scenario (2024-01-01T00:00:00Z to 2024-01-01T02:00:00Z, start plus 2h)`,
      ],
    ],
    [
      'a timeline out of order',
      [
        [
          'timeline:\n',
          'timeline:\n  - at: +1h\n    action: { type: restart-workload, workload: app/web }\n',
        ],
      ],
      [
        `${file}:35:9: timeline[1].at: +30m comes before the entry above it (+1h); keep the timeline in order`,
      ],
    ],
    [
      'a service nobody declares',
      [['[dns, api]', '[dns, service:app/db]']],
      [
        `${file}:31:28: workloads.namespaces[0].deployments[0].containers[0].needs[1]: no service app/db is declared (a workload's service, default/kubernetes or kube-system/kube-dns)`,
      ],
    ],
    [
      'a sidecar the pod does not have',
      [['[dns, api]', '[container:proxy]']],
      [
        `${file}:31:23: workloads.namespaces[0].deployments[0].containers[0].needs[0]: app/web has no container "proxy"`,
      ],
    ],
    [
      'an action on a workload that does not exist',
      [
        [
          'fault:\n      type: kubelet-stop\n      nodes: { pools: [workers], count: 1 }',
          'action: { type: restart-workload, workload: app/api }\n  - at: +31m\n    fault: { type: kubelet-stop }',
        ],
      ],
      [`${file}:34:49: timeline[0].action.workload: no workload app/api is declared (or implied by cluster)`],
    ],
    [
      'a heal of a fault that was never injected',
      [['expected:', '  - at: +1h\n    heal: { fault: kubelet }\nexpected:']],
      [`${file}:38:20: timeline[1].heal.fault: no earlier fault has id "kubelet"`],
    ],
    [
      'a healthy scenario with a fault',
      [['category: kubelet-failure', 'category: healthy']],
      [`${file}:38:13: expected.category: a healthy scenario injects no fault, but the timeline has 1`],
    ],
    [
      'a failure with neither a fault nor a change that causes it',
      [
        [
          'fault:\n      type: kubelet-stop\n      nodes: { pools: [workers], count: 1 }',
          'action: { type: restart-workload, workload: app/web }',
        ],
      ],
      [
        `${file}:36:13: expected.category: "kubelet-failure" needs at least one fault, or a change that causes it (upgrade, rollback, label-nodes, apply-webhook, set-env, scale-workload, set-resources, set-image), on the timeline`,
      ],
    ],
    [
      'an entry with both a fault and an action',
      [['  - at: +30m\n', '  - at: +30m\n    action: { type: restart-workload, workload: app/web }\n']],
      [`${file}:33:5: timeline[0]: each timeline entry takes exactly one of fault, action or heal`],
    ],
    [
      'a file named differently from its scenario',
      [['name: tiny\n', 'name: small\n']],
      [`${file}:1:7: name: expected "tiny" (the file's name), got "small"`],
    ],
    [
      'restarting the implied CoreDNS is fine, a typo in it is not',
      [
        [
          'fault:\n      type: kubelet-stop\n      nodes: { pools: [workers], count: 1 }',
          'action: { type: restart-workload, workload: kube-system/core-dns }\n  - at: +31m\n    fault: { type: kubelet-stop }',
        ],
      ],
      [
        `${file}:34:49: timeline[0].action.workload: no workload kube-system/core-dns is declared (or implied by cluster)`,
      ],
    ],
    [
      'a forwarding loop in a cluster whose DNS is kube-dns (only CoreDNS has the loop plugin)',
      [
        ['kind: coredns', 'kind: kube-dns'],
        [
          'fault:\n      type: kubelet-stop\n      nodes: { pools: [workers], count: 1 }',
          'fault: { type: dns-forward-loop }',
        ],
      ],
      [
        `${file}:34:20: timeline[0].fault.type: a forwarding loop stops CoreDNS (its loop plugin); cluster.dns.kind is not coredns`,
      ],
    ],
  ])('%s', (_, edits, expected) => {
    expect(problems(variant(...edits))).toEqual(expected);
  });

  it('accepts a failure caused by an operator change alone (an upgrade that drops a label)', () => {
    const text = variant([
      'fault:\n      type: kubelet-stop\n      nodes: { pools: [workers], count: 1 }',
      'action: { type: upgrade, component: control-plane, to: v1.31.0 }',
    ]);
    expect(problems(text)).toEqual([]);
  });

  it('accepts the implied kube-system workloads by their usual names', () => {
    const text = variant([
      'timeline:\n',
      'timeline:\n  - at: +10m\n    action: { type: restart-workload, workload: kube-system/coredns }\n  - at: +11m\n    action: { type: restart-workload, workload: kube-system/kube-proxy }\n',
    ]);
    expect(problems(text)).toEqual([]);
  });
});

describe('finding scenario files', () => {
  it.each([
    ['airmap-2018', `${scenariosDir}airmap-2018.yaml`],
    ['/tmp/x.yaml', '/tmp/x.yaml'],
  ])('resolves %s', (arg, path) => {
    expect(resolveScenario(arg)).toBe(path);
  });

  it('loads a shipped scenario by name, naming the file relative to the repository', async () => {
    const s = await loadScenario('airmap-2018');
    expect(s.name).toBe('airmap-2018');
  });

  it('says which scenarios exist when a name is unknown', async () => {
    await expect(loadScenario('no-such-outage')).rejects.toThrow(
      /scenario "no-such-outage" not found .*shipped scenarios: .*airmap-2018, .*circleci-2023/,
    );
  });
});
