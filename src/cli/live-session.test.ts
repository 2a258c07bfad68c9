import { afterEach, describe, expect, it } from 'vitest';
import { poolLabels, setPoolLabel } from '../kube/node-pools.ts';
import { CliError } from './cli-error.ts';
import { startLiveSession } from './live-session.ts';

describe('startLiveSession flags', () => {
  afterEach(() => setPoolLabel(undefined));

  it('refuses a --pool-label that is not a label key before it connects anywhere', async () => {
    const err = await startLiveSession({
      timeout: '1',
      poolLabel: 'my pool',
      kubeconfig: '/nonexistent',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toMatch(/--pool-label: "my pool" is not a label key/);
    expect(poolLabels()[0]).not.toBe('my pool');
  });
});
