/**
 * `set-resources` as an operator with plain kubectl sees it afterwards: the Deployment's
 * pod template carries the new requests and limits, and its rollout history a second
 * revision. The simulated cluster is run in virtual time past the change, then served.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { minute, quietWorld } from '../../src/sim/world/memory-fixture.ts';
import { type SimCluster, serveSimCluster } from '../support/sim-cluster.ts';

let cluster: SimCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('workload changes through kubectl', () => {
  it('set-resources: the template shows the new requests and limits, rollout history a revision 2', async () => {
    const setResources = {
      type: 'set-resources',
      workload: 'shop/cart',
      container: 'cart',
      requests: { cpu: '250m', memory: '256Mi' },
      limits: { memory: '512Mi' },
    };
    const w = await quietWorld(() => {}, [{ at: '+10m', action: setResources }]);
    await w.at(20 * minute);
    cluster = await serveSimCluster(w.sim);
    const r = await cluster.kubectl([
      'get',
      'deploy',
      'cart',
      '-n',
      'shop',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].resources}',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      limits: { memory: '512Mi' },
      requests: { cpu: '250m', memory: '256Mi' },
    });
    const history = await cluster.kubectl(['rollout', 'history', 'deployment/cart', '-n', 'shop']);
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
  });
});
