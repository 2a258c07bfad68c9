import { describe, expect, it } from 'vitest';
import { event, t0, viewOf } from './fixtures.ts';
import { ofKind } from './signal.ts';
import { volumeFailures } from './volume-failures.ts';

describe('volumeFailures', () => {
  it('names the workload, the volumes and why they do not attach or mount', () => {
    const pod = 'db-5f7d8c9b6-aaaaa';
    const view = viewOf({
      events: [
        // https://github.com/kubernetes/kubernetes/issues/96142
        event({
          kind: 'Pod',
          name: pod,
          namespace: 'data',
          reason: 'FailedAttachVolume',
          type: 'Warning',
          component: 'attachdetach-controller',
          message:
            'Multi-Attach error for volume "pvc-7a81d56f-1cf9-11eb-8295-b6961e0a47ed" Volume is already exclusively attached to one node and can\'t be attached to another',
        }),
        // https://github.com/openshift/openshift-docs/pull/24970
        event({
          kind: 'Pod',
          name: pod,
          namespace: 'data',
          reason: 'FailedMount',
          type: 'Warning',
          host: 'n2',
          count: 3,
          message:
            'Unable to attach or mount volumes: unmounted volumes=[sso-mysql-pvol], unattached volumes=[sso-mysql-pvol default-token-x4rzc]: timed out waiting for the condition',
        }),
      ],
    });
    const [s] = ofKind(volumeFailures(view, t0), 'volume-mount-failing');
    expect(s.subject).toBe('workload/data/Deployment/db');
    expect(s.facts).toMatchObject({
      causes: ['timeout=3', 'multi-attach=1'],
      volumes: ['pvc-7a81d56f-1cf9-11eb-8295-b6961e0a47ed', 'sso-mysql-pvol'],
      pods: 1,
      nodes: ['n2'],
      events: 4,
    });
  });
});
