/**
 * Pod IP exhaustion and conntrack overflow on a quiet cluster: addresses run out after a
 * mass reschedule or a leak, and sandboxes fail with the plugin's own error; a connection
 * flood fills a node's conntrack table and its pods' lookups start timing out.
 */
import { describe, expect, it } from 'vitest';
import { minute, runNetworkCase } from './network-fixture.ts';

const sandboxError = {
  'aws-vpc-cni':
    /^Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "[0-9a-f]{64}": plugin type="aws-cni" name="aws-cni" failed \(add\): add cmd: failed to assign an IP address to container$/,
  calico:
    /^Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "[0-9a-f]{64}": plugin type="calico" failed \(add\): failed to request 1 IPv4 addresses\. IPAM allocated only 0$/,
} as const;

describe('pod IP exhaustion', () => {
  for (const kind of ['aws-vpc-cni', 'calico'] as const) {
    it(`${kind}: a mass reschedule onto two nodes leaves pods ContainerCreating with FailedCreatePodSandBox`, async () => {
      const w = await runNetworkCase(
        {
          cni: { kind, mode: kind === 'calico' ? 'bgp' : 'vpc', ipam: { perNode: 3 } },
          timeline: [
            { at: '+10m', action: { type: 'drain-nodes', nodes: { names: ['worker-0', 'worker-1'] } } },
          ],
        },
        16 * minute,
      );
      const stuck = w
        .pods()
        .filter((p) =>
          p.status?.containerStatuses?.some((c) => c.state?.waiting?.reason === 'ContainerCreating'),
        );
      expect(stuck.length).toBeGreaterThan(0);
      for (const p of stuck) {
        expect(p.status?.phase).toBe('Pending');
        expect(['worker-2', 'worker-3']).toContain(p.spec?.nodeName);
      }
      const failures = w.events().filter((e) => e.reason === 'FailedCreatePodSandBox');
      expect(failures.length).toBeGreaterThan(0);
      for (const e of failures) expect(e.message).toMatch(sandboxError[kind]);
      // The kubelet retries: the same Event counts up.
      expect(Math.max(...failures.map((e) => e.count ?? 1))).toBeGreaterThan(1);
      // Every node holds at most its addresses.
      for (const n of ['worker-2', 'worker-3']) {
        const running = w
          .pods()
          .filter((p) => p.spec?.nodeName === n && p.status?.podIP && p.metadata.namespace !== 'kube-system');
        expect(running.length).toBeLessThanOrEqual(3);
      }
      await w.stop();
    });
  }

  it('pod-ip-leak: new pods on the leaking node fail while the rest of the cluster schedules fine', async () => {
    const w = await runNetworkCase(
      {
        cni: { kind: 'aws-vpc-cni', mode: 'vpc', ipam: { perNode: 6 } },
        timeline: [
          { at: '+10m', fault: { type: 'pod-ip-leak', nodes: { names: ['worker-0'] }, addresses: 6 } },
          { at: '+11m', action: { type: 'restart-workload', workload: 'shop/frontend' } },
        ],
      },
      18 * minute,
    );
    const failures = w.events().filter((e) => e.reason === 'FailedCreatePodSandBox');
    expect(failures.length).toBeGreaterThan(0);
    const failedPods = new Set(failures.map((e) => e.involvedObject?.name));
    for (const p of w.pods().filter((x) => failedPods.has(x.metadata.name)))
      expect(p.spec?.nodeName).toBe('worker-0');
    await w.stop();
  });

  it('ip-pool-exhausted: a node that joins gets no addresses for its pods', async () => {
    const w = await runNetworkCase(
      {
        cni: { kind: 'aws-vpc-cni', mode: 'vpc', ipam: { perNode: 10, poolSize: 200 } },
        timeline: [
          { at: '+10m', fault: { type: 'ip-pool-exhausted', freeAddresses: 0 } },
          { at: '+11m', action: { type: 'scale-workload', workload: 'shop/frontend', replicas: 8 } },
        ],
      },
      16 * minute,
    );
    const failures = w.events().filter((e) => e.reason === 'FailedCreatePodSandBox');
    expect(failures.length).toBeGreaterThan(0);
    await w.stop();
  });

  it('with addresses to spare nothing fails (healthy baseline)', async () => {
    const w = await runNetworkCase(
      { cni: { kind: 'aws-vpc-cni', mode: 'vpc', ipam: { perNode: 29 } } },
      20 * minute,
    );
    expect(w.events().filter((e) => e.reason === 'FailedCreatePodSandBox')).toEqual([]);
    await w.stop();
  });
});

describe('conntrack table full', () => {
  it("conntrack-flood: the node's kernel logs table full and its pods' DNS lookups start failing", async () => {
    const w = await runNetworkCase(
      {
        cni: { kind: 'aws-vpc-cni', mode: 'vpc' },
        timeline: [
          {
            at: '+10m',
            fault: { type: 'conntrack-flood', nodes: { names: ['worker-0'] }, connections: 400_000 },
          },
        ],
      },
      40 * minute,
    );
    const machines = w.sim.runner!.machines;
    const lines = machines.kernelLog.lines('worker-0').map((l) => l.text);
    expect(lines).toContain('nf_conntrack: nf_conntrack: table full, dropping packet');
    expect(lines.some((l) => /^net_ratelimit: \d+ callbacks suppressed$/.test(l))).toBe(true);
    expect(machines.kernelLog.lines('worker-1')).toEqual([]);
    // At least one minute of the flood broke lookups from worker-0's pods.
    const dnsLogs = w
      .pods()
      .filter((p) => p.spec?.nodeName === 'worker-0' && p.metadata.labels?.app === 'frontend')
      .flatMap((p) => w.sim.logs.lines('shop', p.metadata.name ?? '', 'web', false) ?? [])
      .map((l) => l.text);
    expect(dnsLogs.some((l) => l.includes('dial udp 10.96.0.10:53: i/o timeout'))).toBe(true);
    // The node agent's conntrack check (src/agent/checks/conntrack.ts) reads the table every 30 s:
    // `since` is the first look after the flood that saw the drop counter grow.
    const condition = (node: string) =>
      (
        w.nodes().find((n) => n.metadata.name === node) as {
          status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
        }
      ).status?.conditions?.find((c) => c.type === 'ConntrackTableFull');
    expect(condition('worker-0')).toMatchObject({ status: 'True', reason: 'ConntrackDroppingPackets' });
    expect(condition('worker-0')?.message).toMatch(
      /^conntrack table is full and dropping packets; count=131072 max=131072 drops=\d+ window=5m0s since=2023-03-14T18:10:[03]0Z$/,
    );
    expect(condition('worker-1')).toMatchObject({
      status: 'False',
      reason: 'ConntrackHasRoom',
      message: 'conntrack table has room; max=131072',
    });
    await w.stop();
  });

  it('a full table on the node of one DNS replica fails a share of lookups from every other node', async () => {
    const base = { cni: { kind: 'aws-vpc-cni', mode: 'vpc' } };
    // Where the scheduler put CoreDNS (the seed makes the same placement every run).
    const quiet = await runNetworkCase(base, 5 * minute);
    const dnsNodes = [
      ...new Set(
        quiet
          .pods()
          .filter((p) => p.metadata.labels?.['k8s-app'] === 'kube-dns')
          .map((p) => p.spec?.nodeName ?? ''),
      ),
    ];
    await quiet.stop();
    // The other replica keeps serving, so only the queries sent to this one are lost.
    expect(dnsNodes.length).toBeGreaterThan(1);
    const full = dnsNodes[0] ?? '';
    const w = await runNetworkCase(
      {
        ...base,
        timeline: [
          {
            at: '+10m',
            fault: { type: 'conntrack-flood', nodes: { names: [full] }, connections: 400_000 },
          },
        ],
      },
      40 * minute,
    );
    const elsewhere = w
      .pods()
      .filter((p) => p.metadata.labels?.app === 'frontend' && p.spec?.nodeName !== full);
    expect(elsewhere.length).toBeGreaterThan(0);
    // Those nodes' tables are fine: their kernels say nothing, yet their pods' lookups time out.
    for (const p of elsewhere)
      expect(w.sim.runner!.machines.kernelLog.lines(p.spec?.nodeName ?? '')).toEqual([]);
    const logs = elsewhere
      .flatMap((p) => w.sim.logs.lines('shop', p.metadata.name ?? '', 'web', false) ?? [])
      .map((l) => l.text);
    expect(logs.some((l) => l.includes('dial udp 10.96.0.10:53: i/o timeout'))).toBe(true);
    await w.stop();
  });

  it("a full table on an ingress controller's node turns a share of its proxied requests into 504s", async () => {
    const base = { cni: { kind: 'aws-vpc-cni', mode: 'vpc' }, controller: 'nginx' as const };
    const metrics = (w: Awaited<ReturnType<typeof runNetworkCase>>) =>
      w
        .pods()
        .filter((p) => p.metadata.namespace === 'ingress')
        .map((p) => w.sim.nodeProxy.lookup(`pods/ingress/${p.metadata.name}`, 10254))
        .map((h) => h?.({ method: 'GET', path: '/metrics', query: new URLSearchParams() }).body ?? '')
        .join('\n');
    const quiet = await runNetworkCase(base, 20 * minute);
    const controllerNode = quiet.pods().find((p) => p.metadata.namespace === 'ingress')?.spec?.nodeName ?? '';
    expect(metrics(quiet)).not.toMatch(/status="504"/);
    await quiet.stop();
    const w = await runNetworkCase(
      {
        ...base,
        timeline: [
          {
            at: '+10m',
            fault: { type: 'conntrack-flood', nodes: { names: [controllerNode] }, connections: 400_000 },
          },
        ],
      },
      20 * minute,
    );
    expect(metrics(w)).toMatch(/^nginx_ingress_controller_requests\{[^}]*status="504"[^}]*\} [1-9]\d*$/m);
    await w.stop();
  });

  it('below the limit the kernel stays quiet', async () => {
    const w = await runNetworkCase(
      {
        cni: { kind: 'aws-vpc-cni', mode: 'vpc' },
        timeline: [
          {
            at: '+10m',
            fault: { type: 'conntrack-flood', nodes: { names: ['worker-0'] }, connections: 1_000 },
          },
        ],
      },
      20 * minute,
    );
    expect(w.sim.runner!.machines.kernelLog.lines('worker-0')).toEqual([]);
    await w.stop();
  });
});
