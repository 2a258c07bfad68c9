/**
 * What a chart user sets reaches the objects Helm would render: image, pull secrets,
 * annotations, placement per workload, the service account, the store (SQLite on a
 * PersistentVolumeClaim, an emptyDir, or PostgreSQL), and release-scoped names and labels.
 */
import { describe, expect, it } from 'vitest';
import { chartDir } from '../../deploy/generate.ts';
import { renderChart } from './render-chart.ts';
import { valueSets } from './value-sets.ts';

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests, checked field by field below
type Obj = Record<string, any>;

function render(set: keyof typeof valueSets, name = 'kubetriage', namespace = 'monitoring') {
  return renderChart(chartDir, valueSets[set], { name, namespace });
}
const find = (objs: Obj[], kind: string, name: string) =>
  objs.find((o) => o.kind === kind && o.metadata.name === name) as Obj;
const workloads = (objs: Obj[]) => objs.filter((o) => o.kind === 'Deployment' || o.kind === 'DaemonSet');

describe("the chart with a user's values", () => {
  it('names every object after the release, and labels it with the instance, chart and manager', () => {
    const objs = render('defaults', 'prod').objects as Obj[];
    for (const o of objs) {
      expect(o.metadata.name, `${o.kind}`).toMatch(/^prod-kubetriage(-|$)/);
      expect(o.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'kubetriage',
        'app.kubernetes.io/instance': 'prod',
        'app.kubernetes.io/managed-by': 'Helm',
        'helm.sh/chart': 'kubetriage-0.1.0',
      });
    }
    for (const w of workloads(objs))
      expect(w.spec.selector.matchLabels['app.kubernetes.io/instance'], w.metadata.name).toBe('prod');
    const serve = find(objs, 'Deployment', 'prod-kubetriage').spec.template.spec;
    expect(serve.serviceAccountName).toBe('prod-kubetriage');
    expect(serve.containers[0].args).toContain('--lease-name=prod-kubetriage');
    const agentEnv = find(objs, 'DaemonSet', 'prod-kubetriage-agent').spec.template.spec.containers[0].env;
    expect(agentEnv).toContainEqual({
      name: 'KUBETRIAGE_PEER_SERVICE',
      value: '$(POD_NAMESPACE)/prod-kubetriage-peer:8089',
    });
    expect(find(objs, 'ClusterRoleBinding', 'prod-kubetriage-read').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'prod-kubetriage', namespace: 'monitoring' },
    ]);
    // Two releases side by side share no cluster-scoped name.
    const other = render('defaults', 'staging').objects as Obj[];
    const clusterScoped = (os: Obj[]) =>
      os.filter((o) => !o.metadata.namespace).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(clusterScoped(objs).filter((n) => clusterScoped(other).includes(n))).toEqual([]);
  });

  it('defaults: the chart appVersion as image tag, one replica on SQLite on a PersistentVolumeClaim, one pod at a time', () => {
    const objs = render('defaults').objects as Obj[];
    const serve = find(objs, 'Deployment', 'kubetriage');
    expect(serve.spec.replicas).toBe(1);
    expect(serve.spec.strategy).toEqual({ type: 'Recreate' });
    expect(serve.spec.template.spec.containers[0].image).toBe('ghcr.io/kubetriage/kubetriage:0.1.0');
    expect(serve.spec.template.spec.volumes[0]).toEqual({
      name: 'data',
      persistentVolumeClaim: { claimName: 'kubetriage-data' },
    });
    expect(find(objs, 'PersistentVolumeClaim', 'kubetriage-data').spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
    });
    expect(JSON.stringify(serve)).not.toContain('KUBETRIAGE_DATABASE_URL');
    for (const w of workloads(objs)) {
      expect(w.spec.template.metadata.annotations, w.metadata.name).toBeUndefined();
      expect(w.spec.template.spec.imagePullSecrets, w.metadata.name).toBeUndefined();
      expect(w.spec.template.spec.containers[0].resources, w.metadata.name).toBeDefined();
    }
    // The agent and its peers tolerate every taint: a node's own failure is what they report.
    expect(find(objs, 'DaemonSet', 'kubetriage-agent').spec.template.spec.tolerations).toEqual([
      { operator: 'Exists' },
    ]);
    expect(find(objs, 'DaemonSet', 'kubetriage-peer').spec.template.spec.tolerations).toEqual([
      { operator: 'Exists' },
    ]);
    expect(serve.spec.template.spec.tolerations).toBeUndefined();
  });

  it('every opt-in: image, pull secrets, annotations, resources and placement per workload, storage class', () => {
    const v = valueSets['every opt-in'];
    const objs = render('every opt-in').objects as Obj[];
    for (const w of workloads(objs)) {
      const pod = w.spec.template;
      expect(pod.spec.containers[0].image).toBe('registry.example/kt:0.1.0-rc.1');
      expect(pod.spec.containers[0].imagePullPolicy).toBe('Always');
      expect(pod.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
      expect(pod.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'false' });
    }
    const serve = find(objs, 'Deployment', 'kubetriage').spec.template.spec;
    expect(serve).toMatchObject({
      serviceAccountName: 'kt-serve',
      nodeSelector: v.server.nodeSelector,
      tolerations: v.server.tolerations,
      affinity: v.server.affinity,
    });
    expect(serve.containers[0].resources).toEqual(v.server.resources);
    for (const name of ['kubetriage-agent', 'kubetriage-peer'])
      expect(find(objs, 'DaemonSet', name).spec.template.spec, name).toMatchObject({
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [{ operator: 'Exists' }],
        affinity: v.agent.affinity,
      });
    expect(find(objs, 'ServiceAccount', 'kt-serve').metadata.annotations).toEqual(
      v.serviceAccount.annotations,
    );
    expect(find(objs, 'PersistentVolumeClaim', 'kubetriage-data').spec).toMatchObject({
      storageClassName: 'fast',
      resources: { requests: { storage: '5Gi' } },
    });
    expect(find(objs, 'ClusterRoleBinding', 'kubetriage-remediate').subjects[0].name).toBe('kt-serve');
  });

  it('PostgreSQL: the URL from the Secret, no volume claim, rolling updates, an existing service account', () => {
    const objs = render('PostgreSQL').objects as Obj[];
    const serve = find(objs, 'Deployment', 'kubetriage');
    expect(serve.spec.replicas).toBe(2);
    expect(serve.spec.strategy).toBeUndefined();
    const pod = serve.spec.template.spec;
    expect(pod.containers[0].env).toContainEqual({
      name: 'KUBETRIAGE_DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'kubetriage-database', key: 'url' } },
    });
    expect(pod.volumes[0]).toEqual({ name: 'data', emptyDir: {} });
    expect(pod.serviceAccountName).toBe('existing');
    expect(objs.map((o) => o.kind)).not.toContain('PersistentVolumeClaim');
    expect(objs.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name)).toEqual([
      'kubetriage-agent',
    ]);
    expect(render('PostgreSQL').files.get('NOTES.txt')).toMatch(
      /PostgreSQL, at the URL in Secret kubetriage-database/,
    );
  });

  it('SQLite without persistence: an emptyDir, and NOTES.txt warns that the record is lost with the pod', () => {
    const r = render('SQLite on an emptyDir');
    const serve = find(r.objects as Obj[], 'Deployment', 'kubetriage');
    expect(serve.spec.template.spec.volumes[0]).toEqual({ name: 'data', emptyDir: {} });
    expect(serve.spec.strategy).toBeUndefined();
    expect(r.files.get('NOTES.txt')).toMatch(/WARNING: incidents are kept in SQLite on an emptyDir/);
    expect(render('defaults').files.get('NOTES.txt')).toMatch(
      /PersistentVolumeClaim kubetriage-data \(1Gi\)/,
    );
  });

  it("no service account created and none named: serve runs as the namespace's default one", () => {
    const values = { ...valueSets.defaults, serviceAccount: { create: false, name: '', annotations: {} } };
    const objs = renderChart(chartDir, values, { name: 'kubetriage', namespace: 'kt' }).objects as Obj[];
    expect(find(objs, 'Deployment', 'kubetriage').spec.template.spec.serviceAccountName).toBe('default');
    expect(find(objs, 'ClusterRoleBinding', 'kubetriage-read').subjects[0].name).toBe('default');
    expect(objs.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name)).toEqual([
      'kubetriage-agent',
    ]);
  });
});
