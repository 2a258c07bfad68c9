/**
 * A workload's nodeSelector and tolerations reach its pod template, so pods land where a
 * real scheduler and DaemonSet controller would put them: a workload pinned to a tainted
 * pool runs there and nowhere else, other pods stay off that pool, and a DaemonSet runs on
 * the tainted nodes only when it tolerates their taint (as `operator: Exists` does).
 */
import { describe, expect, it } from 'vitest';
import { minute, quietWorld } from './memory-fixture.ts';

type Namespaces = { namespaces: { name: string; daemonsets: Record<string, unknown>[] }[] };

/** Nothing happens: the baseline as it starts. */
const healthy = (input: Record<string, unknown>) => {
  input.expected = { category: 'healthy', rootCause: 'nothing happens' };
};

describe('workload placement from the scenario', () => {
  it('a pinned Deployment runs on its tainted pool; untolerating pods and daemons stay off it', async () => {
    const w = await quietWorld(healthy, []);
    await w.at(5 * minute);
    const batchNodes = new Set(
      w
        .nodes()
        .filter((n) => n.metadata.labels?.['eks.amazonaws.com/nodegroup'] === 'batch')
        .map((n) => n.metadata.name),
    );
    expect(batchNodes.size).toBe(1);
    const running = w.pods().filter((p) => p.status?.phase === 'Running');
    const on = (prefix: string) => running.filter((p) => p.metadata.name?.startsWith(prefix));
    const builders = on('report-builder-');
    expect(builders).toHaveLength(2);
    expect(builders.every((p) => batchNodes.has(p.spec?.nodeName ?? ''))).toBe(true);
    const template = builders[0] as unknown as {
      spec: { nodeSelector?: Record<string, string>; tolerations?: unknown[] };
    };
    expect(template.spec.nodeSelector).toEqual({ 'eks.amazonaws.com/nodegroup': 'batch' });
    expect(template.spec.tolerations).toContainEqual({
      key: 'workload',
      operator: 'Equal',
      value: 'batch',
      effect: 'NoSchedule',
    });
    expect(on('frontend-').some((p) => batchNodes.has(p.spec?.nodeName ?? ''))).toBe(false);
    // node-exporter tolerates nothing of its own: the batch node's NoSchedule taint keeps it off.
    expect(on('node-exporter-')).toHaveLength(6);
    await w.sim.stop();
  });

  it('a DaemonSet that tolerates every taint runs on every node', async () => {
    const w = await quietWorld((input) => {
      healthy(input);
      const monitoring = (input.workloads as Namespaces).namespaces.find((n) => n.name === 'monitoring')!;
      monitoring.daemonsets[0]!.tolerations = [{ operator: 'Exists' }];
    }, []);
    await w.at(5 * minute);
    const exporters = w
      .pods()
      .filter((p) => p.status?.phase === 'Running' && p.metadata.name?.startsWith('node-exporter-'));
    expect(new Set(exporters.map((p) => p.spec?.nodeName)).size).toBe(7);
    await w.sim.stop();
  });
});
