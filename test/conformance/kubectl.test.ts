/**
 * kubectl conformance: runs the real kubectl (v1.32) against the simulator and asserts on
 * what kubectl actually prints, so the simulator is held to the protocol kubectl relies on
 * (kubernetes.md §1–2), not just to exit codes. Every describe block that changes state
 * gets its own cluster, so no test depends on another's side effects.
 */

import type { ChildProcess } from 'node:child_process';
import { get as httpsGet } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/sim/api/k8s-types.ts';
import { resourceForKind } from '../../src/sim/api/resources.ts';
import type { Simulator } from '../../src/sim/simulator.ts';
import { type KubectlResult, type SimCluster, startSimCluster } from '../support/sim-cluster.ts';

const podType = resourceForKind('Pod')!;
const eventType = resourceForKind('Event')!;

interface PodView extends KubeObject {
  spec?: { nodeName?: string };
}

interface Table {
  header: string[];
  rows: Record<string, string>[];
}

/**
 * Parses kubectl's column output. Header names may hold single spaces ("NOMINATED NODE");
 * tabwriter pads columns with at least three, and cells start where their header starts.
 */
function parseTable(text: string): Table {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return { header: [], rows: [] };
  const cols = [...lines[0].matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], start: m.index }));
  const rows = lines
    .slice(1)
    .map((line) =>
      Object.fromEntries(cols.map((c, i) => [c.name, line.slice(c.start, cols[i + 1]?.start).trim()])),
    );
  return { header: cols.map((c) => c.name), rows };
}

/** `get a,b,c` prints one table per kind, separated by a blank line. */
function parseTables(text: string): Table[] {
  return text
    .split(/\n\s*\n/)
    .filter((s) => s.trim() !== '')
    .map(parseTable);
}

/** Expects success and returns stdout; on failure the message shows what kubectl said. */
function ok(r: KubectlResult): string {
  expect(r.stderr, `kubectl failed (exit ${r.code})`).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

function podsOf(sim: Simulator, filter: (p: PodView) => boolean): PodView[] {
  return (sim.store.listObjects(podType) as PodView[]).filter(filter);
}

function podOn(sim: Simulator, node: string, label: [string, string]): PodView {
  const [k, v] = label;
  const pod = podsOf(sim, (p) => p.spec?.nodeName === node && p.metadata.labels?.[k] === v)[0];
  if (!pod) throw new Error(`fixture has no ${k}=${v} pod on ${node}`);
  return pod;
}

const podKey = (p: PodView): string => `${p.metadata.namespace}/${p.metadata.name}`;

async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** A long-running kubectl (logs -f, drain) whose combined output can be polled. */
interface Running {
  child: ChildProcess;
  output(): string;
  finished(): boolean;
  exited: Promise<number | null>;
}

function track(child: ChildProcess): Running {
  let out = '';
  let done = false;
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      done = true;
      resolve(code);
    });
  });
  return { child, output: () => out, finished: () => done, exited };
}

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

async function within<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('kubectl against a healthy cluster (read-only)', () => {
  let c: SimCluster;
  beforeAll(async () => {
    c = await startSimCluster();
  });
  afterAll(async () => {
    await c?.stop();
  });

  describe('get nodes', () => {
    it('-o wide prints the real node columns, one Ready row per node, cp-1 as control-plane', async () => {
      const t = parseTable(ok(await c.kubectl(['get', 'nodes', '-o', 'wide'])));
      expect(t.header).toEqual([
        'NAME',
        'STATUS',
        'ROLES',
        'AGE',
        'VERSION',
        'INTERNAL-IP',
        'EXTERNAL-IP',
        'OS-IMAGE',
        'KERNEL-VERSION',
        'CONTAINER-RUNTIME',
      ]);
      expect(t.rows.map((r) => r.NAME)).toEqual(['cp-1', 'worker-1', 'worker-2', 'worker-3']);
      for (const r of t.rows) {
        expect(r.STATUS).toBe('Ready');
        expect(r.VERSION).toBe('v1.32.4');
        expect(r['INTERNAL-IP']).toMatch(/^10\.0\.0\.\d+$/);
        expect(r['EXTERNAL-IP']).toBe('<none>');
        expect(r['OS-IMAGE']).not.toBe('');
        expect(r['KERNEL-VERSION']).not.toBe('');
        expect(r['CONTAINER-RUNTIME']).toMatch(/^containerd:\/\//);
      }
      expect(t.rows.find((r) => r.NAME === 'cp-1')?.ROLES).toBe('control-plane');
      for (const w of ['worker-1', 'worker-2', 'worker-3']) {
        expect(t.rows.find((r) => r.NAME === w)?.ROLES).toBe('<none>');
      }
    });

    it('without -o wide hides the priority-1 columns', async () => {
      const t = parseTable(ok(await c.kubectl(['get', 'nodes'])));
      expect(t.header).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
      expect(t.rows).toHaveLength(4);
    });

    it('-o json parses and every item carries what kubectl and describe need', async () => {
      const list = JSON.parse(ok(await c.kubectl(['get', 'nodes', '-o', 'json']))) as {
        kind: string;
        items: (KubeObject & {
          status: {
            conditions: { type: string; status: string }[];
            addresses: { type: string; address: string }[];
            nodeInfo: Record<string, string>;
            capacity: Record<string, string>;
            allocatable: Record<string, string>;
          };
        })[];
      };
      expect(list.kind).toBe('List');
      expect(list.items.map((n) => n.metadata.name)).toEqual(['cp-1', 'worker-1', 'worker-2', 'worker-3']);
      for (const n of list.items) {
        expect(n.kind).toBe('Node');
        expect(n.apiVersion).toBe('v1');
        expect(n.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
        expect(n.metadata.resourceVersion).toMatch(/^\d+$/);
        expect(n.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        expect(n.status.conditions.find((x) => x.type === 'Ready')?.status).toBe('True');
        expect(n.status.addresses.some((a) => a.type === 'InternalIP')).toBe(true);
        expect(n.status.nodeInfo.kubeletVersion).toBe('v1.32.4');
        expect(n.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\//);
        expect(n.status.capacity.pods).toBeDefined();
        expect(n.status.allocatable.cpu).toBeDefined();
      }
      expect(list.items[0].metadata.labels).toHaveProperty(['node-role.kubernetes.io/control-plane']);
    });

    it('the raw NodeList has the real list shape (list RV, items without kind)', async () => {
      const raw = JSON.parse(ok(await c.kubectl(['get', '--raw', '/api/v1/nodes']))) as {
        kind: string;
        apiVersion: string;
        metadata: { resourceVersion?: string };
        items: KubeObject[];
      };
      expect(raw.kind).toBe('NodeList');
      expect(raw.apiVersion).toBe('v1');
      expect(raw.metadata.resourceVersion).toMatch(/^\d+$/);
      expect(raw.items).toHaveLength(4);
      // Real apiservers leave kind/apiVersion off list items (kubernetes.md §1.3).
      for (const item of raw.items) {
        expect(item).not.toHaveProperty('kind');
        expect(item).not.toHaveProperty('apiVersion');
      }
    });

    it('-o name prints node/<name> for each node', async () => {
      expect(ok(await c.kubectl(['get', 'nodes', '-o', 'name']))).toBe(
        'node/cp-1\nnode/worker-1\nnode/worker-2\nnode/worker-3\n',
      );
    });

    it('get node worker-1 -o yaml is the Node object', async () => {
      const out = ok(await c.kubectl(['get', 'node', 'worker-1', '-o', 'yaml']));
      expect(out).toMatch(/^apiVersion: v1$/m);
      expect(out).toMatch(/^kind: Node$/m);
      expect(out).toMatch(/^ {2}name: worker-1$/m);
    });
  });

  describe('get pods', () => {
    it('-A -o wide: NAMESPACE and NODE columns, every pod Running 1/1 on its node', async () => {
      const t = parseTable(ok(await c.kubectl(['get', 'pods', '-A', '-o', 'wide'])));
      expect(t.header).toEqual([
        'NAMESPACE',
        'NAME',
        'READY',
        'STATUS',
        'RESTARTS',
        'AGE',
        'IP',
        'NODE',
        'NOMINATED NODE',
        'READINESS GATES',
      ]);
      const pods = podsOf(c.sim, () => true);
      // Lists come back in storage-key order (namespace, then name), and kubectl keeps it.
      expect(t.rows.map((r) => `${r.NAMESPACE}/${r.NAME}`)).toEqual(pods.map(podKey).sort());
      const nodeOf = new Map(pods.map((p) => [podKey(p), p.spec?.nodeName]));
      for (const r of t.rows) {
        expect(r.READY, r.NAME).toBe('1/1');
        expect(r.STATUS, r.NAME).toBe('Running');
        expect(r.RESTARTS, r.NAME).toBe('0');
        expect(r.IP, r.NAME).toMatch(/^10\.\d+\.\d+\.\d+$/);
        expect(r.NODE, r.NAME).toBe(nodeOf.get(`${r.NAMESPACE}/${r.NAME}`));
        expect(r['NOMINATED NODE']).toBe('<none>');
      }
      expect(new Set(t.rows.map((r) => r.NAMESPACE))).toEqual(new Set(['kube-system', 'shop']));
    });

    it('-l app=web -n shop shows exactly the 3 web replicas', async () => {
      const t = parseTable(ok(await c.kubectl(['get', 'pods', '-n', 'shop', '-l', 'app=web'])));
      expect(t.header).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      expect(t.rows).toHaveLength(3);
      for (const r of t.rows) expect(r.NAME).toMatch(/^web-[a-z0-9]+-[a-z0-9]{5}$/);
    });

    it('--field-selector spec.nodeName=worker-1 shows exactly that node’s pods', async () => {
      const t = parseTable(
        ok(
          await c.kubectl(['get', 'pods', '-A', '-o', 'wide', '--field-selector', 'spec.nodeName=worker-1']),
        ),
      );
      const expected = podsOf(c.sim, (p) => p.spec?.nodeName === 'worker-1').map(podKey);
      expect(expected.length).toBeGreaterThan(0);
      expect(t.rows.map((r) => `${r.NAMESPACE}/${r.NAME}`).sort()).toEqual(expected.sort());
      for (const r of t.rows) expect(r.NODE).toBe('worker-1');
    });

    it('--field-selector status.phase=Running shows every pod; !=Running shows none', async () => {
      const running = parseTable(
        ok(await c.kubectl(['get', 'pods', '-A', '--field-selector', 'status.phase=Running'])),
      );
      expect(running.rows).toHaveLength(podsOf(c.sim, () => true).length);
      const others = await c.kubectl(['get', 'pods', '-A', '--field-selector', 'status.phase!=Running']);
      expect(others.code).toBe(0);
      expect(others.stdout).toBe('');
      expect(others.stderr.trim()).toBe('No resources found');
    });

    it('an invalid label selector exits non-zero and prints the server’s BadRequest', async () => {
      const r = await c.kubectl(['get', 'pods', '-n', 'shop', '-l', 'app in (web']);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('Error from server (BadRequest)');
      expect(r.stderr).toContain("unable to parse requirement: found '', expected: ',' or ')'");
    });

    it('an unsupported field selector exits non-zero with `field label not supported`', async () => {
      const r = await c.kubectl(['get', 'pods', '-n', 'shop', '--field-selector', 'spec.foo=bar']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('Error from server (BadRequest)');
      expect(r.stderr).toContain('field label not supported: spec.foo');
    });
  });

  describe('describe node worker-1', () => {
    let out = '';
    beforeAll(async () => {
      out = ok(await c.kubectl(['describe', 'node', 'worker-1']));
    });

    it('prints the Conditions table with the four kubelet conditions', () => {
      expect(out).toMatch(/^Name:\s+worker-1$/m);
      const block = out.split('\nConditions:\n')[1]?.split('\nAddresses:')[0] ?? '';
      const t = parseTable(block.replace(/^ {2}-.*$/m, ''));
      expect(t.header).toEqual([
        'Type',
        'Status',
        'LastHeartbeatTime',
        'LastTransitionTime',
        'Reason',
        'Message',
      ]);
      expect(t.rows.map((r) => [r.Type, r.Status])).toEqual([
        ['MemoryPressure', 'False'],
        ['DiskPressure', 'False'],
        ['PIDPressure', 'False'],
        ['Ready', 'True'],
      ]);
      expect(t.rows.find((r) => r.Type === 'Ready')?.Reason).toBe('KubeletReady');
    });

    it('prints the Lease block with HolderIdentity from kube-node-lease', () => {
      expect(out).toMatch(
        /^Lease:\n {2}HolderIdentity: +worker-1\n {2}AcquireTime: +.+\n {2}RenewTime: +\S.+$/m,
      );
      expect(out).not.toContain('Failed to get lease');
    });

    it('lists exactly that node’s pods under Non-terminated Pods', () => {
      const expected = podsOf(c.sim, (p) => p.spec?.nodeName === 'worker-1').map(podKey);
      expect(out).toMatch(new RegExp(`^Non-terminated Pods: +\\(${expected.length} in total\\)$`, 'm'));
      const block = out.split(/\nNon-terminated Pods:.*\n/)[1]?.split('\nAllocated resources:')[0] ?? '';
      const t = parseTable(block.replace(/^ {2}-.*$/m, ''));
      expect(t.header).toEqual([
        'Namespace',
        'Name',
        'CPU Requests',
        'CPU Limits',
        'Memory Requests',
        'Memory Limits',
        'Age',
      ]);
      expect(t.rows.map((r) => `${r.Namespace}/${r.Name}`).sort()).toEqual(expected.sort());
    });

    it('has an Events section with the kubelet’s node events (uid = node name) and the controller’s', () => {
      const block = out.split('\nEvents:\n')[1] ?? '';
      const t = parseTable(block.replace(/^ {2}-.*$/m, ''));
      expect(t.header).toEqual(['Type', 'Reason', 'Age', 'From', 'Message']);
      const seen = t.rows.map((r) => `${r.From} ${r.Reason}: ${r.Message}`);
      expect(seen).toContain('kubelet Starting: Starting kubelet.');
      expect(seen).toContain('kubelet NodeReady: Node worker-1 status is now: NodeReady');
      // Written with the node's real UID: found only by describe's first event query (§2.4).
      expect(seen).toContain(
        'node-controller RegisteredNode: Node worker-1 event: Registered Node worker-1 in Controller',
      );
      expect(seen.every((s) => !s.includes('worker-2'))).toBe(true);
    });
  });

  describe('events', () => {
    it('get events -A lists every event with the real columns', async () => {
      const t = parseTable(ok(await c.kubectl(['get', 'events', '-A'])));
      expect(t.header).toEqual(['NAMESPACE', 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
      expect(t.rows).toHaveLength(c.sim.store.count(eventType));
      const seen = t.rows.map((r) => `${r.NAMESPACE} ${r.TYPE} ${r.REASON} ${r.OBJECT} ${r.MESSAGE}`);
      expect(seen).toContain('default Normal Starting node/worker-1 Starting kubelet.');
      const web = podOn(c.sim, 'worker-1', ['app', 'web']);
      expect(seen).toContain(
        `shop Normal Scheduled pod/${web.metadata.name} Successfully assigned shop/${web.metadata.name} to worker-1`,
      );
    });

    it('get events -n shop --field-selector reason=Scheduled shows only the shop pods’ Scheduled events', async () => {
      const t = parseTable(
        ok(await c.kubectl(['get', 'events', '-n', 'shop', '--field-selector', 'reason=Scheduled'])),
      );
      expect(t.header).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
      const shopPods = podsOf(c.sim, (p) => p.metadata.namespace === 'shop');
      expect(t.rows.map((r) => r.OBJECT).sort()).toEqual(
        shopPods.map((p) => `pod/${p.metadata.name}`).sort(),
      );
      for (const r of t.rows) {
        expect(r.REASON).toBe('Scheduled');
        expect(r.MESSAGE).toMatch(/^Successfully assigned shop\/\S+ to worker-\d$/);
      }
    });

    it('get events.v1.events.k8s.io -A is the events.k8s.io/v1 view of the same events', async () => {
      const core = parseTable(ok(await c.kubectl(['get', 'events', '-A'])));
      const v1 = parseTable(ok(await c.kubectl(['get', 'events.v1.events.k8s.io', '-A'])));
      expect(v1.header).toEqual(['NAMESPACE', 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
      const key = (r: Record<string, string>) =>
        `${r.NAMESPACE} ${r.TYPE} ${r.REASON} ${r.OBJECT} ${r.MESSAGE}`;
      expect(v1.rows.map(key).sort()).toEqual(core.rows.map(key).sort());

      const list = JSON.parse(
        ok(await c.kubectl(['get', 'events.v1.events.k8s.io', '-n', 'default', '-o', 'json'])),
      ) as { items: (KubeObject & Record<string, unknown>)[] };
      const started = list.items.find(
        (e) => e.reason === 'Starting' && (e.regarding as { name?: string } | undefined)?.name === 'worker-1',
      );
      expect(started).toMatchObject({
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        note: 'Starting kubelet.',
        reportingController: 'kubelet',
        regarding: { kind: 'Node', name: 'worker-1', uid: 'worker-1' },
        deprecatedSource: { component: 'kubelet', host: 'worker-1' },
        deprecatedCount: 1,
      });
      expect(started).not.toHaveProperty('involvedObject');
      expect(started).not.toHaveProperty('message');
    });
  });

  describe('other kinds', () => {
    it('get pdb -n shop prints the budget columns and the allowed disruptions', async () => {
      const t = parseTable(ok(await c.kubectl(['get', 'pdb', '-n', 'shop'])));
      expect(t.header).toEqual(['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
      expect(t.rows).toHaveLength(1);
      expect(t.rows[0]).toMatchObject({
        NAME: 'web',
        'MIN AVAILABLE': '2',
        'MAX UNAVAILABLE': 'N/A',
        'ALLOWED DISRUPTIONS': '1',
      });
    });

    it('get deploy,rs,ds,svc,ep,cm -A prints each kind with its real columns', async () => {
      const tables = parseTables(ok(await c.kubectl(['get', 'deploy,rs,ds,svc,ep,cm', '-A'])));
      expect(tables.map((t) => t.header)).toEqual([
        ['NAMESPACE', 'NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
        ['NAMESPACE', 'NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'],
        [
          'NAMESPACE',
          'NAME',
          'DESIRED',
          'CURRENT',
          'READY',
          'UP-TO-DATE',
          'AVAILABLE',
          'NODE SELECTOR',
          'AGE',
        ],
        ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
        ['NAMESPACE', 'NAME', 'ENDPOINTS', 'AGE'],
        ['NAMESPACE', 'NAME', 'DATA', 'AGE'],
      ]);
      const [deploy, rs, ds, svc, ep, cm] = tables;
      const row = (t: Table, name: string) => t.rows.find((r) => r.NAME === name);
      expect(deploy.rows.map((r) => r.NAME).sort()).toEqual([
        'deployment.apps/checkout',
        'deployment.apps/coredns',
        'deployment.apps/web',
      ]);
      expect(row(deploy, 'deployment.apps/web')).toMatchObject({
        NAMESPACE: 'shop',
        READY: '3/3',
        'UP-TO-DATE': '3',
        AVAILABLE: '3',
      });
      expect(rs.rows).toHaveLength(3);
      const webRs = rs.rows.find((r) => r.NAME.startsWith('replicaset.apps/web-'));
      expect(webRs).toMatchObject({ NAMESPACE: 'shop', DESIRED: '3', CURRENT: '3', READY: '3' });
      expect(row(ds, 'daemonset.apps/kube-proxy')).toMatchObject({
        NAMESPACE: 'kube-system',
        DESIRED: '4',
        CURRENT: '4',
        READY: '4',
        'UP-TO-DATE': '4',
        AVAILABLE: '4',
      });
      expect(row(svc, 'service/kube-dns')).toMatchObject({
        NAMESPACE: 'kube-system',
        TYPE: 'ClusterIP',
        'CLUSTER-IP': '10.96.0.10',
        'EXTERNAL-IP': '<none>',
        'PORT(S)': '53/UDP,53/TCP,9153/TCP',
      });
      expect(row(svc, 'service/kubernetes')).toMatchObject({
        'CLUSTER-IP': '10.96.0.1',
        'PORT(S)': '443/TCP',
      });
      expect(row(svc, 'service/web')?.['CLUSTER-IP']).toMatch(/^10\.96\.\d+\.\d+$/);
      expect(row(ep, 'endpoints/kubernetes')).toMatchObject({
        NAMESPACE: 'default',
        ENDPOINTS: '10.0.0.10:6443',
      });
      expect(row(cm, 'configmap/coredns')).toMatchObject({ NAMESPACE: 'kube-system', DATA: '1' });
      expect(cm.rows.filter((r) => r.NAME === 'configmap/kube-root-ca.crt')).toHaveLength(5);
    });

    it('get endpointslices -A prints the slice columns', async () => {
      const t = parseTable(ok(await c.kubectl(['get', 'endpointslices', '-A'])));
      expect(t.header).toEqual(['NAMESPACE', 'NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
      expect(t.rows.find((r) => r.NAME === 'kubernetes')).toMatchObject({
        NAMESPACE: 'default',
        ADDRESSTYPE: 'IPv4',
        PORTS: '6443',
        ENDPOINTS: '10.0.0.10',
      });
    });

    it('get leases -n kube-node-lease shows one lease per node, held by the node', async () => {
      const t = parseTable(ok(await c.kubectl(['get', 'leases', '-n', 'kube-node-lease'])));
      expect(t.header).toEqual(['NAME', 'HOLDER', 'AGE']);
      expect(t.rows.map((r) => [r.NAME, r.HOLDER])).toEqual([
        ['cp-1', 'cp-1'],
        ['worker-1', 'worker-1'],
        ['worker-2', 'worker-2'],
        ['worker-3', 'worker-3'],
      ]);
    });

    it('get ns lists the namespaces as Active', async () => {
      const t = parseTable(ok(await c.kubectl(['get', 'ns'])));
      expect(t.header).toEqual(['NAME', 'STATUS', 'AGE']);
      expect(t.rows.map((r) => [r.NAME, r.STATUS])).toEqual([
        ['default', 'Active'],
        ['kube-node-lease', 'Active'],
        ['kube-public', 'Active'],
        ['kube-system', 'Active'],
        ['shop', 'Active'],
      ]);
    });
  });

  describe('version, discovery and health', () => {
    it('version -o json reports server 1.32 without a skew warning', async () => {
      const r = await c.kubectl(['version', '-o', 'json']);
      expect(r.code).toBe(0);
      expect(r.stderr).not.toContain('version difference');
      const v = JSON.parse(r.stdout) as {
        serverVersion: { major: string; minor: string; gitVersion: string };
      };
      expect(v.serverVersion.major).toBe('1');
      expect(v.serverVersion.minor).toBe('32');
      expect(v.serverVersion.gitVersion).toMatch(/^v1\.32\.\d+$/);
    });

    it('api-resources lists pods, deployments and poddisruptionbudgets', async () => {
      const t = parseTable(ok(await c.kubectl(['api-resources'])));
      expect(t.header).toEqual(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
      const by = (name: string, apiVersion: string) =>
        t.rows.find((r) => r.NAME === name && r.APIVERSION === apiVersion);
      expect(by('pods', 'v1')).toMatchObject({ SHORTNAMES: 'po', NAMESPACED: 'true', KIND: 'Pod' });
      expect(by('deployments', 'apps/v1')).toMatchObject({
        SHORTNAMES: 'deploy',
        NAMESPACED: 'true',
        KIND: 'Deployment',
      });
      expect(by('poddisruptionbudgets', 'policy/v1')).toMatchObject({
        SHORTNAMES: 'pdb',
        NAMESPACED: 'true',
        KIND: 'PodDisruptionBudget',
      });
      expect(by('nodes', 'v1')).toMatchObject({ SHORTNAMES: 'no', NAMESPACED: 'false', KIND: 'Node' });
    });

    it('/api/v1 advertises pods/eviction as policy/v1 Eviction (what drain looks for)', async () => {
      const doc = JSON.parse(ok(await c.kubectl(['get', '--raw', '/api/v1']))) as {
        resources: { name: string; group?: string; version?: string; kind: string; verbs: string[] }[];
      };
      expect(doc.resources.find((r) => r.name === 'pods/eviction')).toMatchObject({
        group: 'policy',
        version: 'v1',
        kind: 'Eviction',
        verbs: ['create'],
      });
    });

    it('get --raw /readyz prints ok', async () => {
      expect(ok(await c.kubectl(['get', '--raw', '/readyz']))).toBe('ok');
    });

    it('get --raw /livez?verbose lists the checks', async () => {
      const out = ok(await c.kubectl(['get', '--raw', '/livez?verbose']));
      expect(out).toMatch(/^\[\+\]ping ok$/m);
      expect(out).toMatch(/^\[\+\]etcd ok$/m);
      expect(out).toMatch(/^livez check passed$/m);
    });
  });
});

describe('kubectl logs', () => {
  let c: SimCluster;
  let proxy = '';
  beforeAll(async () => {
    c = await startSimCluster();
    proxy = podOn(c.sim, 'worker-1', ['k8s-app', 'kube-proxy']).metadata.name!;
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('logs -n kube-system <kube-proxy pod> shows its klog lines', async () => {
    const lines = ok(await c.kubectl(['logs', '-n', 'kube-system', proxy]))
      .trimEnd()
      .split('\n');
    expect(lines.length).toBeGreaterThan(5);
    // klog header: Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg (kubernetes.md §5.1)
    for (const l of lines) expect(l).toMatch(/^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ [\w.]+:\d+\] /);
    expect(lines[0]).toContain('"Using iptables proxy"');
    expect(lines.at(-1)).toContain('"SyncProxyRules complete" node="worker-1"');
  });

  it('--tail=1 shows exactly the last line', async () => {
    const out = ok(await c.kubectl(['logs', '-n', 'kube-system', proxy, '--tail=1']));
    expect(out.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(out).toContain('"SyncProxyRules complete" node="worker-1"');
  });

  it('--timestamps prefixes every line with an RFC3339 timestamp with nanoseconds', async () => {
    const lines = ok(await c.kubectl(['logs', '-n', 'kube-system', proxy, '--timestamps', '--tail=3']))
      .trimEnd()
      .split('\n');
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z [IWEF]\d{4} /);
  });

  it('-c with a wrong container name fails with `container … is not valid for pod …`', async () => {
    const r = await c.kubectl(['logs', '-n', 'kube-system', proxy, '-c', 'nope']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`container nope is not valid for pod ${proxy}`);
    // kubectl checks the name itself before asking; the server's own answer is the same message.
    const raw = await c.kubectl([
      'get',
      '--raw',
      `/api/v1/namespaces/kube-system/pods/${proxy}/log?container=nope`,
    ]);
    expect(raw.code).not.toBe(0);
    expect(raw.stderr.trim()).toBe(
      `Error from server (BadRequest): container nope is not valid for pod ${proxy}`,
    );
  });

  it('-p on a container that never restarted fails with `previous terminated container … not found`', async () => {
    const r = await c.kubectl(['logs', '-n', 'kube-system', proxy, '-p']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(
      `Error from server (BadRequest): previous terminated container "kube-proxy" in pod "${proxy}" not found`,
    );
  });

  it('logs -f streams lines appended while it runs', async () => {
    const follower = podOn(c.sim, 'worker-2', ['k8s-app', 'kube-proxy']).metadata.name!;
    const run = track(c.spawnKubectl(['logs', '-f', '-n', 'kube-system', follower]));
    try {
      await waitFor(
        'the existing log',
        () => run.output().includes('"SyncProxyRules complete" node="worker-2"'),
        20_000,
      );
      const first = 'I0101 00:00:01.000000       1 proxier.go:810] "SyncProxyRules complete" elapsed="12ms"';
      const second = 'I0101 00:00:02.000000       1 proxier.go:820] "Syncing iptables rules" followed="yes"';
      c.sim.logs.append('kube-system', follower, 'kube-proxy', first, Date.now());
      await waitFor('the first appended line', () => run.output().includes(first), 20_000);
      c.sim.logs.append('kube-system', follower, 'kube-proxy', second, Date.now());
      await waitFor('the second appended line', () => run.output().includes(second), 20_000);
      const out = run.output();
      expect(out.indexOf(first)).toBeLessThan(out.indexOf(second));
      expect(out.endsWith(`${second}\n`)).toBe(true);
      expect(run.finished()).toBe(false);
    } finally {
      run.child.kill('SIGTERM');
      await within('kubectl logs -f to exit', run.exited, 10_000);
    }
  });
});

describe('kubectl cordon / uncordon', () => {
  let c: SimCluster;
  beforeAll(async () => {
    c = await startSimCluster();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('cordons, reports already cordoned, and uncordons', async () => {
    expect(ok(await c.kubectl(['cordon', 'worker-1']))).toBe('node/worker-1 cordoned\n');
    const cordoned = parseTable(ok(await c.kubectl(['get', 'node', 'worker-1'])));
    expect(cordoned.rows).toEqual([
      expect.objectContaining({ NAME: 'worker-1', STATUS: 'Ready,SchedulingDisabled' }),
    ]);
    const spec = JSON.parse(ok(await c.kubectl(['get', 'node', 'worker-1', '-o', 'jsonpath={.spec}']))) as {
      unschedulable?: boolean;
    };
    expect(spec.unschedulable).toBe(true);

    expect(ok(await c.kubectl(['cordon', 'worker-1']))).toBe('node/worker-1 already cordoned\n');

    expect(ok(await c.kubectl(['uncordon', 'worker-1']))).toBe('node/worker-1 uncordoned\n');
    const back = parseTable(ok(await c.kubectl(['get', 'node', 'worker-1'])));
    expect(back.rows[0].STATUS).toBe('Ready');
    // Uncordon patches unschedulable to null: the field is gone, not false.
    const after = JSON.parse(
      ok(await c.kubectl(['get', 'node', 'worker-1', '-o', 'jsonpath={.spec}'])),
    ) as Record<string, unknown>;
    expect(after).not.toHaveProperty('unschedulable');
    expect(ok(await c.kubectl(['uncordon', 'worker-1']))).toBe('node/worker-1 already uncordoned\n');
  });
});

describe('kubectl drain waits on a PodDisruptionBudget and finishes once it allows', () => {
  let c: SimCluster;
  let running: Running | undefined;
  beforeAll(async () => {
    c = await startSimCluster();
  });
  afterAll(async () => {
    if (running && !running.finished()) running.child.kill('SIGTERM');
    await c?.stop();
  });

  it('retries the blocked eviction every 5 s, then drains the node', { timeout: 180_000 }, async () => {
    const node = 'worker-1';
    const web = podOn(c.sim, node, ['app', 'web']).metadata.name!;
    const proxy = podOn(c.sim, node, ['k8s-app', 'kube-proxy']).metadata.name!;

    expect(
      ok(
        await c.kubectl([
          'patch',
          'pdb',
          'web',
          '-n',
          'shop',
          '--type',
          'merge',
          '-p',
          '{"spec":{"minAvailable":3}}',
        ]),
      ),
    ).toBe('poddisruptionbudget.policy/web patched\n');
    const blocked = parseTable(ok(await c.kubectl(['get', 'pdb', 'web', '-n', 'shop'])));
    expect(blocked.rows[0]).toMatchObject({ 'MIN AVAILABLE': '3', 'ALLOWED DISRUPTIONS': '0' });

    running = track(c.spawnKubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data']));
    const run = running;
    const retry = `error when evicting pods/"${web}" -n "shop" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.`;
    await waitFor('the first PDB retry message', () => run.output().includes(retry), 60_000);
    // A second retry shows drain is waiting on the budget rather than giving up.
    await waitFor('a second PDB retry message', () => occurrences(run.output(), retry) >= 2, 60_000);
    expect(run.finished(), run.output()).toBe(false);
    expect(run.output()).toContain(`node/${node} cordoned`);
    expect(run.output()).toContain(`Warning: ignoring DaemonSet-managed Pods: kube-system/${proxy}`);
    expect(run.output()).toContain(`evicting pod shop/${web}`);
    expect(run.output()).not.toContain(`pod/${web} evicted`);
    expect(ok(await c.kubectl(['get', 'pod', web, '-n', 'shop', '-o', 'name']))).toBe(`pod/${web}\n`);

    expect(
      ok(
        await c.kubectl([
          'patch',
          'pdb',
          'web',
          '-n',
          'shop',
          '--type',
          'merge',
          '-p',
          '{"spec":{"minAvailable":2}}',
        ]),
      ),
    ).toBe('poddisruptionbudget.policy/web patched\n');

    const code = await within('drain to finish after the budget was relaxed', run.exited, 90_000);
    const out = run.output();
    expect(code, out).toBe(0);
    expect(out).toContain(`pod/${web} evicted`);
    expect(out).toMatch(new RegExp(`^node/${node} drained$`, 'm'));

    const status = parseTable(ok(await c.kubectl(['get', 'node', node])));
    expect(status.rows[0].STATUS).toBe('Ready,SchedulingDisabled');

    const left = JSON.parse(
      ok(await c.kubectl(['get', 'pods', '-A', '--field-selector', `spec.nodeName=${node}`, '-o', 'json'])),
    ) as { items: KubeObject[] };
    expect(left.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual([
      `kube-system/${proxy}`,
    ]);
    for (const p of left.items) expect(p.metadata.ownerReferences?.[0]?.kind).toBe('DaemonSet');
    const r = await c.kubectl(['get', 'pod', web, '-n', 'shop']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(`Error from server (NotFound): pods "${web}" not found`);
  });
});

describe('kubectl drain without --ignore-daemonsets', () => {
  let c: SimCluster;
  beforeAll(async () => {
    c = await startSimCluster();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('fails, names the DaemonSet-managed pod and evicts nothing', async () => {
    const node = 'worker-3';
    const proxy = podOn(c.sim, node, ['k8s-app', 'kube-proxy']).metadata.name!;
    const before = podsOf(c.sim, (p) => p.spec?.nodeName === node)
      .map(podKey)
      .sort();
    const r = await c.kubectl(['drain', node, '--delete-emptydir-data'], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`node/${node} cordoned`);
    expect(r.stderr).toContain(
      `error: unable to drain node "${node}" due to error: cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/${proxy}, continuing command...`,
    );
    expect(r.stderr).toContain(`There are pending nodes to be drained:\n ${node}\n`);
    expect(r.stdout + r.stderr).not.toContain('evicting pod');
    const t = parseTable(
      ok(await c.kubectl(['get', 'pods', '-A', '--field-selector', `spec.nodeName=${node}`])),
    );
    expect(t.rows.map((x) => `${x.NAMESPACE}/${x.NAME}`).sort()).toEqual(before);
  });
});

describe('kubectl delete pod', () => {
  let c: SimCluster;
  beforeAll(async () => {
    c = await startSimCluster();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('deletes a web pod and it is gone afterwards', async () => {
    const web = podOn(c.sim, 'worker-2', ['app', 'web']).metadata.name!;
    const r = await c.kubectl(['delete', 'pod', web, '-n', 'shop'], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`pod "${web}" deleted\n`);
    const gone = await c.kubectl(['get', 'pod', web, '-n', 'shop']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr.trim()).toBe(`Error from server (NotFound): pods "${web}" not found`);
    const t = parseTable(ok(await c.kubectl(['get', 'pods', '-n', 'shop', '-l', 'app=web'])));
    expect(t.rows.map((x) => x.NAME)).not.toContain(web);
  });
});

describe('kubectl with a token-protected API server', () => {
  let c: SimCluster;
  beforeAll(async () => {
    c = await startSimCluster({ token: 's3cret' });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('works with the kubeconfig’s token', async () => {
    const t = parseTable(ok(await c.kubectl(['get', 'nodes'])));
    expect(t.rows.map((x) => x.NAME)).toEqual(['cp-1', 'worker-1', 'worker-2', 'worker-3']);
  });

  it('serves the token-protected endpoint over https, the only scheme kubectl sends tokens to', () => {
    // client-go drops every kubeconfig credential when the server URL is not https
    // (clientcmd DirectClientConfig.ClientConfig: "only try to read the auth information if
    // we are secure"), so a plain-http endpoint can never authenticate kubectl.
    expect(new URL(c.url).protocol).toBe('https:');
  });

  it('get nodes --token wrong fails with Unauthorized', async () => {
    const r = await c.kubectl(['get', 'nodes', '--token', 'wrong', '-v=6']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    // kubectl's request log shows the server's 401 for the first request it makes.
    expect(r.stderr).toMatch(/ GET \S+ 401 Unauthorized in \d+ milliseconds/);
    // The last line depends on kubectl's discovery cache: a failed discovery is reported with
    // client-go's generic 401 text, a failed list with the Status message (`Unauthorized`).
    expect(r.stderr).toMatch(
      /^error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)$/m,
    );
  });

  it('answers a request without credentials with a 401 Status', async () => {
    // Trust the cluster's own CA, as the kubeconfig does, but send no credentials.
    const res = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      httpsGet(`${c.url}/api/v1/nodes`, { ca: c.sim.caPem }, (r) => {
        let body = '';
        r.on('data', (d: Buffer) => {
          body += d.toString();
        });
        r.on('end', () =>
          resolve({ status: r.statusCode ?? 0, type: String(r.headers['content-type']), body }),
        );
      }).on('error', reject);
    });
    expect(res.status).toBe(401);
    expect(res.type).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
  });
});

describe('kubectl against an unreachable API endpoint', () => {
  let c: SimCluster;
  beforeAll(async () => {
    c = await startSimCluster();
  });
  afterAll(async () => {
    c?.sim.faults.clear();
    await c?.stop();
  });

  const works = async (): Promise<void> => {
    const t = parseTable(ok(await c.kubectl(['get', 'nodes'])));
    expect(t.rows).toHaveLength(4);
  };

  it('refused connections: kubectl reports connection refused, and works again after clear()', async () => {
    c.sim.faults.set({ unreachable: 'refuse' });
    const r = await c.kubectl(['get', 'nodes', '--request-timeout=3s'], { timeoutMs: 60_000 });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('connect: connection refused');
    const host = new URL(c.url).host;
    expect(r.stderr).toContain(
      `The connection to the server ${host} was refused - did you specify the right host or port?`,
    );
    c.sim.faults.clear();
    await works();
  });

  it('a hanging endpoint: kubectl times out, and works again after clear()', async () => {
    c.sim.faults.set({ unreachable: 'hang' });
    const r = await c.kubectl(['get', 'nodes', '--request-timeout=2s'], { timeoutMs: 90_000 });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    // The wording depends on where client-go's deadline fires (dial, TLS handshake, headers), not on the server.
    expect(r.stderr).toMatch(
      /^Unable to connect to the server: (net\/http: request canceled|context deadline exceeded)( \(Client\.Timeout exceeded while awaiting headers\))?$/m,
    );
    c.sim.faults.clear();
    await works();
  });
});
