import { describe, expect, it } from 'vitest';
import type { Signal } from '../detect/signal.ts';
import { attributes } from './slots.ts';

const from = { kind: 'periodic-onset', subject: 'cluster' } as unknown as Signal;

describe('slots', () => {
  it('says node attributes in words, not as name=v1|v2', () => {
    expect(
      attributes(
        ['pool=pool-1-27|pool-1-28', 'nodeImage=1.27.6-do.0|1.28.2-do.0', 'kubeletVersion=v1.27.6|v1.28.2'],
        from,
      )?.text,
    ).toBe('pool pool-1-27 or pool-1-28, node image 1.27.6-do.0 or 1.28.2-do.0, kubelet v1.27.6 or v1.28.2');
    expect(attributes(['osImage=Ubuntu 22.04.4 LTS'], from)?.text).toBe('OS image Ubuntu 22.04.4 LTS');
    expect(attributes([], from)).toBeUndefined();
    expect(attributes(['osImage=Ubuntu'], undefined)).toBeUndefined();
  });
});
