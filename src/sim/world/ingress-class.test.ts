/**
 * Which Ingresses an ingress-nginx controller takes, by its version, and what users and
 * its metrics see when an upgrade to 1.x leaves the cluster's class-less Ingresses
 * unserved: 404 from the default server, no per-host counts, the store's "Ignoring
 * ingress" lines, while every pod is Ready.
 */
import { describe, expect, it } from 'vitest';
import {
  type IngressClassView,
  type IngressView,
  nginxClassVerdict,
  nginxControllerMajor,
  nginxStoreLines,
} from './ingress-class.ts';
import { minute, runNetworkCase } from './network-fixture.ts';

const nginxClass: IngressClassView = {
  metadata: { name: 'nginx' },
  spec: { controller: 'k8s.io/ingress-nginx' },
};
const ing = (o: { className?: string; annotation?: string } = {}): IngressView => ({
  metadata: {
    name: 'web',
    namespace: 'shop',
    ...(o.annotation ? { annotations: { 'kubernetes.io/ingress.class': o.annotation } } : {}),
  },
  spec: o.className ? { ingressClassName: o.className } : {},
});

describe('nginxControllerMajor', () => {
  it.each([
    [
      'k8s.gcr.io/ingress-nginx/controller:v1.0.0@sha256:0851b34f69f69352bf168e6ccf30e1e20714a264ab1ecd1933e4d8c0fc3215c6',
      1,
    ],
    ['k8s.gcr.io/ingress-nginx/controller:v0.49.0', 0],
    ['quay.io/kubernetes-ingress-controller/nginx-ingress-controller:0.30.0', 0],
    ['registry.k8s.io/ingress-nginx/controller:v1.9.4', 1],
    ['localhost:5000/ingress-nginx/controller', undefined],
    ['registry.k8s.io/ingress-nginx/controller:latest', undefined],
  ])('%s → %s', (image, major) => {
    expect(nginxControllerMajor(image)).toBe(major);
  });
});

describe('nginxClassVerdict', () => {
  it.each([
    ['0.x takes an Ingress naming no class', ing(), 0, true],
    ['0.x takes the nginx annotation', ing({ annotation: 'nginx' }), 0, true],
    ['0.x leaves another class', ing({ annotation: 'traefik' }), 0, false],
    ['1.x ignores an Ingress naming no class', ing(), 1, false],
    ['1.x takes spec.ingressClassName of its IngressClass', ing({ className: 'nginx' }), 1, true],
    ['1.x takes the nginx annotation', ing({ annotation: 'nginx' }), 1, true],
    ['1.x ignores a class it has no IngressClass for', ing({ className: 'public' }), 1, false],
  ] as const)('%s', (_, ingress, major, taken) => {
    expect(nginxClassVerdict(ingress, [nginxClass], major).taken).toBe(taken);
  });

  it('logs what store.go logs for an ignored Ingress', () => {
    const [line] = nginxStoreLines(
      ing(),
      nginxClassVerdict(ing(), [nginxClass], 1),
      Date.UTC(2021, 8, 20, 10, 0, 5),
    );
    expect(line).toMatch(
      /^I0920 10:00:05\.\d{6} +1 store\.go:361\] "Ignoring ingress because of error while validating ingress class" ingress="shop\/web" error="ingress does not contain a valid IngressClass"$/,
    );
  });
});

const lb = { kind: 'aws-nlb', hostname: 'a1b2c3-1234.elb.eu-west-1.amazonaws.com', targetPools: ['workers'] };
const upgradeCase = (timeline: Record<string, unknown>[]) => ({
  cni: { kind: 'aws-vpc-cni', mode: 'vpc' },
  controller: 'nginx' as const,
  controllerImage: 'k8s.gcr.io/ingress-nginx/controller:v0.49.0',
  ingress: { kind: 'ingress-nginx', classBy: 'none', loadBalancer: lb },
  timeline,
});
const toV1 = {
  at: '+5m',
  action: {
    type: 'set-image',
    workload: 'ingress/ingress-controller',
    container: 'proxy',
    image: 'k8s.gcr.io/ingress-nginx/controller:v1.0.0',
  },
};

function metrics(w: Awaited<ReturnType<typeof runNetworkCase>>): string[] {
  return w
    .pods()
    .filter((p) => p.metadata.namespace === 'ingress')
    .map((p) => w.sim.nodeProxy.lookup(`pods/ingress/${p.metadata.name}`, 10254))
    .map((h) => h?.({ method: 'GET', path: '/metrics', query: new URLSearchParams() }).body ?? '');
}

describe('ingress-nginx 1.0.0 and Ingresses that name no class', () => {
  it('0.49.0 serves them: users get 200 and the requests are counted per host', async () => {
    const w = await runNetworkCase(upgradeCase([]), 10 * minute);
    const balancer = w.sim.runner!.loadBalancer!;
    expect(
      new Set(Array.from({ length: 20 }, () => balancer.request('shop.example.com', '/').status)),
    ).toEqual(new Set([200]));
    for (const text of metrics(w))
      expect(text).toMatch(/nginx_ingress_controller_requests\{[^}]*host="shop\.example\.com"/);
    await w.stop();
  });

  it('after set-image to v1.0.0 every host answers 404 while all pods are Ready; the store says why', async () => {
    const w = await runNetworkCase(upgradeCase([toV1]), 20 * minute);
    const balancer = w.sim.runner!.loadBalancer!;
    expect(
      new Set(Array.from({ length: 20 }, () => balancer.request('shop.example.com', '/').status)),
    ).toEqual(new Set([404]));
    expect(w.pods().filter((p) => !w.ready(p))).toEqual([]);
    const controllers = w.pods().filter((p) => p.metadata.namespace === 'ingress');
    expect(controllers.length).toBeGreaterThan(0);
    for (const text of metrics(w)) {
      expect(text).not.toMatch(/^nginx_ingress_controller_requests\{/m);
      expect(text).toMatch(/^nginx_ingress_controller_nginx_process_requests_total\{[^}]*\} [1-9]\d*$/m);
    }
    for (const p of controllers) {
      const lines = w.sim.logs.lines('ingress', p.metadata.name ?? '', 'proxy', false) ?? [];
      expect(lines.map((l) => l.text).join('\n')).toContain(
        '"Ignoring ingress because of error while validating ingress class" ingress="shop/frontend" error="ingress does not contain a valid IngressClass"',
      );
    }
    await w.stop();
  });

  it('rolling back to 0.49.0 brings the sites back', async () => {
    const back = {
      ...toV1,
      at: '+12m',
      action: { ...toV1.action, image: 'k8s.gcr.io/ingress-nginx/controller:v0.49.0' },
    };
    const w = await runNetworkCase(upgradeCase([toV1, back]), 25 * minute);
    const balancer = w.sim.runner!.loadBalancer!;
    expect(
      new Set(Array.from({ length: 20 }, () => balancer.request('shop.example.com', '/').status)),
    ).toEqual(new Set([200]));
    await w.stop();
  });
});
